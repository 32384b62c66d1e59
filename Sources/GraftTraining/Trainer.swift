import Foundation
import GraftMetrics
import GraftCore
import GraftData
import GraftEngine
import GraftImage

/// One epoch's figures, as logged and reported.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationAUC: Double?
    public var validationAccuracy: Double
    public var learningRate: Float
    public var imagesPerSecond: Double
    public var seconds: Double
    /// The best validation AUC so far (this epoch's weights were kept).
    public var best: Bool
}

/// What a run is about to do.
public struct TrainerSummary: Codable, Equatable, Sendable {
    public var classes: [String]
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    public var skippedImages: Int
    public var trainedParameters: Int
    public var frozenPrefix: [String]
    /// How many tensors saved frozen (Keras `trainable: false`) this run trains, because the
    /// chosen depth reaches them.
    public var liftedFreeze: Int
    /// The frozen prefix's outputs are computed once and reused every epoch.
    public var usesFeatureCache: Bool
    public var batchesPerEpoch: Int
    public var startEpoch: Int
}

/// Progress reported while training.
public enum TrainerEvent: Sendable {
    case started(TrainerSummary)
    case batch(epoch: Int, batch: Int, batches: Int, loss: Float, imagesPerSecond: Double)
    case epochFinished(EpochRecord)
    case earlyStop(epoch: Int, bestEpoch: Int)
}

/// The result of a run: the model with the best validation AUC's weights, and its metrics.
public struct TuneOutcome: Sendable {
    public var model: Model
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var summary: TrainerSummary
    public var validation: ClassificationMetrics
    public var test: ClassificationMetrics
    public var testProbabilities: [[Float]]
    public var testLabels: [Int]
    public var testIDs: [String]
}

/// Fine-tunes a model on a dataset (or trains it from scratch), the paper's way: a new head for
/// the task, everything before `tuneFrom` frozen, SGD with the head learning faster, the epoch with
/// the best validation AUC kept, and a test AUC measured once at the end.
///
/// Checkpoints (`last.graft` every epoch, `best.graft` at each new best validation AUC) are
/// `.graft` files with the optimizer state as `state.*` tensors and a GraftCore `CheckpointState`
/// in their training metadata; a run killed at any point resumes from the last finished epoch and
/// continues exactly as the uninterrupted run would have (same data order, augmentation and
/// dropout draws).
public final class Trainer {
    public let configuration: TuneConfiguration
    public let dataset: Dataset
    public let splits: DatasetSplits
    public let trainSamples: [Sample]
    /// The model as training starts: head replaced and/or re-initialised.
    public let initialModel: Model
    /// Tensors saved frozen (Keras `trainable: false`) that this run trains because its
    /// `tuneFrom` (or `scratch`) reaches them.
    public let liftedFreeze: [String]
    public let pipeline: ImagePipeline
    private let configurationJSON: String

    public init(model: Model, dataset: Dataset, configuration: TuneConfiguration) throws(TrainingError) {
        try configuration.validate()
        self.configuration = configuration
        self.dataset = dataset
        do {
            splits = try Splitter(validationFraction: configuration.validationFraction, testFraction: configuration.testFraction,
                                  seed: configuration.splitSeed ?? configuration.seed).split(dataset)
        } catch { throw .dataset(error) }
        trainSamples = Splitter.subset(splits.train, fraction: configuration.trainFraction, classes: dataset.classes.count,
                                       seed: configuration.seed)
        var prepared = model
        if configuration.newHead {
            do {
                prepared = try prepared.replacingHead(classes: dataset.classes.count, learningRateBoost: configuration.headLearningRateBoost,
                                                      labels: dataset.classes, seed: RunSeeds(base: configuration.seed).head)
            } catch { throw .graph(error) }
        }
        if configuration.scratch { prepared = prepared.reinitialized(seed: RunSeeds(base: configuration.seed).scratch) }
        if let from = configuration.tuneFrom, !prepared.trainableLayers.contains(from) {
            throw .configuration("--tune-from '\(from)' is not a trainable layer; choose one of \(prepared.trainableLayers.joined(separator: ", "))")
        }
        // A chosen depth (or training from scratch) says what learns: Keras's `trainable: false`
        // flags from that layer on are lifted (see `Model.liftingRecordedFreeze(from:)`).
        if configuration.scratch || configuration.tuneFrom != nil {
            (prepared, liftedFreeze) = prepared.liftingRecordedFreeze(from: configuration.scratch ? nil : configuration.tuneFrom)
        } else {
            liftedFreeze = []
        }
        if prepared.training == nil { prepared.training = TrainingMetadata(classLabels: dataset.classes) }
        let preprocessing = prepared.effectivePreprocessing
        prepared.preprocessing = preprocessing
        do { pipeline = try ImagePipeline(preprocessing: preprocessing) } catch { throw .dataset(error) }
        initialModel = prepared
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        configurationJSON = String(decoding: (try? encoder.encode(configuration)) ?? Data(), as: UTF8.self)
    }

