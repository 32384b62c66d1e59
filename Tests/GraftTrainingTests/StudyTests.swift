import Foundation
import GraftMetrics
import Testing
import GraftStatistics
import GraftCore
import GraftZoo
import GraftData
import GraftImage
import GraftTestSupport
@testable import GraftTraining

/// The synthetic sample data committed in samples/data (made by Scripts/make-sample-data.py).
private let samples = SharedData.repositoryRoot.appendingPathComponent("samples")

private func tinyModel() -> Model {
    let graph = Architectures.tinyCNN()
    return Model(graph: graph, weights: graph.randomWeights(seed: 0),
                 preprocessing: Preprocessing(input: "data", inputShape: [1, 3, 16, 16], channelOrder: .rgb, valueRange: [0, 1], steps: []),
                 provenance: Provenance(sourceFormat: "graft"))
}

private func plan(task: StudyPlan.Task, data: String) -> StudyPlan {
    var training = TuneConfiguration()
    training.epochs = 3
    training.batchSize = 8
    training.learningRate = 0.01
    training.patience = 2
    return StudyPlan(model: "tiny.graft", data: data, task: task, positive: nil, depths: ["fc", "conv1"],
                     trainableLayers: ["conv1", "conv2", "fc"], fractions: [1, 0.5], seeds: 1, scratch: true,
                     patchSize: 32, patchesPerFrame: 2, training: training)
}

struct StudyTests {
    @Test func cellsCoverTheGridInOrder() {
        let p = plan(task: .classify, data: "x")
        #expect(p.cells.count == 6)
        #expect(p.cells.map(\.id) == ["fc-f1.0-s0", "fc-f0.5-s0", "conv1-f1.0-s0", "conv1-f0.5-s0", "scratch-f1.0-s0", "scratch-f0.5-s0"])
        #expect(p.label(.depth("fc")) == "fc (last 1 of 3)")
        #expect(p.label(.depth("conv1")) == "conv1 (all 3 layers)")
    }

