import Foundation
import Testing
import GraftCore
import GraftZoo
import GraftData
import GraftImage
import GraftTestSupport
@testable import GraftTraining

/// The stripes image folder (``Stripes``) written into `dir`, loaded.
private func stripesDataset(in dir: TemporaryDirectory, perClass: Int = 40, size: Int = 16) throws -> Dataset {
    try DatasetLoader.load(Stripes.write(to: dir.url, perClass: perClass, size: size, seed: 42))
}

private var tinyModel: Model {
    let graph = Architectures.tinyCNN()
    return Model(graph: graph, weights: graph.randomWeights(seed: 0),
                 preprocessing: Preprocessing(input: "data", inputShape: [1, 3, 16, 16], channelOrder: .rgb, valueRange: [0, 1], steps: []),
                 provenance: Provenance(sourceFormat: "graft"))
}

private func configuration(epochs: Int = 12) -> TuneConfiguration {
    var c = TuneConfiguration()
    c.epochs = epochs
    c.batchSize = 8
    c.learningRate = 0.05
    c.headLearningRateBoost = 1
    c.seed = 7
    c.validationFraction = 0.2
    c.testFraction = 0.2
    return c
}

struct TrainerTests {
    @Test func learnsStripesFromScratch() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir)
        var c = configuration()
        c.scratch = true
        c.scratchLearningRate = 0.05
        let outcome = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run()
        #expect(outcome.history.count == 12)
        #expect(outcome.history.last!.trainLoss < outcome.history.first!.trainLoss)
        #expect(outcome.test.auc > 0.9, "test AUC \(outcome.test.auc)")
        #expect(outcome.summary.trainCount + outcome.summary.validationCount + outcome.summary.testCount == 80)
        #expect(outcome.model.training?.classLabels == ["horizontal", "vertical"])
    }

    @Test func shallowTuningUsesTheFeatureCacheAndFreezesThePrefix() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir)
        var c = configuration(epochs: 3)
        c.tuneFrom = "fc"
        let trainer = try Trainer(model: tinyModel, dataset: dataset, configuration: c)
        var summary: TrainerSummary?
        let outcome = try trainer.run(events: { if case .started(let s) = $0 { summary = s } })
        #expect(summary?.usesFeatureCache == true)
        #expect(summary?.frozenPrefix == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"])
        #expect(outcome.model.weights["conv1.weight"] == trainer.initialModel.weights["conv1.weight"])
        #expect(outcome.model.weights["fc.weight"] != trainer.initialModel.weights["fc.weight"])
    }

    @Test func sameSeedSameRun() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir, perClass: 20)
        var c = configuration(epochs: 3)
        c.augmentation = .standard
        let a = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run()
        let b = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run()
        #expect(a.history.map(\.trainLoss) == b.history.map(\.trainLoss))
        #expect(a.model.weights == b.model.weights)
    }

    @Test func resumingContinuesExactly() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir, perClass: 20)
        var c = configuration(epochs: 4)
        c.augmentation = .standard
        let whole = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run()
        let checkpoints = dir.path("ckpt")
        _ = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run(checkpointDirectory: checkpoints, stopAfter: 2)
        #expect(FileManager.default.fileExists(atPath: checkpoints + "/last.graft"))
        let state = try NativeFile.open(checkpoints + "/last.graft").training?.checkpoint
        #expect(state?.epoch == 2)
        let resumed = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run(checkpointDirectory: checkpoints, resume: true)
        #expect(resumed.history.map(\.trainLoss) == Array(whole.history.map(\.trainLoss).suffix(2)))
        #expect(resumed.model.weights == whole.model.weights)
        #expect(resumed.test.auc == whole.test.auc)
        // A different configuration refuses the checkpoint.
        var other = c
        other.learningRate = 0.01
        #expect(throws: TrainingError.self) {
            try Trainer(model: tinyModel, dataset: dataset, configuration: other).run(checkpointDirectory: checkpoints, resume: true)
        }
    }

    /// Resuming needs the best epoch's weights so far: a damaged best.graft is a checkpoint error
    /// naming it, never a best epoch silently forgotten (the final model would be the last epoch's).
    @Test func resumingWithADamagedBestCheckpointFails() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir, perClass: 20)
        let c = configuration(epochs: 4)
        let checkpoints = dir.path("ckpt")
        _ = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run(checkpointDirectory: checkpoints, stopAfter: 2)
        let best = checkpoints + "/best.graft"
        #expect(FileManager.default.fileExists(atPath: best))
        try Data("not a graft file".utf8).write(to: URL(fileURLWithPath: best))
        do {
            _ = try Trainer(model: tinyModel, dataset: dataset, configuration: c).run(checkpointDirectory: checkpoints, resume: true)
            Issue.record("resumed past a damaged best.graft")
        } catch {
            guard case .checkpoint(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == best)
        }
        try FileManager.default.removeItem(atPath: best)
        #expect(throws: TrainingError.self) {
            try Trainer(model: tinyModel, dataset: dataset, configuration: c).run(checkpointDirectory: checkpoints, resume: true)
        }
    }

    @Test func badConfigurationAndLayerNames() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir, perClass: 10)
        var c = configuration()
        c.tuneFrom = "relu1"
        #expect(throws: TrainingError.self) { try Trainer(model: tinyModel, dataset: dataset, configuration: c) }
        c = configuration()
        c.epochs = 0
        #expect(throws: TrainingError.configuration("epochs must be at least 1")) { try Trainer(model: tinyModel, dataset: dataset, configuration: c) }
    }

    @Test func badImagesAreNamedOrSkipped() throws {
        let dir = TemporaryDirectory()
        let dataset = try stripesDataset(in: dir, perClass: 15)
        try Data("not an image".utf8).write(to: dir.url.appendingPathComponent("vertical/broken.png"))
        let withBroken = try DatasetLoader.load(dir.url.path)
        var c = configuration(epochs: 1)
        c.validationFraction = 0.25
        c.testFraction = 0.25
        #expect {
            try Trainer(model: tinyModel, dataset: withBroken, configuration: c).run()
        } throws: { error in
            "\(error)".contains("broken.png") && "\(error)".contains("--skip-bad")
        }
        c.skipBad = true
        let outcome = try Trainer(model: tinyModel, dataset: withBroken, configuration: c).run()
        #expect(outcome.summary.skippedImages == 1)
        _ = dataset
    }
}
