import Foundation
import GraftCore
import GraftPlot

/// Aggregates a study's cells and writes `results.csv`, `results.json`, `report.md`,
/// `report.html` and the plots, with a computed answer to the paper's three questions.
public struct StudyReport {
    /// Mean and spread of one arm at one fraction.
    public struct Summary: Codable, Equatable, Sendable {
        public var arm: String
        public var fraction: Double
        public var mean: Double
        public var std: Double
        public var runs: Int
        public var meanSensitivityAt1FP: Double?
    }

    public let plan: StudyPlan
    public let results: [CellResult]
    public let summaries: [Summary]
    /// The three answers, as sentences.
    public let findings: [String]

    public init(plan: StudyPlan, results: [CellResult]) {
        self.plan = plan
        self.results = results
        var summaries: [Summary] = []
        let arms = plan.depths.map { StudyCell.Arm.depth($0) } + (plan.scratch ? [.scratch] : [])
        for arm in arms {
            for fraction in plan.fractions {
                let runs = results.filter { $0.cell.arm == arm && $0.cell.fraction == fraction && !$0.auc.isNaN }
                guard !runs.isEmpty else { continue }
                let aucs = runs.map(\.auc)
                let mean = aucs.reduce(0, +) / Double(aucs.count)
                let std = aucs.count > 1 ? (aucs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(aucs.count - 1)).squareRoot() : 0
                let sens = runs.compactMap { $0.froc?.sensitivity(atFalsePositivesPerFrame: 1) }
                summaries.append(Summary(arm: plan.label(arm), fraction: fraction, mean: mean, std: std, runs: runs.count,
                                         meanSensitivityAt1FP: sens.isEmpty ? nil : sens.reduce(0, +) / Double(sens.count)))
            }
        }
        self.summaries = summaries
        findings = Self.answer(plan: plan, summaries: summaries)
    }

    /// The best fine-tuned arm at a fraction, and the scratch summary.
    static func contenders(_ summaries: [Summary], fraction: Double) -> (best: Summary?, scratch: Summary?) {
        let here = summaries.filter { $0.fraction == fraction }
        return (here.filter { $0.arm != "scratch" }.max { $0.mean < $1.mean }, here.first { $0.arm == "scratch" })
    }

    static func answer(plan: StudyPlan, summaries: [Summary]) -> [String] {
        var findings: [String] = []
        let fractions = plan.fractions.sorted(by: >)
        var advantages: [(fraction: Double, value: Double)] = []
        var verdicts: [String] = []
        var allMatchOrBeat = true
        for f in fractions {
            let (best, scratch) = contenders(summaries, fraction: f)
            guard let best, let scratch else { continue }
            let diff = best.mean - scratch.mean
            let tolerance = max(0.01, ((best.std * best.std + scratch.std * scratch.std) / 2).squareRoot())
            let verdict = diff > tolerance ? "beats" : (diff >= -tolerance ? "matches" : "falls behind")
            if verdict == "falls behind" { allMatchOrBeat = false }
            advantages.append((f, diff))
            verdicts.append(String(format: "at %@ of the training data, %@ %.3f vs scratch %.3f (%@, %+.3f)",
                                   percent(f), best.arm, best.mean, scratch.mean, verdict, diff))
        }
        if verdicts.isEmpty {
            findings.append("1. Fine-tuned vs scratch: not answered (the study has no scratch arm or no finished cells to compare).")
        } else {
            findings.append("1. Does the best fine-tuned model match or beat training from scratch at every fraction? "
                + (allMatchOrBeat ? "**Yes**: " : "**No**: ") + verdicts.joined(separator: "; ") + ". "
                + "(\"Matches\" means within the larger of 0.01 and the runs' pooled standard deviation.)")
        }
        if advantages.count >= 2 {
            let largest = advantages.first!, smallest = advantages.last!
            let rho = spearman(advantages.map(\.fraction), advantages.map(\.value))
            let grows = smallest.value > largest.value && rho < 0
            findings.append("2. Does the advantage grow as data shrinks? " + (grows ? "**Yes**: " : "**No**: ")
                + String(format: "the best fine-tuned model's AUC minus scratch's is %+.3f with all data and %+.3f with %@ (Spearman ρ between data fraction and advantage %.2f).",
                         largest.value, smallest.value, percent(smallest.fraction), rho))
        } else {
            findings.append("2. Advantage vs data size: not answered (needs scratch and at least two fractions).")
        }
        let best = fractions.compactMap { f in contenders(summaries, fraction: f).best.map { String(format: "%@ → %@ (%.3f)", percent(f), $0.arm, $0.mean) } }
        findings.append("3. Which depth is best at which fraction? " + (best.isEmpty ? "no finished cells." : best.joined(separator: "; ") + "."))
        return findings
    }

