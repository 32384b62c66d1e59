import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftVolume
import GraftEngine
import GraftTraining

extension StudyPlan.Task: ExpressibleByArgument {}

extension GraftCommand {
    struct Study: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the paper's experiment: fine-tuning depth x training-set size, against training from scratch.",
            discussion: """
                Every cell (a depth or scratch, a training fraction, a seed) is one `graft tune` run with \
                early stopping on validation AUC, tested once on the same held-out split. Finished cells are \
                kept in RESULTS/cells/; rerunning the command continues where it stopped. On a cluster, run \
                `--list-cells` once, then one `--cell K` per array task, then `graft study --collect RESULTS`:

                  #SBATCH --array=0-47
                  graft study model.graft --data busi --positive malignant -o results --cell $SLURM_ARRAY_TASK_ID

                The report (results.csv, results.json, report.md, report.html, plots/) is rewritten after every cell.
                """)

        @Argument(help: "The pretrained .graft model (not needed with --collect).") var model: String?
        @Option(name: .shortAndLong, help: "The results folder.") var output: String?
        @Option(help: "Only write the report from the results folder's finished cells.") var collect: String?
        @Option(help: "classify (images and labels) or patches (CVC-ClinicDB frames and polyp masks).") var task: StudyPlan.Task = .classify
        @Option(help: "Data: an image folder, .npz or CSV (classify); a CVC-ClinicDB folder (patches).") var data: String?
        @Option(help: "Classify: these classes against the rest, e.g. malignant.") var positive: String?
        @Option(help: "Layers to tune from, comma-separated (default: every trainable layer, last first).") var depths: String?
        @Option(help: "Training-set fractions, comma-separated.") var fractions: String = "1,0.5,0.25,0.1"
        @Option(help: "Repeats per cell.") var seeds: Int = 3
        @Flag(help: "Leave out the from-scratch baseline.") var noScratch = false
        @Option(help: "Patches: patch side in frame pixels.") var patchSize: Int = 64
        @Option(help: "Patches: polyp and background patches per frame (for a volume,mask CSV: lesion and background patches per volume).") var patchesPerFrame: Int = 2
        @Option(help: "Validation fraction.") var valFraction: Double = 0.15
        @Option(help: "Test fraction (the same default as tune and eval).") var testFraction: Double = 0.15
        @Option(help: "Base seed.") var seed: UInt64 = 0
        @Flag(help: "Skip bad images.") var skipBad = false
        @Option(name: .customLong("window"), help: ArgumentHelp(
            "An intensity window for DICOM and NIfTI images (see `graft tune --help`); give the same ones to every --cell task.",
            valueName: "window")) var windows: [IntensityWindow] = []
        @Option(help: "Candidates CSV: the patch's side in millimetres.") var patchMm: Double = 40
        @Option(help: "Candidates CSV: samples along the patch's side.") var patchPixels: Int = 64
        @Option(help: "Candidates CSV: 2d, 2.5d or 3plane.") var patchLayout: PatchSampler.Layout = .planar
        @OptionGroup var training: TrainingOptions
        @Option(help: "Run only cell K (see --list-cells).") var cell: Int?
        @Flag(help: "Print the cells and exit.") var listCells = false

        func run() throws {
            if let threads = training.threads { ComputeThreads.set(threads) }
            if let collect {
                let (plan, results) = try GraftTraining.Study.collect(directory: collect)
                let splits = GraftTraining.Study.splitSummary(directory: collect)
                let report = StudyReport(plan: plan, results: results, splits: splits)
                // The title a local run gives it: the dataset's name as the cells loaded it.
                try report.write(to: collect, datasetName: splits?.datasetName ?? URL(fileURLWithPath: plan.data).lastPathComponent)
                print(Self.summary(report, directory: collect))
                // Cells that never finished (a failed array task) fail the collection: the report
                // covers only what finished, and says so, but the job is not done.
                if results.count < plan.cells.count {
                    let missing = Set(plan.cells.map(\.id)).subtracting(results.map(\.cell.id))
                    throw CommandFailure("\(missing.count) of \(plan.cells.count) cells have no result in \(collect)/cells "
                        + "(rerun their --cell tasks, or run the study without --cell to finish them): "
                        + plan.cells.filter { missing.contains($0.id) }.map(\.index).sorted().map(String.init).joined(separator: ", "))
                }
                return
            }
            guard let model, let output, let data else {
                throw ValidationError("give MODEL, --data and -o RESULTS (or --collect RESULTS).")
            }
            let pretrained = try NativeFile.open(model).loadModel()
            let sized = try (training.inputSize.map { try pretrained.withInputSize($0) } ?? pretrained).withWindows(windows)
            let layers = sized.trainableLayers
            let chosen = depths.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? layers.reversed()
            for layer in chosen where !layers.contains(layer) {
                throw ValidationError("'\(layer)' is not a trainable layer of the model; choose from \(layers.joined(separator: ", ")).")
            }
            let fractionList = try fractions.split(separator: ",").map { text -> Double in
                guard let f = Double(text.trimmingCharacters(in: .whitespaces)), f > 0, f <= 1 else {
                    throw ValidationError("--fractions: '\(text)' is not in (0, 1].")
                }
                return f
            }
            var dataOptions = try DataOptions.parse(["--data", data, "--val-fraction", String(valFraction), "--test-fraction", String(testFraction),
                                                     "--seed", String(seed)] + (skipBad ? ["--skip-bad"] : []))
            dataOptions.positive = positive
            var configuration = training.configuration(data: dataOptions)
            // Early stopping unless --patience says otherwise (0: never): a grid of cells is long.
            if training.patience == nil { configuration.patience = max(3, configuration.epochs / 4) }
            var plan = StudyPlan(model: model, data: data, task: task,
                                 positive: positive.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } },
                                 depths: chosen, trainableLayers: layers, fractions: fractionList, seeds: max(1, seeds), scratch: !noScratch,
                                 patchSize: patchSize, patchesPerFrame: patchesPerFrame, training: configuration)
            plan.candidatePatches = CandidateList.isCandidateList(data) || LabelledVolumes.isVolumeMaskList(data)
                ? PatchSampler(sideMillimetres: patchMm, pixels: patchPixels, layout: patchLayout) : nil
            let cells = plan.cells
            if listCells {
                var table = TextTable([("cell", .right), ("arm", .left), ("fraction", .right), ("seed", .right)])
                for c in cells { table.add([String(c.index), plan.label(c.arm), String(c.fraction), String(c.seed)]) }
                print(table.render())
                return
            }
            if let cell, !cells.indices.contains(cell) { throw ValidationError("--cell \(cell) is outside 0..<\(cells.count).") }
            let study = try GraftTraining.Study(plan: plan, model: sized, directory: output)
            let todo = cell.map { [cells[$0]] } ?? cells
            let pending = todo.filter { !study.isFinished($0) }
            FileHandle.standardError.write(Data("study: \(cells.count) cells, \(cells.count - cells.filter { !study.isFinished($0) }.count) finished before, \(pending.count) to run now; data \(study.datasetName) (\(study.classes.joined(separator: " / ")))\n".utf8))
            let started = Date()
            // A cell costs roughly its training fraction (plus a fixed part for evaluation) times the
            // share of layers it trains (scratch and all-layer tuning cost the most).
            let weight = { (c: StudyCell) -> Double in
                let share: Double = switch c.arm {
                case .scratch: 1
                case .depth(let layer): Double(layers.count - (layers.firstIndex(of: layer) ?? 0)) / Double(max(layers.count, 1))
                }
                return (0.2 + c.fraction) * (0.15 + share)
            }
            let totalWeight = pending.map(weight).reduce(0, +)
            var doneWeight = 0.0
            for (n, c) in pending.enumerated() {
                let elapsed = Date().timeIntervalSince(started)
                let eta = doneWeight > 0 ? elapsed / doneWeight * (totalWeight - doneWeight) : .nan
                FileHandle.standardError.write(Data("cell \(c.index) (\(n + 1)/\(pending.count)): \(plan.label(c.arm)), \(c.fraction) of the data, seed \(c.seed); grid ETA \(ProgressBar.duration(eta))\n".utf8))
                let result = try study.run(c, events: { event in
                    if case .epochFinished(let r) = event, isatty(STDERR_FILENO) == 1 {
                        FileHandle.standardError.write(Data(String(format: "\r\u{1B}[2K  epoch %d  loss %.4f  val AUC %.3f", r.epoch, r.trainLoss, r.validationAUC ?? .nan).utf8))
                    }
                })
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
                if result.diverged {
                    FileHandle.standardError.write(Data("  DIVERGED: \(result.failure ?? "no usable model"); left out of the means and tests\n".utf8))
                } else {
                    FileHandle.standardError.write(Data(String(format: "  test AUC %.4f (%.3f-%.3f), best epoch %d of %d, %.0fs%@\n", result.auc, result.aucLow, result.aucHigh, result.bestEpoch, result.epochsRun, result.seconds,
                                                               (result.retries ?? 0) > 0 ? " (after a retry: \(result.failure ?? ""))" : "").utf8))
                }
                doneWeight += weight(c)
                let (_, all) = try GraftTraining.Study.collect(directory: output)
                try StudyReport(plan: plan, results: all, splits: GraftTraining.Study.splitSummary(directory: output)).write(to: output, datasetName: study.datasetName)
            }
            let (_, all) = try GraftTraining.Study.collect(directory: output)
            let report = StudyReport(plan: plan, results: all, splits: GraftTraining.Study.splitSummary(directory: output))
            try report.write(to: output, datasetName: study.datasetName)
            print(Self.summary(report, directory: output))
        }

        static func summary(_ report: StudyReport, directory: String) -> String {
            let fractions = report.plan.fractions.sorted(by: >)
            var table = TextTable([("arm", .left)] + fractions.map { (percent($0), .right) })
            for arm in report.arms { table.add([arm] + fractions.map { report.cellText(arm: arm, fraction: $0) }) }
            return "Test AUC, mean ± sd over seeds (\(report.results.count) of \(report.plan.cells.count) cells)\n" + table.render() + "\n\n"
                + report.findings.joined(separator: "\n").replacingOccurrences(of: "**", with: "") + "\n\nreport: \(directory)/report.md, \(directory)/report.html"
        }
    }
}
