import Foundation
import GraftMetrics
import Testing
import GraftCore
import GraftImage
import GraftTestSupport
@testable import GraftTraining

/// Headless Chromium (Debian `chromium`, installed by Scripts/install-deps.sh), or nil.
private let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs headless Chromium; returns what it printed (the DOM with `--dump-dom`).
private func runChromium(_ arguments: [String]) throws -> String {
    let browser = try #require(chromium, "chromium not installed (apt-get install chromium)")
    let (status, output) = try ChildProcess.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                          "--allow-file-access-from-files"] + arguments)
    #expect(status == 0, "chromium \(arguments.first ?? "") exited with \(status)")
    return output
}

/// `report.html` stands alone and renders: a real browser, given only that file (moved away from
/// its plots folder), shows every table and every plot.
@Suite("Study report in a browser")
struct ReportInBrowserTests {
    @Test func reportRendersWithEveryTableAndPlot() throws {
        try CrossCheck.require(chromium != nil, "chromium not installed (Scripts/install-deps.sh installs it)")
        let p = StudyPlan(model: "tiny.graft", data: "x", task: .classify, positive: nil, depths: ["fc", "conv1"],
                          trainableLayers: ["conv1", "conv2", "fc"], fractions: [1, 0.5, 0.25], seeds: 2, scratch: true,
                          patchSize: 32, patchesPerFrame: 2, training: TuneConfiguration())
        var g = SeededGaussian(seed: 3)
        var results: [CellResult] = []
        for f in p.fractions {
            for seed in 0..<2 {
                for (arm, sep) in [(StudyCell.Arm.depth("fc"), 1.2), (.depth("conv1"), 1.4), (.scratch, 0.8)] {
                    let labels = (0..<120).map { $0 % 3 == 0 }
                    let scores = labels.map { ($0 ? sep : 0) + g.gaussian() }
                    var r = CellResult(cell: StudyCell(index: results.count, arm: arm, fraction: f, seed: seed), auc: 0.8, aucLow: 0.7, aucHigh: 0.9,
                                       accuracy: 0.7, validationAUC: 0.8 + sep / 10, bestEpoch: 1, epochsRun: 2, trainImages: 50, testImages: 120,
                                       seconds: 1, roc: ROCCurve(scores: scores.map(Float.init), positives: labels), froc: nil)
                    r.status = .completed
                    r.testScores = scores
                    r.testLabels = labels
                    results.append(r)
                }
            }
        }
        // One seed of scratch at 25 % diverged.
        let last = try #require(results.lastIndex { $0.cell.arm == .scratch && $0.cell.fraction == 0.25 })
        results[last].status = .diverged
        results[last].failure = "the loss became nan at epoch 1, batch 3"
        let dir = TemporaryDirectory()
        let report = StudyReport(plan: p, results: results)
        try report.write(to: dir.path("study"), datasetName: "simulated")
        // Only the HTML file, in a folder of its own: nothing to link to.
        try FileManager.default.createDirectory(atPath: dir.path("alone"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.path("study/report.html"), toPath: dir.path("alone/report.html"))
        let url = URL(fileURLWithPath: dir.path("alone/report.html")).absoluteString
        let dom = try runChromium(["--dump-dom", url])
        let plots = try FileManager.default.contentsOfDirectory(atPath: dir.path("study/plots")).filter { $0.hasSuffix(".svg") }
        #expect(plots.count >= 5)  // AUC vs fraction, AUC vs depth, three ROC plots
        #expect(dom.components(separatedBy: "<svg").count - 1 == plots.count, "inline plots in the rendered page")
        #expect(dom.components(separatedBy: "<table").count - 1 >= 3, "AUC, comparison and failed-run tables")
        #expect(dom.contains("Paired comparisons") && dom.contains("Holm") && dom.contains("the loss became nan at epoch 1, batch 3"))
        #expect(!dom.contains("<img"), "no external images")
        // A screenshot: the page is drawn (not blank) at a size that holds it.
        let png = dir.path("report.png")
        _ = try runChromium(["--screenshot=\(png)", "--window-size=1100,4000", url])
        let image = try ImageCodec.read(path: png)
        #expect(image.width == 1100)
        let dark = stride(from: 0, to: image.pixels.count, by: image.channels).filter { image.pixels[$0] < 128 }.count
        #expect(dark > image.width * 20, "only \(dark) dark pixels: the page looks blank")
    }
}