    @Test func interruptedStudyKeepsFinishedCellsAndReports() throws {
        let dir = TemporaryDirectory()
        let p = plan(task: .classify, data: samples.appendingPathComponent("data/lesions").path)
        // First run: two cells, then "interrupted".
        let first = try Study(plan: p, model: tinyModel(), directory: dir.path("results"))
        for cell in p.cells.prefix(2) { try first.run(cell) }
        let kept = try String(contentsOfFile: first.resultPath(p.cells[0]), encoding: .utf8)
        // Rerun: the finished cells are read back, not trained again.
        let second = try Study(plan: p, model: tinyModel(), directory: dir.path("results"))
        #expect(second.isFinished(p.cells[0]) && second.isFinished(p.cells[1]) && !second.isFinished(p.cells[2]))
        var trained = 0
        for cell in p.cells { try second.run(cell, events: { if case .started = $0 { trained += 1 } }) }
        #expect(trained == 4)
        #expect(try String(contentsOfFile: first.resultPath(p.cells[0]), encoding: .utf8) == kept)
        // Another plan in the same folder is refused.
        var other = p
        other.seeds = 2
        #expect(throws: TrainingError.self) { try Study(plan: other, model: tinyModel(), directory: dir.path("results")) }
        // The report.
        let (collectedPlan, results) = try Study.collect(directory: dir.path("results"))
        #expect(collectedPlan == p && results.count == 6)
        let splits = try #require(Study.splitSummary(directory: dir.path("results")))
        #expect(splits.rows.map(\.split) == ["train (100 %)", "validation", "test"])
        #expect(splits.rows.map(\.images).reduce(0, +) == results[0].testImages + splits.rows[0].images + splits.rows[1].images)
        #expect(splits.rows[2].images == results[0].testImages && splits.rows[2].perClass.reduce(0, +) == splits.rows[2].images)
        let report = StudyReport(plan: p, results: results, splits: splits)
        try report.write(to: dir.path("results"), datasetName: "lesions")
        #expect(try String(contentsOfFile: dir.path("results/report.md"), encoding: .utf8).contains("| test | \(results[0].testImages) |"))
        for file in ["results.csv", "results.json", "report.md", "report.html", "plots/auc-vs-fraction.svg", "plots/auc-vs-depth.svg", "plots/roc-100pct.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.path("results/" + file)), "\(file)")
        }
        let csv = try String(contentsOfFile: dir.path("results/results.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 7)
        #expect(results.allSatisfy { $0.testScores?.count == $0.testImages && $0.testLabels?.count == $0.testImages })
        #expect(report.findings.count == 3)
        #expect(report.findings[0].hasPrefix("1. Does the best fine-tuned model match or beat"))
    }

    @Test func polypPatchesAndFROC() throws {
        let dir = TemporaryDirectory()
        let frames = try PolypFrames(root: samples.appendingPathComponent("data/polyps").path)
        let patches = try frames.patchDataset(patchSize: 32, perFrame: 2, seed: 1)
        #expect(patches.classCounts == [72, 72])
        #expect(Set(patches.samples.compactMap(\.group)).count == 6)
        var p = plan(task: .patches, data: frames.root)
        p.depths = ["conv1"]
        p.fractions = [1]
        p.scratch = false
        let study = try Study(plan: p, model: tinyModel(), directory: dir.path("polyps"))
        let result = try study.run(p.cells[0])
        let froc = try #require(result.froc)
        #expect(froc.frames > 0)
        #expect(froc.points.allSatisfy { (0...1).contains($0.sensitivity) && $0.falsePositivesPerFrame >= 0 })
        #expect(froc.points.last?.sensitivity ?? 0 > 0)
    }

    @Test func frocByHand() {
        // Frame 1: hit 0.9, miss 0.8; frame 2: miss 0.7, hit 0.4.
        let froc = FROCCurve(frames: [[.init(score: 0.9, hit: true), .init(score: 0.8, hit: false)],
                                      [.init(score: 0.7, hit: false), .init(score: 0.4, hit: true)]])
        #expect(froc.points.map(\.sensitivity) == [0.5, 0.5, 0.5, 1])
        #expect(froc.points.map(\.falsePositivesPerFrame) == [0, 0.5, 1, 1])
        #expect(froc.sensitivity(atFalsePositivesPerFrame: 0.5) == 0.5)
        #expect(froc.sensitivity(atFalsePositivesPerFrame: 1) == 1)
    }

    /// Cells with per-image test scores: positives score `separation` higher on average, plus
    /// per-seed noise, on one shared test set of 200 images.
    private static func scoredResult(_ arm: StudyCell.Arm, _ f: Double, seed: Int, separation: Double, validation: Double,
                                     generator: inout SeededGaussian) -> CellResult {
        let labels = (0..<200).map { $0 % 2 == 0 }
        let scores = labels.map { ($0 ? separation : 0) + generator.gaussian() }
        let auc = pairAUC(scores, labels)
        var r = CellResult(cell: StudyCell(index: 0, arm: arm, fraction: f, seed: seed), auc: auc, aucLow: auc, aucHigh: auc, accuracy: 0.5,
                           validationAUC: validation, bestEpoch: 1, epochsRun: 1, trainImages: 1, testImages: 200, seconds: 0,
                           roc: ROCCurve(scores: [1, 0], positives: [true, false]), froc: nil)
        r.status = .completed
        r.testScores = scores
        r.testLabels = labels
        r.testGroups = labels.indices.map { "img\($0)" }
        return r
    }

    private static func pairAUC(_ s: [Double], _ l: [Bool]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in s.indices where l[i] { for j in s.indices where !l[j] { pairs += 1; wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0 } }
        return wins / pairs
    }

    @Test func answersFollowThePairedTests() {
        var p = plan(task: .classify, data: "x")
        p.fractions = [1, 0.5, 0.25]
        p.seeds = 2
        var g = SeededGaussian(seed: 42)
        var results: [CellResult] = []
        // Fine-tuned (conv1) clearly ahead, more so with less data; fc close to conv1; scratch weakest.
        for (f, tuned, scratch) in [(1.0, 1.6, 1.2), (0.5, 1.6, 0.9), (0.25, 1.5, 0.5)] {
            for seed in 0..<2 {
                results.append(Self.scoredResult(.depth("conv1"), f, seed: seed, separation: tuned, validation: 0.9, generator: &g))
                results.append(Self.scoredResult(.depth("fc"), f, seed: seed, separation: tuned - 0.3, validation: 0.8, generator: &g))
                results.append(Self.scoredResult(.scratch, f, seed: seed, separation: scratch, validation: 0.7, generator: &g))
            }
        }
        // A diverged cell: listed apart, not averaged in.
        var failed = Self.scoredResult(.scratch, 0.25, seed: 2, separation: 0, validation: 0.5, generator: &g)
        failed.status = .diverged
        failed.failure = "the loss became nan at epoch 1, batch 1"
        results.append(failed)
        let report = StudyReport(plan: p, results: results)
        #expect(report.versusScratch.count == 3)
        #expect(report.versusScratch.allSatisfy { $0.armA == "conv1 (all 3 layers)" && $0.verdict == .beats }, "\(report.versusScratch.map(\.text))")
        #expect(report.findings[0].contains("**Yes**"))
        #expect(report.findings[1].contains("**Yes**"), "\(report.findings[1])")
        #expect(report.failedRuns.count == 1)
        #expect(report.summaries.first { $0.arm == "scratch" && $0.fraction == 0.25 }?.runs == 2)
        #expect(report.cellText(arm: "scratch", fraction: 0.25).contains("1 diverged"))
        #expect(report.markdown(datasetName: "x", plots: []).contains("the loss became nan"))
        // Holm: the adjusted p-values are at least the raw ones.
        #expect(report.versusScratch.allSatisfy { $0.adjustedPValue >= $0.pValue })
    }

    /// Test images in 4 groups (videos) where fine-tuning helps only in group 0: treated as 200
    /// independent images (DeLong) the advantage looks significant; resampling the groups, which
    /// is what the study does when test images share groups, it is not shown.
    @Test func sharedGroupsAreResampledAsGroups() throws {
        var p = plan(task: .classify, data: "x")
        p.fractions = [1]
        p.seeds = 1
        var g = SeededGaussian(seed: 11)
        let labels = (0..<200).map { $0 % 2 == 0 }
        let groups = labels.indices.map { "video\($0 / 50)" }
        let base = labels.map { ($0 ? 1.0 : 0) + g.gaussian() }
        let boosted = base.indices.map { i in base[i] + (labels[i] && groups[i] == "video0" ? 4 : 0) }
        func result(_ arm: StudyCell.Arm, _ scores: [Double], validation: Double) -> CellResult {
            var r = Self.scoredResult(arm, 1, seed: 0, separation: 1, validation: validation, generator: &g)
            r.testScores = scores
            r.testLabels = labels
            r.testGroups = groups
            return r
        }
        let report = StudyReport(plan: p, results: [result(.depth("conv1"), boosted, validation: 0.9), result(.depth("fc"), base, validation: 0.8),
                                                    result(.scratch, base, validation: 0.7)])
        let versus = try #require(report.versusScratch.first)
        #expect(versus.method == .groupBootstrap(groups: 4, resamples: StudyComparison.groupResamples))
        #expect(versus.verdict == .notShown, "\(versus.text)")
        #expect(versus.pValue >= 0.125, "4 groups cannot give a p below 2^-3")
        #expect(PairedBootstrap.groupPValueFloor(groups: 4) == 0.125 && PairedBootstrap.groupPValueFloor(groups: 100) == 0)
        #expect(versus.low <= 0 && versus.difference > 0.02)
        let independent = try DeLong.compare([boosted], [base], labels: labels)
        print("4 groups: \(versus.text); as 200 independent images: p \(independent.pValue)")
        #expect(independent.pValue < 0.01, "as independent images the difference would be significant: p \(independent.pValue)")
        #expect(report.markdown(datasetName: "x", plots: []).contains("paired bootstrap over the 4 test groups"))
    }

    /// Two fractions and a small difference: no trend claimed, no win claimed.
    @Test func smallDifferencesAreNotShownAndTwoFractionsGiveNoTrend() {
        var p = plan(task: .classify, data: "x")
        p.seeds = 1
        var g = SeededGaussian(seed: 7)
        var results: [CellResult] = []
        for f in [1.0, 0.5] {
            results.append(Self.scoredResult(.depth("conv1"), f, seed: 0, separation: 1.05, validation: 0.9, generator: &g))
            results.append(Self.scoredResult(.depth("fc"), f, seed: 0, separation: 1.0, validation: 0.8, generator: &g))
            results.append(Self.scoredResult(.scratch, f, seed: 0, separation: 1.0, validation: 0.7, generator: &g))
        }
        let report = StudyReport(plan: p, results: results)
        #expect(report.versusScratch.count == 2)
        #expect(report.versusScratch.allSatisfy { $0.verdict == .notShown || $0.verdict == .matches })
        #expect(!report.findings[0].contains("**Yes**") || report.versusScratch.allSatisfy { $0.verdict == .matches })
        #expect(report.findings[1].contains("**Not answered**"))
        #expect(report.trend == nil)
    }

    /// A learning rate that blows up: the cell is flagged diverged, retried once at a tenth of the
    /// rate, and written with both failures.
    @Test func divergingCellIsFlaggedAndRetried() throws {
        let dir = TemporaryDirectory()
        var p = plan(task: .classify, data: samples.appendingPathComponent("data/lesions").path)
        p.training.learningRate = 1e30
        p.scratch = false
        p.depths = ["conv1"]
        p.fractions = [1]
        let study = try Study(plan: p, model: tinyModel(), directory: dir.path("results"))
        let result = try study.run(p.cells[0])
        #expect(result.diverged)
        #expect(result.retries == 1)
        #expect(result.learningRate == Float(1e29))
        let failure = try #require(result.failure)
        #expect(failure.contains("learning rate 1e+30") && failure.contains("learning rate 1e+29"), "\(failure)")
        let report = StudyReport(plan: p, results: [result])
        #expect(report.failedRuns.count == 1 && report.summaries.isEmpty)
        try report.write(to: dir.path("results"), datasetName: "lesions")
        let csv = try String(contentsOfFile: dir.path("results/results.csv"), encoding: .utf8)
        #expect(csv.contains(",diverged,"))
    }
}

/// Simulated scores: GraftCore's seeded generator, in double precision.
struct SeededGaussian {
    var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    mutating func gaussian() -> Double { Double(generator.nextGaussian()) }
}