    /// Writes every report file into `directory`; returns their paths.
    @discardableResult
    public func write(to directory: String, datasetName: String) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/plots", withIntermediateDirectories: true)
        var written: [String] = []
        func save(_ text: String, _ name: String) throws {
            try AtomicFile.write(Data(text.utf8), to: directory + "/" + name)
            written.append(directory + "/" + name)
        }
        try save(csv, "results.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let document = ResultsDocument(plan: plan, summaries: summaries, findings: findings, cells: results.map(CellRow.init))
        try save(String(decoding: try encoder.encode(document), as: UTF8.self) + "\n", "results.json")
        var plots = try aucPlot(datasetName).write(to: directory + "/plots/auc-vs-fraction")
        for f in plan.fractions.sorted(by: >) {
            if let roc = rocPlot(fraction: f) { plots += try roc.write(to: directory + "/plots/roc-\(percentName(f))") }
            if let froc = frocPlot(fraction: f) { plots += try froc.write(to: directory + "/plots/froc-\(percentName(f))") }
        }
        written += plots
        let relative = plots.filter { $0.hasSuffix(".svg") }.map { "plots/" + URL(fileURLWithPath: $0).lastPathComponent }
        try save(markdown(datasetName: datasetName, plots: relative), "report.md")
        try save(html(datasetName: datasetName, plots: relative), "report.html")
        return written
    }

    // MARK: - Tables

    public var arms: [String] {
        var seen: [String] = []
        for s in summaries where !seen.contains(s.arm) { seen.append(s.arm) }
        return seen
    }

    public func cellText(arm: String, fraction: Double) -> String {
        guard let s = summaries.first(where: { $0.arm == arm && $0.fraction == fraction }) else { return "—" }
        return s.runs > 1 ? String(format: "%.3f ± %.3f", s.mean, s.std) : String(format: "%.3f", s.mean)
    }