    /// Runs training to the end (or to early stopping) and evaluates the best epoch on the test split.
    ///
    /// - Parameters:
    ///   - checkpointDirectory: where `last.graft` and `best.graft` go; nil writes none.
    ///   - resume: continue from `last.graft` in that directory when it exists.
    ///   - log: receives one JSON line per event worth keeping (epochs, the summary, the result).
    ///   - stopAfter: end this call after that many epochs (as if killed there), leaving the
    ///     checkpoints for a later `resume`; the outcome then reflects the epochs done so far.
    ///   - events: receives progress as it happens: the start, every batch, every finished epoch,
    ///     an early stop.
    public func run(checkpointDirectory: String? = nil, resume: Bool = false, log: ((String) -> Void)? = nil,
                    stopAfter: Int? = nil, events: (TrainerEvent) -> Void = { _ in }) throws(TrainingError) -> TuneOutcome {
        let c = configuration
        let classes = dataset.classes.count
        let trainBank = try ImageBank(samples: trainSamples, pipeline: pipeline, minimumSize: c.minimumImageSize, skipBad: c.skipBad)
        let validationBank = try ImageBank(samples: splits.validation, pipeline: pipeline, minimumSize: c.minimumImageSize, skipBad: c.skipBad)
        let testBank = try ImageBank(samples: splits.test, pipeline: pipeline, minimumSize: c.minimumImageSize, skipBad: c.skipBad)
        guard trainBank.count > 0, validationBank.count > 0, testBank.count > 0 else {
            throw .data("a split is empty after skipping bad images (train \(trainBank.count), validation \(validationBank.count), test \(testBank.count))")
        }

        // Start fresh, or from the last checkpoint.
        var model = initialModel
        var startEpoch = 0, bestAUC: Double?, bestEpoch = 0, stale = 0
        let seeds = RunSeeds(base: c.seed)
        var rng = SeededGenerator(seed: seeds.order)
        var optimizerState: [String: Tensor] = [:]
        let lastPath = checkpointDirectory.map { $0 + "/last.graft" }
        let bestPath = checkpointDirectory.map { $0 + "/best.graft" }
        if let checkpointDirectory {
            do { try FileManager.default.createDirectory(atPath: checkpointDirectory, withIntermediateDirectories: true) } catch {
                throw .checkpoint(path: checkpointDirectory, reason: "cannot create the checkpoint folder")
            }
        }
        if resume, let lastPath, FileManager.default.fileExists(atPath: lastPath) {
            let loaded: Model
            do { loaded = try NativeFile.open(lastPath).loadModel() } catch { throw .checkpoint(path: lastPath, reason: error.description) }
            guard let state = loaded.training?.checkpoint else { throw .checkpoint(path: lastPath, reason: "has no checkpoint state") }
            guard state.configuration == configurationJSON else {
                throw .checkpoint(path: lastPath, reason: "was written with another configuration; start a new run or use the same options")
            }
            guard let restored = SeededGenerator(stateWords: state.randomState) else {
                throw .checkpoint(path: lastPath, reason: "its random state is malformed")
            }
            model = loaded
            optimizerState = loaded.weights.filter { $0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
            model.weights = loaded.weights.filter { !$0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
            model.training?.checkpoint = nil
            (startEpoch, bestAUC, bestEpoch, stale, rng) = (state.epoch, state.bestValidationAUC, state.bestEpoch ?? 0, state.staleEpochs, restored)
        }

        // The session.
        let batch = c.batchSize
        let per = pipeline.elementCount
        let inputShape = Shape([batch, pipeline.channels, pipeline.height, pipeline.width])
        func render(_ bank: ImageBank, _ indices: [Int], augment: Bool, rng: inout SeededGenerator) -> Tensor {
            var scalars = [Float](repeating: 0, count: batch * per)
            let transforms = indices.map { _ in augment ? c.augmentation.sample(using: &rng) : .identity }
            let pipeline = self.pipeline
            scalars.withUnsafeMutableBufferPointer { buffer in
                let base = SendablePointer(pointer: buffer.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: indices.count) { i in
                    pipeline.render(bank.images[indices[i]], transform: transforms[i], into: base.pointer + i * per)
                }
            }
            return Tensor(shape: inputShape, scalars: scalars)
        }
        // From scratch: rescale each layer on one training batch so its outputs have unit variance.
        if c.scratch && startEpoch == 0 {
            var lsuvRNG = SeededGenerator(seed: seeds.unitVariance)
            let indices = (0..<batch).map { _ in Int(lsuvRNG.next() % UInt64(trainBank.count)) }
            model = try Self.unitVarianceScaled(model, input: render(trainBank, indices, augment: false, rng: &lsuvRNG))
        }
        let batchesPerEpoch = (trainBank.count + batch - 1) / batch
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
            var counts = [Int](repeating: 0, count: classes)
            for l in trainBank.labels { counts[l] += 1 }
            classWeights = counts.map { $0 > 0 ? Float(trainBank.count) / Float(classes * $0) : 0 }
        }
        let plan = TrainingPlan(trainableFrom: c.tuneFrom, metadata: model.training, classWeights: classWeights, seed: seeds.dropout)
        let session: TrainingSession
        do {
            session = try TrainingSession(model: model, batchSize: batch, plan: plan, optimizer: optimizer)
            session.gradientClipNorm = c.gradientClipNorm
            if !optimizerState.isEmpty { try session.loadOptimizerState(optimizerState) }
        } catch { throw .engine(error) }
        let input = model.graph.inputs[0].name
        let useCache = c.augmentation.isIdentity && !session.frozenPrefix.isEmpty
        let summary = TrainerSummary(classes: dataset.classes, trainCount: trainBank.count, validationCount: validationBank.count,
                                     testCount: testBank.count,
                                     skippedImages: trainBank.skipped.count + validationBank.skipped.count + testBank.skipped.count,
                                     trainedParameters: session.trainedParameters.count, frozenPrefix: session.frozenPrefix,
                                     liftedFreeze: liftedFreeze.count, usesFeatureCache: useCache, batchesPerEpoch: batchesPerEpoch, startEpoch: startEpoch)
        events(.started(summary))
        log?(Self.jsonLine(["event": "start", "summary": summary]))

        /// Fixed-size batches covering 0..<count in order; the last is padded by repeating index 0.
        func padded(_ count: Int) -> [[Int]] {
            stride(from: 0, to: count, by: batch).map { start in
                (start..<(start + batch)).map { $0 < count ? $0 : 0 }
            }
        }
        var unused = SeededGenerator(seed: 0)
        func features(_ bank: ImageBank) throws(TrainingError) -> FeatureCache {
            var cache = FeatureCache(session: session)
            for indices in padded(bank.count) {
                let real = min(batch, bank.count - cache.count)
                do { cache.append(try session.prefixFeatures(inputs: [input: render(bank, indices, augment: false, rng: &unused)]), count: real) } catch {
                    throw .engine(error)
                }
            }
            return cache
        }
        let trainCache = useCache ? try features(trainBank) : nil
        let validationCache = useCache ? try features(validationBank) : nil
        func validationProbabilities() throws(TrainingError) -> [[Float]] {
            var rows: [[Float]] = []
            for indices in padded(validationBank.count) {
                let probabilities: Tensor
                do throws(ExecutionError) {
                    if let validationCache {
                        probabilities = try session.evaluate(features: validationCache.batch(indices))
                    } else {
                        probabilities = try session.evaluate(inputs: [input: render(validationBank, indices, augment: false, rng: &unused)])
                    }
                } catch { throw .engine(error) }
                let k = probabilities.elementCount / batch
                for i in 0..<batch where rows.count < validationBank.count {
                    rows.append(Array(probabilities.scalars[(i * k)..<((i + 1) * k)]))
                }
            }
            return rows
        }

        func checkpointModel(epoch: Int, state: CheckpointState?) -> Model {
            var m = model
            m.weights = session.weights()
            if state != nil { m.weights.merge(session.optimizerState()) { a, _ in a } }
            m.training?.checkpoint = state
            return m
        }
        func write(_ m: Model, _ path: String) throws(TrainingError) {
            do { try NativeWriter.write(m, to: path) } catch { throw .checkpoint(path: path, reason: error.description) }
        }

        var history: [EpochRecord] = []
        var bestWeights: [String: Tensor]? = nil
        // A resumed run keeps the best epoch's weights so far: a best.graft that cannot be read is an
        // error, not a silently forgotten best epoch.
        if startEpoch > 0, bestEpoch > 0, let bestPath {
            guard FileManager.default.fileExists(atPath: bestPath) else {
                throw .checkpoint(path: bestPath, reason: "is missing, but last.graft records epoch \(bestEpoch) as the best so far")
            }
            do {
                bestWeights = try NativeFile.open(bestPath).loadModel().weights.filter { !$0.key.hasPrefix(NativeFormat.stateTensorPrefix) }
            } catch { throw .checkpoint(path: bestPath, reason: "cannot be read to resume: \(error)") }
        }
        var epoch = startEpoch
        let lastEpoch = min(c.epochs, stopAfter.map { startEpoch + $0 } ?? c.epochs)
        while epoch < lastEpoch {
            let started = Date()
            session.reseed(seeds.epoch(epoch))
            // This epoch's order: a shuffle, or class-balanced draws.
            var order: [Int]
            if c.balance == .sampling {
                var byClass = [[Int]](repeating: [], count: classes)
                for (i, l) in trainBank.labels.enumerated() { byClass[l].append(i) }
                let present = byClass.filter { !$0.isEmpty }
                order = (0..<trainBank.count).map { _ in
                    let members = present[Int(rng.next() % UInt64(present.count))]
                    return members[Int(rng.next() % UInt64(members.count))]
                }
            } else {
                order = Array(0..<trainBank.count)
                order.shuffle(using: &rng)
            }
            // Fill the last batch by wrapping around, so every image is seen every epoch.
            while order.count % batch != 0 { order.append(order[order.count % trainBank.count]) }
            var lossSum = 0.0
            for b in 0..<batchesPerEpoch {
                let indices = Array(order[(b * batch)..<((b + 1) * batch)])
                let labels = indices.map { trainBank.labels[$0] }
                let loss: Float
                do {
                    if let trainCache {
                        loss = try session.step(features: trainCache.batch(indices), labels: labels)
                    } else {
                        loss = try session.step(inputs: [input: render(trainBank, indices, augment: !c.augmentation.isIdentity, rng: &rng)],
                                                labels: labels)
                    }
                } catch { throw .engine(error) }
                guard loss.isFinite else { throw .diverged(epoch: epoch + 1, batch: b + 1, loss: loss) }
                lossSum += Double(loss)
                let elapsed = Date().timeIntervalSince(started)
                events(.batch(epoch: epoch + 1, batch: b + 1, batches: batchesPerEpoch, loss: loss,
                              imagesPerSecond: Double((b + 1) * batch) / max(elapsed, 1e-9)))
            }
            let trainSeconds = Date().timeIntervalSince(started)
            let metrics = ClassificationMetrics(probabilities: try validationProbabilities(), labels: validationBank.labels, bootstrap: 0)
            epoch += 1
            let improved = !metrics.auc.isNaN && (bestAUC.map { metrics.auc > $0 } ?? true)
            if improved {
                (bestAUC, bestEpoch, stale) = (metrics.auc, epoch, 0)
                bestWeights = session.weights()
            } else {
                stale += 1
            }
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(batchesPerEpoch),
                                     validationAUC: metrics.auc.isNaN ? nil : metrics.auc, validationAccuracy: metrics.accuracy,
                                     learningRate: session.learningRate, imagesPerSecond: Double(batchesPerEpoch * batch) / max(trainSeconds, 1e-9),
                                     seconds: Date().timeIntervalSince(started), best: improved)
            history.append(record)
            let state = CheckpointState(epoch: epoch, iteration: session.iteration, randomState: rng.stateWords,
                                        bestValidationAUC: bestAUC, bestEpoch: bestEpoch, staleEpochs: stale, configuration: configurationJSON)
            if improved, let bestPath { try write(checkpointModel(epoch: epoch, state: nil), bestPath) }
            if let lastPath { try write(checkpointModel(epoch: epoch, state: state), lastPath) }
            events(.epochFinished(record))
            log?(Self.jsonLine(["event": "epoch", "record": record]))
            if c.patience > 0, stale >= c.patience, epoch < c.epochs {
                events(.earlyStop(epoch: epoch, bestEpoch: bestEpoch))
                log?(Self.jsonLine(["event": "early_stop", "epoch": epoch, "best_epoch": bestEpoch]))
                break
            }
        }

        // The best epoch's weights, evaluated once on validation and test.
        var final = model
        final.weights = bestWeights ?? session.weights()
        final.training?.checkpoint = nil
        final.provenance.notes.append(c.scratch
            ? "trained from scratch by graft (\(dataset.name), best epoch \(bestEpoch))"
            : "fine-tuned by graft from \(c.tuneFrom ?? "all layers") (\(dataset.name), best epoch \(bestEpoch))")
        let predictor = try Predictor(model: final, pipeline: pipeline, batchSize: batch)
        let validationMetrics = ClassificationMetrics(probabilities: try predictor.probabilities(validationBank.images),
                                                      labels: validationBank.labels, bootstrap: 1000, seed: c.seed)
        let testProbabilities = try predictor.probabilities(testBank.images)
        let testMetrics = ClassificationMetrics(probabilities: testProbabilities, labels: testBank.labels, bootstrap: 1000, seed: c.seed)
        log?(Self.jsonLine(["event": "result", "best_epoch": bestEpoch, "validation_auc": validationMetrics.auc,
                            "test_auc": testMetrics.auc, "test_auc_low": testMetrics.aucLow, "test_auc_high": testMetrics.aucHigh,
                            "test_accuracy": testMetrics.accuracy]))
        return TuneOutcome(model: final, history: history, bestEpoch: bestEpoch, summary: summary, validation: validationMetrics,
                           test: testMetrics, testProbabilities: testProbabilities, testLabels: testBank.labels, testIDs: testBank.ids)
    }

