import Foundation
import GraftMetrics
import GraftFiles
import GraftCore
import GraftPlot

/// Aggregates a study's cells and writes `results.csv`, `results.json`, `report.md`,
/// `report.html` and the plots, with a computed answer to the paper's three questions.
public struct StudyReport {
    /// Mean and spread of one arm at one fraction.
    public struct Summary: Codable, Equatable, Sendable {
        /// The arm's label.
        public var arm: String
        /// The training-set fraction.
        public var fraction: Double
        /// Mean test AUC of the completed cells.
        public var mean: Double
        /// Sample standard deviation of their test AUCs (0 for one run).
        public var std: Double
        /// Completed cells averaged.
        public var runs: Int
        /// Patches task: mean FROC sensitivity at one false positive per frame.
        public var meanSensitivityAt1FP: Double?
        /// Mean validation AUC: what picks the best depth (choosing by test AUC would bias the test).
        public var meanValidation: Double
        /// Cells of this arm and fraction that diverged (left out of the mean).
        public var diverged: Int
    }

    /// The study's plan.
    public let plan: StudyPlan
    /// Every cell's result.
    public let results: [CellResult]
    /// One per arm and fraction with a completed cell.
    public let summaries: [Summary]
    /// The three answers, as sentences.
    public let findings: [String]
    /// Best fine-tuned arm vs scratch at each fraction (one Holm family).
    public let versusScratch: [StudyComparison]
    /// Each depth vs the next deeper one, per fraction (one Holm family per fraction).
    public let neighbours: [StudyComparison]
    /// The advantage against log(fraction), when three fractions or more were compared.
    public let trend: StudyTrend?
    /// Cells that diverged, shown apart.
    public var failedRuns: [CellResult] { results.filter(\.diverged).sorted { $0.cell.index < $1.cell.index } }

    /// The data's splits (images, groups, classes), when known.
    public var splits: SplitSummary?

    /// Aggregates `results` and runs the paired tests.
    public init(plan: StudyPlan, results: [CellResult], splits: SplitSummary? = nil) {
        self.plan = plan
        self.results = results
        self.splits = splits
        var summaries: [Summary] = []
        let arms = plan.depths.map { StudyCell.Arm.depth($0) } + (plan.scratch ? [.scratch] : [])
        for arm in arms {
            for fraction in plan.fractions {
                let all = results.filter { $0.cell.arm == arm && $0.cell.fraction == fraction }
                let runs = all.filter { !$0.diverged && !$0.auc.isNaN }
                guard !runs.isEmpty else { continue }
                let aucs = runs.map(\.auc)
                let mean = aucs.reduce(0, +) / Double(aucs.count)
                let std = aucs.count > 1 ? (aucs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(aucs.count - 1)).squareRoot() : 0
                let sens = runs.compactMap { $0.froc?.sensitivity(atFalsePositivesPerFrame: 1) }
                let validation = runs.map(\.validationAUC).filter { !$0.isNaN }
                summaries.append(Summary(arm: plan.label(arm), fraction: fraction, mean: mean, std: std, runs: runs.count,
                                         meanSensitivityAt1FP: sens.isEmpty ? nil : sens.reduce(0, +) / Double(sens.count),
                                         meanValidation: validation.isEmpty ? .nan : validation.reduce(0, +) / Double(validation.count),
                                         diverged: all.count - runs.count))
            }
        }
        self.summaries = summaries
        // Paired tests on the completed cells.
        func cells(_ arm: StudyCell.Arm, _ f: Double) -> [CellResult] {
            results.filter { $0.cell.arm == arm && $0.cell.fraction == f && !$0.diverged && !$0.auc.isNaN }.sorted { $0.cell.seed < $1.cell.seed }
        }
        var versus: [StudyComparison] = []
        var neighbours: [StudyComparison] = []
        for f in plan.fractions.sorted(by: >) {
            if plan.scratch, let best = Self.contenders(summaries, fraction: f).best,
               let arm = plan.depths.first(where: { plan.label(.depth($0)) == best.arm }),
               let c = StudyComparison.compare(cells(.depth(arm), f), cells(.scratch, f), armA: best.arm, armB: "scratch", fraction: f) {
                versus.append(c)
            }
            var family: [StudyComparison] = []
            for (shallow, deep) in zip(plan.depths, plan.depths.dropFirst()) {
                if let c = StudyComparison.compare(cells(.depth(deep), f), cells(.depth(shallow), f),
                                                   armA: plan.label(.depth(deep)), armB: plan.label(.depth(shallow)), fraction: f) {
                    family.append(c)
                }
            }
            StudyComparison.settle(&family)
            neighbours += family
        }
        StudyComparison.settle(&versus)
        self.versusScratch = versus
        self.neighbours = neighbours
        self.trend = versus.count >= 3 ? (try? StudyTrend.fit(versus).get()) : nil
        findings = Self.answer(plan: plan, summaries: summaries, versus: versus, trend: trend)
    }

