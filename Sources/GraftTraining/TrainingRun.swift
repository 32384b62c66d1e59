import Foundation
import GraftCore
import GraftData
import GraftEngine
import GraftMetrics

/// The images of a run's three splits, decoded once (bad images skipped or refused).
struct RunImages {
    let train: ImageBank
    let validation: ImageBank
    let test: ImageBank

    init(_ trainer: Trainer) throws(TrainingError) {
        let c = trainer.configuration
        func bank(_ samples: [Sample]) throws(TrainingError) -> ImageBank {
            try ImageBank(samples: samples, pipeline: trainer.pipeline, minimumSize: c.minimumImageSize, skipBad: c.skipBad)
        }
        train = try bank(trainer.trainSamples)
        validation = try bank(trainer.splits.validation)
        test = try bank(trainer.splits.test)
        guard train.count > 0, validation.count > 0, test.count > 0 else {
            throw .data("a split is empty after skipping bad images (train \(train.count), validation \(validation.count), test \(test.count))")
        }
    }

    var skipped: Int { train.skipped.count + validation.skipped.count + test.skipped.count }
}

/// Where a run stands between epochs: what `last.graft` saves and a resume restores.
struct RunProgress {
    var model: Model
    /// Epochs finished.
    var epoch = 0
    var bestAUC: Double?
    var bestEpoch = 0
    var staleEpochs = 0
    /// The data-order and augmentation stream (``RunSeeds/order``), as it stands after `epoch`.
    var rng: SeededGenerator
    /// The optimizer's `state.*` tensors to load into the session (empty on a fresh start).
    var optimizerState: [String: Tensor] = [:]

    /// No epoch done yet: `model` as training starts, the order stream at its seed.
    init(model: Model, rng: SeededGenerator) {
        self.model = model
        self.rng = rng
    }
}

/// A run's checkpoint files: `last.graft` after every epoch (with the optimizer state and a
/// `CheckpointState`), `best.graft` at each new best validation AUC.
struct CheckpointFiles {
    let last: String
    let best: String