    /// Layer-sequential unit-variance scaling (Mishkin & Matas, ICLR 2016): each convolution,
    /// deconvolution and inner product, in order, has its weights divided by the standard deviation
    /// of its outputs on `input`. He initialisation assumes unit-scale inputs; Caffe-era nets take
    /// 0-255 pixels, and without this a from-scratch run can diverge in its first steps.
    static func unitVarianceScaled(_ model: Model, input: Tensor) throws(TrainingError) -> Model {
        var scaled = model
        for node in model.graph.nodes {
            switch node.op {
            case .convolution, .deconvolution, .innerProduct: break
            default: continue
            }
            let key = node.tensorName("weight")
            guard var weight = scaled.weights[key], let value = node.outputs.first else { continue }
            let output: Tensor
            do {
                let executor = try ForwardExecutor(graph: scaled.graph, weights: scaled.weights, batchSize: input.shape[0],
                                                   retaining: .outputs(plus: [value]))
                output = try executor.run(inputs: [scaled.graph.inputs[0].name: input], outputs: [value])[value]!
            } catch { throw .engine(error) }
            let std = TensorStatistics(output.scalars).std
            guard std.isFinite, std > 1e-8 else { continue }
            let factor = Float(1 / std)
            for i in weight.scalars.indices { weight.scalars[i] *= factor }
            scaled.weights[key] = weight
            if let bias = scaled.weights[node.tensorName("bias")] {
                scaled.weights[node.tensorName("bias")] = Tensor(shape: bias.shape, scalars: bias.scalars.map { $0 * factor })
            }
        }
        return scaled
    }

    /// One JSON object on one line (sorted keys; non-finite numbers become null).
    static func jsonLine(_ fields: [String: any Encodable]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var parts: [String] = []
        for key in fields.keys.sorted() {
            let value = (try? encoder.encode(AnyEncodable(fields[key]!))).map { String(decoding: $0, as: UTF8.self) } ?? "null"
            parts.append("\"\(key)\":\(value)")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

/// A pointer handed to concurrent workers that write disjoint ranges.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}

private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