    /// The best fine-tuned arm at a fraction (by mean validation AUC, so that the test set only
    /// measures it), and the scratch summary.
    static func contenders(_ summaries: [Summary], fraction: Double) -> (best: Summary?, scratch: Summary?) {
        let here = summaries.filter { $0.fraction == fraction }
        func key(_ s: Summary) -> Double { s.meanValidation.isNaN ? s.mean : s.meanValidation }
        return (here.filter { $0.arm != "scratch" }.max { key($0) < key($1) }, here.first { $0.arm == "scratch" })
    }

    static func answer(plan: StudyPlan, summaries: [Summary], versus: [StudyComparison], trend: StudyTrend?) -> [String] {
        var findings: [String] = []
        let fractions = plan.fractions.sorted(by: >)
        if versus.isEmpty {
            findings.append("1. Fine-tuned vs scratch: **not answered** (the study has no scratch arm, no finished cells to compare, "
                + "or no per-image test scores: paired tests need a binary task).")
        } else {
            let verdicts = versus.map(\.verdict)
            let answer = verdicts.contains(.fallsBehind) ? "**No**" : verdicts.allSatisfy({ $0 == .beats || $0 == .matches }) ? "**Yes**" : "**Not shown**"
            let parts = versus.map { c in
                String(format: "at %@ of the training data %@ %.3f vs scratch %.3f: %@, %@", percent(c.fraction), c.armA, c.aucA, c.aucB,
                       c.verdict.rawValue, c.text)
            }
            findings.append("1. Does the best fine-tuned model match or beat training from scratch at every fraction? \(answer): "
                + parts.joined(separator: "; ") + ". (\(versus[0].method.description), seeds averaged; Holm's correction over the "
                + String(format: "%d fractions; \"matches\" means the 95 %% interval lies within ±%.2f AUC; the best depth is chosen by validation AUC.)",
                         versus.count, StudyComparison.margin))
        }
        if let trend {
            let answer = trend.pValue < StudyComparison.alpha ? (trend.slope < 0 ? "**Yes**" : "**No**") : "**Not shown**"
            findings.append("2. Does the advantage grow as data shrinks? \(answer): "
                + String(format: "the fine-tuned minus scratch AUC changes by %+.3f per halving of the training data (95 %% CI %+.3f to %+.3f, p = %@; "
                         + "inverse-variance weighted slope over %d fractions).",
                         -trend.slope * log(2), -trend.high * log(2), -trend.low * log(2), StudyComparison.p(trend.pValue), trend.fractions))
        } else {
            findings.append("2. Does the advantage grow as data shrinks? **Not answered**: a trend needs paired comparisons at three "
                + "training fractions at least (this study has \(versus.count)); through two points a line always fits.")
        }
        let best = fractions.compactMap { f in contenders(summaries, fraction: f).best.map { String(format: "%@ → %@ (test %.3f, validation %.3f)", percent(f), $0.arm, $0.mean, $0.meanValidation) } }
        findings.append("3. Which depth is best at which fraction (by validation AUC)? " + (best.isEmpty ? "no finished cells." : best.joined(separator: "; ") + "."))
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
        let document = ResultsDocument(plan: plan, summaries: summaries, findings: findings, versusScratch: versusScratch,
                                       neighbours: neighbours, trend: trend, cells: results.map(CellRow.init))
        try save(String(decoding: try encoder.encode(document), as: UTF8.self) + "\n", "results.json")
        var plots = try aucPlot(datasetName).write(to: directory + "/plots/auc-vs-fraction")
        if let depth = depthPlot(datasetName) { plots += try depth.write(to: directory + "/plots/auc-vs-depth") }
        for f in plan.fractions.sorted(by: >) {
            if let roc = rocPlot(fraction: f) { plots += try roc.write(to: directory + "/plots/roc-\(percentName(f))") }
            if let froc = frocPlot(fraction: f) { plots += try froc.write(to: directory + "/plots/froc-\(percentName(f))") }
        }
        written += plots
        let relative = plots.filter { $0.hasSuffix(".svg") }.map { "plots/" + URL(fileURLWithPath: $0).lastPathComponent }
        try save(markdown(datasetName: datasetName, plots: relative), "report.md")
        // report.html stands alone: the SVG plots are inlined, so it can be mailed or archived as one file.
        let inline = plots.filter { $0.hasSuffix(".svg") }.map { path in
            (name: URL(fileURLWithPath: path).lastPathComponent, svg: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        }
        try save(html(datasetName: datasetName, plots: inline), "report.html")
        return written
    }

    // MARK: - Tables

    /// The arms' labels, in plan order.
    public var arms: [String] {
        var seen: [String] = []
        for s in summaries where !seen.contains(s.arm) { seen.append(s.arm) }
        return seen
    }

    /// A table cell: "mean ± std" (with the diverged count), "diverged (n)" or "—".
    public func cellText(arm: String, fraction: Double) -> String {
        guard let s = summaries.first(where: { $0.arm == arm && $0.fraction == fraction }) else {
            let failed = results.filter { plan.label($0.cell.arm) == arm && $0.cell.fraction == fraction && $0.diverged }.count
            return failed > 0 ? "diverged (\(failed))" : "—"
        }
        let text = s.runs > 1 ? String(format: "%.3f ± %.3f", s.mean, s.std) : String(format: "%.3f", s.mean)
        return s.diverged > 0 ? text + " (\(s.diverged) diverged)" : text
    }

    var csv: String {
        var lines = ["cell,arm,layer,fraction,seed,status,auc,auc_low,auc_high,accuracy,validation_auc,best_epoch,epochs_run,train_images,test_images,seconds,sensitivity_at_1fp,learning_rate,retries,failure"]
        for r in results.sorted(by: { $0.cell.index < $1.cell.index }) {
            let layer: String = if case .depth(let l) = r.cell.arm { l } else { "" }
            let sens = r.froc.map { String(format: "%.4f", $0.sensitivity(atFalsePositivesPerFrame: 1)) } ?? ""
            lines.append([String(r.cell.index), "\"\(plan.label(r.cell.arm))\"", layer, String(r.cell.fraction), String(r.cell.seed),
                          (r.status ?? .completed).rawValue, String(format: "%.4f", r.auc), String(format: "%.4f", r.aucLow), String(format: "%.4f", r.aucHigh),
                          String(format: "%.4f", r.accuracy), String(format: "%.4f", r.validationAUC), String(r.bestEpoch),
                          String(r.epochsRun), String(r.trainImages), String(r.testImages), String(format: "%.1f", r.seconds), sens,
                          r.learningRate.map { "\($0)" } ?? "", r.retries.map(String.init) ?? "",
                          "\"" + (r.failure ?? "").replacingOccurrences(of: "\"", with: "'") + "\""]
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

    /// How the comparisons were tested, for headings: "DeLong, same test images" or the group
    /// bootstrap when test images share groups.
    var comparisonMethodTitle: String {
        switch (versusScratch + neighbours).first?.method {
        case .groupBootstrap(let groups, _)?: "paired bootstrap over the \(groups) test groups"
        default: "DeLong, same test images"
        }
    }

    func comparisonTable() -> String {
        let all = versusScratch + neighbours
        guard !all.isEmpty else { return "No paired comparisons: they need a binary task and finished cells with per-image test scores." }
        var rows = ["| fraction | arm A | arm B | AUC A | AUC B | A − B (95 % CI) | p | Holm p | verdict |",
                    "|---:|---|---|---:|---:|---|---:|---:|---|"]
        for c in all {
            rows.append(String(format: "| %@ | %@ | %@ | %.3f | %.3f | %+.3f (%+.3f to %+.3f) | %@ | %@ | %@ |", percent(c.fraction), c.armA, c.armB,
                               c.aucA, c.aucB, c.difference, c.low, c.high, StudyComparison.p(c.pValue), StudyComparison.p(c.adjustedPValue), c.verdict.rawValue))
        }
        return rows.joined(separator: "\n") + "\n\nHolm's correction runs over the fine-tuned-vs-scratch rows together, and over each fraction's depth-vs-depth rows."
    }

    func failedRunsText() -> String {
        let failed = failedRuns
        guard !failed.isEmpty else { return "None: every cell trained (a cell is marked diverged when its loss becomes NaN or infinite, or its validation AUC never exceeds \(plan.effectiveChanceAUC); it is then retried once with the learning rate ×\(plan.effectiveRetryFactor))." }
        var rows = ["| cell | arm | fraction | seed | what happened |", "|---|---|---:|---:|---|"]
        for r in failed { rows.append("| \(r.cell.id) | \(plan.label(r.cell.arm)) | \(percent(r.cell.fraction)) | \(r.cell.seed) | \(r.failure ?? "diverged") |") }
        return rows.joined(separator: "\n") + "\n\nThese cells are left out of the means and the tests."
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

            ## Data

            \(splits.map { $0.markdown + "\n\nGroups never cross splits. Each cell trains on its fraction of the training split, drawn per seed; validation and test are the same for every cell." } ?? "Split sizes were not recorded.") \
            Seeds per cell: \(plan.seeds).

            ## Test AUC (mean ± standard deviation over seeds)

            \(markdownTable())

            ## The paper's three questions, answered for this data

            \(findings.joined(separator: "\n\n"))

            ## Paired comparisons (\(comparisonMethodTitle), seeds averaged)

            \(comparisonTable())

            ## Failed runs

            \(failedRunsText())

            ## Plots

            """
        for plot in plots { out += "![\(plot)](\(plot))\n\n" }
        out += "Per-cell figures: `results.csv`, `results.json`.\n"
        return out
    }

    func html(datasetName: String, plots: [(name: String, svg: String)]) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let fractions = plan.fractions.sorted(by: >)
        var table = "<table><tr><th>arm</th>" + fractions.map { "<th>\(percent($0))</th>" }.joined() + "</tr>\n"
        for arm in arms { table += "<tr><td>\(esc(arm))</td>" + fractions.map { "<td>\(cellText(arm: arm, fraction: $0))</td>" }.joined() + "</tr>\n" }
        table += "</table>"
        let findingsHTML = findings.map { "<p>" + Self.boldToHTML(esc($0)) + "</p>" }.joined(separator: "\n")
        var splitsHTML = "<p>Split sizes were not recorded.</p>"
        if let splits {
            splitsHTML = "<table><tr><th>split</th><th>images</th><th>groups</th>" + splits.classes.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
                + splits.rows.map { r in "<tr><td>\(esc(r.split))</td><td>\(r.images)</td><td>\(r.groups)</td>" + r.perClass.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
                + "</table>"
        }
        var comparisonsHTML = "<table><tr><th>fraction</th><th>arm A</th><th>arm B</th><th>AUC A</th><th>AUC B</th><th>A − B (95 % CI)</th><th>p</th><th>Holm p</th><th>verdict</th></tr>\n"
        for c in versusScratch + neighbours {
            comparisonsHTML += String(format: "<tr><td>%@</td><td>%@</td><td>%@</td><td>%.3f</td><td>%.3f</td><td>%+.3f (%+.3f to %+.3f)</td><td>%@</td><td>%@</td><td>%@</td></tr>\n",
                                      percent(c.fraction), esc(c.armA), esc(c.armB), c.aucA, c.aucB, c.difference, c.low, c.high,
                                      StudyComparison.p(c.pValue), StudyComparison.p(c.adjustedPValue), c.verdict.rawValue)
        }
        comparisonsHTML += "</table>"
        var failedHTML = "<p>None.</p>"
        if !failedRuns.isEmpty {
            failedHTML = "<table><tr><th>cell</th><th>arm</th><th>fraction</th><th>seed</th><th>what happened</th></tr>\n"
                + failedRuns.map { "<tr><td>\(esc($0.cell.id))</td><td>\(esc(plan.label($0.cell.arm)))</td><td>\(percent($0.cell.fraction))</td><td>\($0.cell.seed)</td><td>\(esc($0.failure ?? "diverged"))</td></tr>" }.joined(separator: "\n")
                + "</table>"
        }
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Graft study: \(esc(datasetName))</title>
            <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}figure svg{max-width:100%;height:auto}</style>
            </head><body>
            <h1>Fine-tuning or full training? \(esc(datasetName))</h1>
            <p>Model <code>\(esc(URL(fileURLWithPath: plan.model).lastPathComponent))</code>, data <code>\(esc(plan.data))</code>, \(results.count) of \(plan.cells.count) cells finished.</p>
            <h2>Data</h2>
            \(splitsHTML)
            <p>Seeds per cell: \(plan.seeds).</p>
            <h2>Test AUC (mean ± standard deviation over seeds)</h2>
            \(table)
            <h2>The paper's three questions</h2>
            \(findingsHTML)
            <h2>Paired comparisons (\(esc(comparisonMethodTitle)), seeds averaged)</h2>
            \(comparisonsHTML)
            <h2>Failed runs</h2>
            \(failedHTML)
            <h2>Plots</h2>
            \(plots.map { "<figure id=\"\(esc($0.name))\">\(Self.inlineSVG($0.svg))<figcaption>\(esc($0.name))</figcaption></figure>" }.joined(separator: "\n"))
            </body></html>

            """
    }

    /// Markdown's `**bold**` (the answers' Yes / No / Not shown) as `<b>bold</b>`.
    static func boldToHTML(_ text: String) -> String {
        let parts = text.components(separatedBy: "**")
        guard parts.count >= 3, parts.count % 2 == 1 else { return text }
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<b>\($0.element)</b>" : $0.element }.joined()
    }

    /// An SVG document as an element inside HTML: without its XML declaration.
    static func inlineSVG(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        return String(svg[start.lowerBound...])
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

    /// The paper's figure: test AUC against how many layers were fine-tuned (from the last layer
    /// only to all of them), one line per training fraction, scratch as a dashed level line in
    /// the same order.
    func depthPlot(_ datasetName: String) -> LinePlot? {
        let depthArms = plan.depths.compactMap { layer -> (tuned: Int, label: String)? in
            guard let i = plan.trainableLayers.firstIndex(of: layer) else { return nil }
            return (plan.trainableLayers.count - i, plan.label(.depth(layer)))
        }
        guard depthArms.count >= 2 else { return nil }
        let xs = depthArms.map { Double($0.tuned) }
        var plot = LinePlot(title: "Test AUC vs depth of fine-tuning: \(datasetName)", xLabel: "layers fine-tuned (from the last one)",
                            yLabel: "test AUC (mean ± sd over seeds)")
        for f in plan.fractions.sorted(by: >) {
            let points = depthArms.compactMap { arm in
                summaries.first { $0.arm == arm.label && $0.fraction == f }.map { (Double(arm.tuned), $0) }
            }.sorted { $0.0 < $1.0 }
            guard !points.isEmpty else { continue }
            plot.series.append(.init(name: percent(f) + " of the data", points: points.map { ($0.0, $0.1.mean) },
                                     errorBars: points.map { ($0.1.mean - $0.1.std, $0.1.mean + $0.1.std) }, markers: true))
            if let scratch = summaries.first(where: { $0.arm == "scratch" && $0.fraction == f }), let lo = xs.min(), let hi = xs.max() {
                plot.series.append(.init(name: "scratch, " + percent(f), points: [(lo, scratch.mean), (hi, scratch.mean)], dashed: true))
            }
        }
        guard !plot.series.isEmpty else { return nil }
        plot.xTicks = xs.sorted()
        if let lo = xs.min(), let hi = xs.max() { plot.xRange = (lo - 0.3)...(hi + 0.3) }
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

/// `results.json`.
struct ResultsDocument: Encodable {
    var plan: StudyPlan
    var summaries: [StudyReport.Summary]
    var findings: [String]
    var versusScratch: [StudyComparison]
    var neighbours: [StudyComparison]
    var trend: StudyTrend?
    var cells: [CellRow]
}

/// One cell in `results.json` (without its curves).
struct CellRow: Encodable {
    var index: Int
    var arm: String
    var fraction: Double
    var seed: Int
    var status: String
    var failure: String?
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
        status = (r.status ?? .completed).rawValue
        failure = r.failure
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
