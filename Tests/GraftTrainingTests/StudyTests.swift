import Foundation
import Testing
import GraftCore
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
        let report = StudyReport(plan: p, results: results)
        try report.write(to: dir.path("results"), datasetName: "lesions")
        for file in ["results.csv", "results.json", "report.md", "report.html", "plots/auc-vs-fraction.svg", "plots/roc-100pct.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.path("results/" + file)), "\(file)")
        }
        let csv = try String(contentsOfFile: dir.path("results/results.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 7)
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

    @Test func answersFollowTheNumbers() {
        let p = plan(task: .classify, data: "x")
        func result(_ arm: StudyCell.Arm, _ f: Double, _ auc: Double) -> CellResult {
            CellResult(cell: StudyCell(index: 0, arm: arm, fraction: f, seed: 0), auc: auc, aucLow: auc, aucHigh: auc, accuracy: 0.5,
                       validationAUC: auc, bestEpoch: 1, epochsRun: 1, trainImages: 1, testImages: 1, seconds: 0,
                       roc: ROCCurve(scores: [1, 0], positives: [true, false]), froc: nil)
        }
        let report = StudyReport(plan: p, results: [
            result(.depth("fc"), 1, 0.80), result(.depth("conv1"), 1, 0.85), result(.scratch, 1, 0.845),
            result(.depth("fc"), 0.5, 0.78), result(.depth("conv1"), 0.5, 0.76), result(.scratch, 0.5, 0.70),
        ])
        #expect(report.findings[0].contains("**Yes**"))
        #expect(report.findings[0].contains("matches") && report.findings[0].contains("beats"))
        #expect(report.findings[1].contains("**Yes**"))  // +0.005 with all data, +0.08 with half
        #expect(report.findings[2].contains("100 % → conv1 (all 3 layers) (0.850)"))
        #expect(report.findings[2].contains("50 % → fc (last 1 of 3) (0.780)"))
    }
}