    var csv: String {
        var lines = ["cell,arm,layer,fraction,seed,auc,auc_low,auc_high,accuracy,validation_auc,best_epoch,epochs_run,train_images,test_images,seconds,sensitivity_at_1fp"]
        for r in results.sorted(by: { $0.cell.index < $1.cell.index }) {
            let layer: String = if case .depth(let l) = r.cell.arm { l } else { "" }
            let sens = r.froc.map { String(format: "%.4f", $0.sensitivity(atFalsePositivesPerFrame: 1)) } ?? ""
            lines.append([String(r.cell.index), "\"\(plan.label(r.cell.arm))\"", layer, String(r.cell.fraction), String(r.cell.seed),
                          String(format: "%.4f", r.auc), String(format: "%.4f", r.aucLow), String(format: "%.4f", r.aucHigh),
                          String(format: "%.4f", r.accuracy), String(format: "%.4f", r.validationAUC), String(r.bestEpoch),
                          String(r.epochsRun), String(r.trainImages), String(r.testImages), String(format: "%.1f", r.seconds), sens]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func markdownTable() -> String {
        let fractions = plan.fractions.sorted(by: >)
        var rows = ["| arm | " + fractions.map { percent($0) + " of the training data" }.joined(separator: " | ") + " |",
                    "|---|" + fractions.map { _ in "---:|" }.joined()]
        for arm in arms { rows.append("| \(arm) | " + fractions.map { cellText(arm: arm, fraction: $0) }.joined(separator: " | ") + " |") }
        return rows.joined(separator: "\n")
    }

    func markdown(datasetName: String, plots: [String]) -> String {
        let done = results.count, total = plan.cells.count
        var out = """
            # Fine-tuning or full training? \(datasetName)

            Model `\(URL(fileURLWithPath: plan.model).lastPathComponent)`, data `\(plan.data)` (\(plan.task.rawValue)), \
            \(plan.seeds) seed(s) per cell, \(done) of \(total) cells finished. Each cell is one `graft tune` run \
            (\(plan.training.epochs) epochs at most, patience \(plan.training.patience), batch \(plan.training.batchSize), \
            learning rate \(plan.training.learningRate), new head ×\(plan.training.headLearningRateBoost)), kept at its best \
            validation AUC and tested once on the same held-out split.

            ## Test AUC (mean ± standard deviation over seeds)

            \(markdownTable())

            ## The paper's three questions, answered for this data

            \(findings.joined(separator: "\n\n"))

            ## Plots

            """
        for plot in plots { out += "![\(plot)](\(plot))\n\n" }
        out += "Per-cell figures: `results.csv`, `results.json`.\n"
        return out
    }

    func html(datasetName: String, plots: [String]) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let fractions = plan.fractions.sorted(by: >)
        var table = "<table><tr><th>arm</th>" + fractions.map { "<th>\(percent($0))</th>" }.joined() + "</tr>\n"
        for arm in arms { table += "<tr><td>\(esc(arm))</td>" + fractions.map { "<td>\(cellText(arm: arm, fraction: $0))</td>" }.joined() + "</tr>\n" }
        table += "</table>"
        let findingsHTML = findings.map { "<p>" + esc($0).replacingOccurrences(of: "**Yes**", with: "<b>Yes</b>")
            .replacingOccurrences(of: "**No**", with: "<b>No</b>") + "</p>" }.joined(separator: "\n")
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Graft study: \(esc(datasetName))</title>
            <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}img{max-width:100%}</style>
            </head><body>
            <h1>Fine-tuning or full training? \(esc(datasetName))</h1>
            <p>Model <code>\(esc(URL(fileURLWithPath: plan.model).lastPathComponent))</code>, data <code>\(esc(plan.data))</code>, \(results.count) of \(plan.cells.count) cells finished.</p>
            <h2>Test AUC (mean ± standard deviation over seeds)</h2>
            \(table)
            <h2>The paper's three questions</h2>
            \(findingsHTML)
            <h2>Plots</h2>
            \(plots.map { "<p><img src=\"\($0)\"></p>" }.joined(separator: "\n"))
            </body></html>

            """
    }

    // MARK: - Plots

    func aucPlot(_ datasetName: String) -> LinePlot {
        var plot = LinePlot(title: "Test AUC vs training data: \(datasetName)", xLabel: "fraction of the training split (log scale)",
                            yLabel: "test AUC (mean ± sd over seeds)", logX: true)
        for arm in arms {
            let points = summaries.filter { $0.arm == arm }.sorted { $0.fraction < $1.fraction }
            plot.series.append(.init(name: arm, points: points.map { ($0.fraction, $0.mean) },
                                     errorBars: points.map { ($0.mean - $0.std, $0.mean + $0.std) },
                                     dashed: arm == "scratch", markers: true))
        }
        let fractions = plan.fractions
        if let lo = fractions.min(), let hi = fractions.max(), lo < hi { plot.xRange = (lo * 0.85)...(hi * 1.15) }
        plot.xTicks = fractions.sorted()
        return plot
    }

    /// Seed-0 curves of the best fine-tuned arm and scratch at one fraction.
    private func representative(_ fraction: Double) -> [(String, CellResult)] {
        let (best, scratch) = Self.contenders(summaries, fraction: fraction)
        var out: [(String, CellResult)] = []
        for s in [best, scratch].compactMap({ $0 }) {
            if let r = results.filter({ plan.label($0.cell.arm) == s.arm && $0.cell.fraction == fraction }).min(by: { $0.cell.seed < $1.cell.seed }) {
                out.append((s.arm, r))
            }
        }
        return out
    }

    func rocPlot(fraction: Double) -> LinePlot? {
        let curves = representative(fraction)
        guard !curves.isEmpty else { return nil }
        var plot = LinePlot(title: "ROC at \(percent(fraction)) of the training data", xLabel: "false positive rate",
                            yLabel: "true positive rate", xRange: 0...1, yRange: 0...1, diagonal: true)
        for (arm, r) in curves {
            plot.series.append(.init(name: String(format: "%@ (AUC %.3f)", arm, r.auc), points: r.roc.points.map { ($0.falsePositiveRate, $0.truePositiveRate) },
                                     dashed: arm == "scratch"))
        }
        return plot
    }

    func frocPlot(fraction: Double) -> LinePlot? {
        let curves = representative(fraction).filter { $0.1.froc != nil }
        guard !curves.isEmpty else { return nil }
        var plot = LinePlot(title: "FROC at \(percent(fraction)) of the training data", xLabel: "false positives per frame",
                            yLabel: "sensitivity (frames with the polyp found)", yRange: 0...1)
        for (arm, r) in curves {
            let points = r.froc!.points.filter { $0.falsePositivesPerFrame <= 10 }.map { ($0.falsePositivesPerFrame, $0.sensitivity) }
            plot.series.append(.init(name: arm, points: points, dashed: arm == "scratch"))
        }
        return plot
    }
}

/// "25 %", "12.5 %": a training fraction as people read it.
public func percent(_ f: Double) -> String {
    let p = f * 100
    return p == p.rounded() ? "\(Int(p)) %" : String(format: "%.1f %%", p)
}

func percentName(_ f: Double) -> String {
    let p = f * 100
    return p == p.rounded() ? "\(Int(p))pct" : String(format: "%.1fpct", p)
}

/// Spearman rank correlation (ties get average ranks).
func spearman(_ x: [Double], _ y: [Double]) -> Double {
    func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        return r
    }
    let (rx, ry) = (ranks(x), ranks(y))
    let n = Double(x.count)
    let mx = rx.reduce(0, +) / n, my = ry.reduce(0, +) / n
    let cov = zip(rx, ry).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
    let vx = rx.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), vy = ry.map { ($0 - my) * ($0 - my) }.reduce(0, +)
    return vx > 0 && vy > 0 ? cov / (vx * vy).squareRoot() : 0
}

/// `results.json`.
struct ResultsDocument: Encodable {
    var plan: StudyPlan
    var summaries: [StudyReport.Summary]
    var findings: [String]
    var cells: [CellRow]
}

/// One cell in `results.json` (without its curves).
struct CellRow: Encodable {
    var index: Int
    var arm: String
    var fraction: Double
    var seed: Int
    var auc: Double
    var aucLow: Double
    var aucHigh: Double
    var accuracy: Double
    var validationAUC: Double
    var bestEpoch: Int
    var epochsRun: Int
    var trainImages: Int
    var seconds: Double
    var sensitivityAt1FP: Double?

    init(_ r: CellResult) {
        index = r.cell.index
        arm = r.cell.arm.name
        fraction = r.cell.fraction
        seed = r.cell.seed
        auc = r.auc
        aucLow = r.aucLow
        aucHigh = r.aucHigh
        accuracy = r.accuracy
        validationAUC = r.validationAUC
        bestEpoch = r.bestEpoch
        epochsRun = r.epochsRun
        trainImages = r.trainImages
        seconds = r.seconds
        sensitivityAt1FP = r.froc?.sensitivity(atFalsePositivesPerFrame: 1)
    }
}