    /// Creates `directory` when needed.
    init(directory: String) throws(TrainingError) {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw .checkpoint(path: directory, reason: "cannot create the checkpoint folder")
        }
        last = directory + "/last.graft"
        best = directory + "/best.graft"
    }

    /// The progress `last.graft` records, or nil when there is none yet. Refuses a checkpoint
    /// written with another configuration.
    func restore(configuration: String) throws(TrainingError) -> RunProgress? {
        guard FileManager.default.fileExists(atPath: last) else { return nil }
        let loaded: Model
        do { loaded = try NativeFile.open(last).loadModel() } catch { throw .checkpoint(path: last, reason: error.description) }
        guard let state = loaded.training?.checkpoint else { throw .checkpoint(path: last, reason: "has no checkpoint state") }
        guard state.configuration == configuration else {
            throw .checkpoint(path: last, reason: "was written with another configuration; start a new run or use the same options")
        }
        guard let restored = SeededGenerator(stateWords: state.randomState) else {
            throw .checkpoint(path: last, reason: "its random state is malformed")
        }
        var model = loaded
        model.weights = loaded.weights.filter { !$0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
        model.training?.checkpoint = nil
        var progress = RunProgress(model: model, rng: restored)
        (progress.epoch, progress.bestAUC, progress.bestEpoch, progress.staleEpochs) =
            (state.epoch, state.bestValidationAUC, state.bestEpoch ?? 0, state.staleEpochs)
        progress.optimizerState = loaded.weights.filter { $0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
        return progress
    }

    /// The best epoch's weights so far, for a resumed run: a `best.graft` that is missing or
    /// cannot be read is an error, not a silently forgotten best epoch.
    func bestWeights(for progress: RunProgress) throws(TrainingError) -> [String: Tensor]? {
        guard progress.epoch > 0, progress.bestEpoch > 0 else { return nil }
        guard FileManager.default.fileExists(atPath: best) else {
            throw .checkpoint(path: best, reason: "is missing, but last.graft records epoch \(progress.bestEpoch) as the best so far")
        }
        do {
            return try NativeFile.open(best).loadModel().weights.filter { !$0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
        } catch { throw .checkpoint(path: best, reason: "cannot be read to resume: \(error)") }
    }

    func write(_ model: Model, to path: String) throws(TrainingError) {
        do { try NativeWriter.write(model, to: path) } catch { throw .checkpoint(path: path, reason: error.description) }
    }
}

/// One run's training state and its steps: the session set up for the configuration, an epoch of
/// steps with its validation, the checkpoint models, and the final evaluation of the best epoch.
final class TrainingRun {
    let trainer: Trainer
    let images: RunImages
    let seeds: RunSeeds
    private(set) var progress: RunProgress
    /// The weights of the best validation AUC so far.
    var bestWeights: [String: Tensor]?
    private(set) var history: [EpochRecord] = []
    let session: TrainingSession
    let summary: TrainerSummary
    private let batchesPerEpoch: Int
    private let input: String
    private var trainCache: FeatureCache?
    private var validationCache: FeatureCache?

    private var configuration: TuneConfiguration { trainer.configuration }
    private var batch: Int { trainer.configuration.batchSize }

    /// Sets up the session: unit-variance scaling for a fresh from-scratch run, the learning-rate
    /// schedule and optimizer, class weights, the training plan, restored optimizer state, and the
    /// frozen prefix's features when they can be computed once (``cacheFeatures()``).
    init(trainer: Trainer, images: RunImages, progress: RunProgress) throws(TrainingError) {
        self.trainer = trainer
        self.images = images
        self.progress = progress
        let c = trainer.configuration
        seeds = RunSeeds(base: c.seed)
        let batch = c.batchSize
        if c.scratch && progress.epoch == 0 {
            // From scratch: rescale each layer on one training batch so its outputs have unit variance.
            var lsuvRNG = SeededGenerator(seed: seeds.unitVariance)
            let indices = (0..<batch).map { _ in Int(lsuvRNG.next() % UInt64(images.train.count)) }
            self.progress.model = try Trainer.unitVarianceScaled(
                progress.model, input: Self.render(trainer, images.train, indices, augment: false, rng: &lsuvRNG))
        }
        let model = self.progress.model
        batchesPerEpoch = (images.train.count + batch - 1) / batch
        let iterations = batchesPerEpoch * c.epochs
        let decay: LearningRateSchedule.Decay = switch c.schedule {
        case .fixed: .fixed
        case .step: .step(stepSize: c.stepEpochs * batchesPerEpoch, gamma: c.gamma)
        case .cosine: .cosine(maxIterations: iterations)
        case .poly: .poly(maxIterations: iterations, power: 1)
        }
        let schedule = LearningRateSchedule(decay, warmupIterations: c.warmupEpochs * batchesPerEpoch, warmupStartFactor: 0.1)
        let optimizer: Optimizer = c.optimizer == .sgd
            ? .sgd(SGD(learningRate: c.effectiveLearningRate, momentum: c.momentum, weightDecay: c.weightDecay, schedule: schedule))
            : .adam(Adam(learningRate: c.effectiveLearningRate, weightDecay: c.weightDecay, schedule: schedule))
        var classWeights: [Float]?
        if c.balance == .weights {
            let classes = trainer.dataset.classes.count
            var counts = [Int](repeating: 0, count: classes)
            for l in images.train.labels { counts[l] += 1 }
            classWeights = counts.map { $0 > 0 ? Float(images.train.count) / Float(classes * $0) : 0 }
        }
        let plan = TrainingPlan(trainableFrom: c.tuneFrom, metadata: model.training, classWeights: classWeights, seed: seeds.dropout)
        do {
            session = try TrainingSession(model: model, batchSize: batch, plan: plan, optimizer: optimizer)
            session.gradientClipNorm = c.gradientClipNorm
            session.keepsGradients = false  // a run reads no gradients: SGD updates fc weights in the backward pass
            if !progress.optimizerState.isEmpty { try session.loadOptimizerState(progress.optimizerState) }
        } catch { throw .engine(error) }
        input = model.graph.inputs[0].name
        let useCache = c.augmentation.isIdentity && !session.frozenPrefix.isEmpty
        summary = TrainerSummary(classes: trainer.dataset.classes, trainCount: images.train.count,
                                 validationCount: images.validation.count, testCount: images.test.count,
                                 skippedImages: images.skipped, trainedParameters: session.trainedParameters.count,
                                 frozenPrefix: session.frozenPrefix, liftedFreeze: trainer.liftedFreeze.count,
                                 usesFeatureCache: useCache, batchesPerEpoch: batchesPerEpoch, startEpoch: progress.epoch)
    }

    /// Computes the frozen prefix's outputs for the training and validation images once, when the
    /// summary says they are reused (no augmentation, a frozen prefix).
    func cacheFeatures() throws(TrainingError) {
        guard summary.usesFeatureCache else { return }
        trainCache = try Self.features(trainer, session, images.train, input: input)
        validationCache = try Self.features(trainer, session, images.validation, input: input)
    }

    // MARK: - An epoch

    /// Trains one epoch (a shuffle or class-balanced draws, every image seen), validates, and
    /// updates the progress and the best weights.
    func trainEpoch(events: (TrainerEvent) -> Void) throws(TrainingError) -> EpochRecord {
        let c = configuration
        let started = Date()
        session.reseed(seeds.epoch(progress.epoch))
        let order = epochOrder()
        var lossSum = 0.0
        for b in 0..<batchesPerEpoch {
            let indices = Array(order[(b * batch)..<((b + 1) * batch)])
            let labels = indices.map { images.train.labels[$0] }
            let loss: Float
            do {
                if let trainCache {
                    loss = try session.step(features: trainCache.batch(indices), labels: labels)
                } else {
                    let pixels = Self.render(trainer, images.train, indices, augment: !c.augmentation.isIdentity, rng: &progress.rng)
                    loss = try session.step(inputs: [input: pixels], labels: labels)
                }
            } catch { throw .engine(error) }
            guard loss.isFinite else { throw .diverged(epoch: progress.epoch + 1, batch: b + 1, loss: loss) }
            lossSum += Double(loss)
            let elapsed = Date().timeIntervalSince(started)
            events(.batch(epoch: progress.epoch + 1, batch: b + 1, batches: batchesPerEpoch, loss: loss,
                          imagesPerSecond: Double((b + 1) * batch) / max(elapsed, 1e-9)))
        }
        let trainSeconds = Date().timeIntervalSince(started)
        let metrics = ClassificationMetrics(probabilities: try validationProbabilities(), labels: images.validation.labels, bootstrap: 0)
        progress.epoch += 1
        let improved = !metrics.auc.isNaN && (progress.bestAUC.map { metrics.auc > $0 } ?? true)
        if improved {
            (progress.bestAUC, progress.bestEpoch, progress.staleEpochs) = (metrics.auc, progress.epoch, 0)
            bestWeights = session.weights()
        } else {
            progress.staleEpochs += 1
        }
        let record = EpochRecord(epoch: progress.epoch, trainLoss: lossSum / Double(batchesPerEpoch),
                                 validationAUC: metrics.auc.isNaN ? nil : metrics.auc, validationAccuracy: metrics.accuracy,
                                 learningRate: session.learningRate,
                                 imagesPerSecond: Double(batchesPerEpoch * batch) / max(trainSeconds, 1e-9),
                                 seconds: Date().timeIntervalSince(started), best: improved)
        history.append(record)
        return record
    }

    /// This epoch's image order, drawn from the order stream; the last batch is filled by
    /// wrapping around.
    private func epochOrder() -> [Int] {
        let train = images.train
        var order: [Int]
        if configuration.balance == .sampling {
            var byClass = [[Int]](repeating: [], count: trainer.dataset.classes.count)
            for (i, l) in train.labels.enumerated() { byClass[l].append(i) }
            let present = byClass.filter { !$0.isEmpty }
            order = (0..<train.count).map { _ in
                let members = present[Int(progress.rng.next() % UInt64(present.count))]
                return members[Int(progress.rng.next() % UInt64(members.count))]
            }
        } else {
            order = Array(0..<train.count)
            order.shuffle(using: &progress.rng)
        }
        while order.count % batch != 0 { order.append(order[order.count % train.count]) }
        return order
    }

    private func validationProbabilities() throws(TrainingError) -> [[Float]] {
        var rows: [[Float]] = []
        var unused = SeededGenerator(seed: 0)
        for indices in Self.padded(images.validation.count, batch: batch) {
            let probabilities: Tensor
            do throws(ExecutionError) {
                if let validationCache {
                    probabilities = try session.evaluate(features: validationCache.batch(indices))
                } else {
                    let pixels = Self.render(trainer, images.validation, indices, augment: false, rng: &unused)
                    probabilities = try session.evaluate(inputs: [input: pixels])
                }
            } catch { throw .engine(error) }
            let k = probabilities.elementCount / batch
            for i in 0..<batch where rows.count < images.validation.count {
                rows.append(Array(probabilities.scalars[(i * k)..<((i + 1) * k)]))
            }
        }
        return rows
    }

    // MARK: - Checkpoints and the outcome

    /// Whether the run should stop early after this epoch.
    var patienceRunOut: Bool {
        configuration.patience > 0 && progress.staleEpochs >= configuration.patience && progress.epoch < configuration.epochs
    }

    /// The model as `last.graft` saves it (with the optimizer state and `state`) or as
    /// `best.graft` does (`state` nil).
    func checkpointModel(state: CheckpointState?) -> Model {
        var m = progress.model
        m.weights = session.weights()
        if state != nil { m.weights.merge(session.optimizerState()) { a, _ in a } }
        m.training?.checkpoint = state
        return m
    }

    /// What `last.graft` records of the progress.
    func checkpointState(configuration json: String) -> CheckpointState {
        CheckpointState(epoch: progress.epoch, iteration: session.iteration, randomState: progress.rng.stateWords,
                        bestValidationAUC: progress.bestAUC, bestEpoch: progress.bestEpoch, staleEpochs: progress.staleEpochs,
                        configuration: json)
    }

    /// The best epoch's weights, evaluated once on validation and test (1000 bootstrap resamples
    /// for the intervals).
    func outcome(log: ((String) -> Void)?) throws(TrainingError) -> TuneOutcome {
        let c = configuration
        var final = progress.model
        final.weights = bestWeights ?? session.weights()
        final.training?.checkpoint = nil
        final.provenance.notes.append(c.scratch
            ? "trained from scratch by graft (\(trainer.dataset.name), best epoch \(progress.bestEpoch))"
            : "fine-tuned by graft from \(c.tuneFrom ?? "all layers") (\(trainer.dataset.name), best epoch \(progress.bestEpoch))")
        let predictor = try Predictor(model: final, pipeline: trainer.pipeline, batchSize: batch)
        let validationMetrics = ClassificationMetrics(probabilities: try predictor.probabilities(images.validation.images),
                                                      labels: images.validation.labels, bootstrap: 1000, seed: c.seed)
        let testProbabilities = try predictor.probabilities(images.test.images)
        let testMetrics = ClassificationMetrics(probabilities: testProbabilities, labels: images.test.labels, bootstrap: 1000, seed: c.seed)
        log?(Trainer.jsonLine(["event": "result", "best_epoch": progress.bestEpoch, "validation_auc": validationMetrics.auc,
                               "test_auc": testMetrics.auc, "test_auc_low": testMetrics.aucLow, "test_auc_high": testMetrics.aucHigh,
                               "test_accuracy": testMetrics.accuracy]))
        return TuneOutcome(model: final, history: history, bestEpoch: progress.bestEpoch, summary: summary, validation: validationMetrics,
                           test: testMetrics, testProbabilities: testProbabilities, testLabels: images.test.labels, testIDs: images.test.ids)
    }

    // MARK: - Pixels and features

    /// One batch of images through the pipeline (with sampled augmentation when `augment`), in
    /// parallel; a short batch is zero-padded to the batch size.
    static func render(_ trainer: Trainer, _ bank: ImageBank, _ indices: [Int], augment: Bool,
                       rng: inout SeededGenerator) -> Tensor {
        let c = trainer.configuration
        let pipeline = trainer.pipeline
        let per = pipeline.elementCount
        var scalars = [Float](repeating: 0, count: c.batchSize * per)
        let transforms = indices.map { _ in augment ? c.augmentation.sample(using: &rng) : .identity }
        scalars.withUnsafeMutableBufferPointer { buffer in
            let base = SendablePointer(pointer: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: indices.count) { i in
                pipeline.render(bank.images[indices[i]], transform: transforms[i], into: base.pointer + i * per)
            }
        }
        return Tensor(shape: [c.batchSize, pipeline.channels, pipeline.height, pipeline.width], scalars: scalars)
    }

    /// Fixed-size batches covering 0..<count in order; the last is padded by repeating index 0.
    static func padded(_ count: Int, batch: Int) -> [[Int]] {
        stride(from: 0, to: count, by: batch).map { start in
            (start..<(start + batch)).map { $0 < count ? $0 : 0 }
        }
    }

    /// The frozen prefix's outputs for every image of `bank`, computed once.
    static func features(_ trainer: Trainer, _ session: TrainingSession, _ bank: ImageBank, input: String) throws(TrainingError) -> FeatureCache {
        var cache = FeatureCache(session: session)
        var unused = SeededGenerator(seed: 0)
        let batch = trainer.configuration.batchSize
        for indices in padded(bank.count, batch: batch) {
            let real = min(batch, bank.count - cache.count)
            do {
                let pixels = render(trainer, bank, indices, augment: false, rng: &unused)
                cache.append(try session.prefixFeatures(inputs: [input: pixels]), count: real)
            } catch { throw .engine(error) }
        }
        return cache
    }
}

/// A pointer handed to concurrent workers that write disjoint ranges.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}
