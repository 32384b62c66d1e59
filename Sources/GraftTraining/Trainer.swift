import Foundation
import GraftMetrics
import GraftCore
import GraftData
import GraftEngine
import GraftImage

/// One epoch's figures, as logged and reported.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The epoch's number, 1 up.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Validation AUC after the epoch; nil when it is undefined.
    public var validationAUC: Double?
    /// Validation accuracy after the epoch.
    public var validationAccuracy: Double
    /// The session's learning rate at the end of the epoch.
    public var learningRate: Float
    /// Training throughput.
    public var imagesPerSecond: Double
    /// Wall-clock time of the epoch, validation included.
    public var seconds: Double
    /// The best validation AUC so far (this epoch's weights were kept).
    public var best: Bool
}

/// What a run is about to do.
public struct TrainerSummary: Codable, Equatable, Sendable {
    /// The class names.
    public var classes: [String]
    /// Training images.
    public var trainCount: Int
    /// Validation images.
    public var validationCount: Int
    /// Test images.
    public var testCount: Int
    /// Images skipped as unreadable or too small.
    public var skippedImages: Int
    /// Parameter tensors the run trains.
    public var trainedParameters: Int
    /// The nodes of the frozen prefix.
    public var frozenPrefix: [String]
    /// How many tensors saved frozen (Keras `trainable: false`) this run trains, because the
    /// chosen depth reaches them.
    public var liftedFreeze: Int
    /// The frozen prefix's outputs are computed once and reused every epoch.
    public var usesFeatureCache: Bool
    /// Batches per epoch.
    public var batchesPerEpoch: Int
    /// Epochs already finished (non-zero when resuming).
    public var startEpoch: Int
}

/// Progress reported while training.
public enum TrainerEvent: Sendable {
    /// The run is about to train.
    case started(TrainerSummary)
    /// A batch was trained.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Float, imagesPerSecond: Double)
    /// An epoch was trained and validated.
    case epochFinished(EpochRecord)
    /// Training stopped early: no better validation AUC for `patience` epochs.
    case earlyStop(epoch: Int, bestEpoch: Int)
}

/// The result of a run: the model with the best validation AUC's weights, and its metrics.
public struct TuneOutcome: Sendable {
    /// The model with the best epoch's weights.
    public var model: Model
    /// One record per epoch trained.
    public var history: [EpochRecord]
    /// The epoch whose weights were kept.
    public var bestEpoch: Int
    /// What the run did.
    public var summary: TrainerSummary
    /// The kept weights' validation metrics.
    public var validation: ClassificationMetrics
    /// The kept weights' test metrics.
    public var test: ClassificationMetrics
    /// Class probabilities of every test image.
    public var testProbabilities: [[Float]]
    /// The test images' labels.
    public var testLabels: [Int]
    /// The test images' sample identifiers.
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
    /// The run's settings.
    public let configuration: TuneConfiguration
    /// The data trained on.
    public let dataset: Dataset
    /// Its training, validation and test splits.
    public let splits: DatasetSplits
    /// The part of the training split used (``TuneConfiguration/trainFraction``).
    public let trainSamples: [Sample]
    /// The model as training starts: head replaced and/or re-initialised.
    public let initialModel: Model
    /// Tensors saved frozen (Keras `trainable: false`) that this run trains because its
    /// `tuneFrom` (or `scratch`) reaches them.
    public let liftedFreeze: [String]
    /// Turns an image into the model's input.
    public let pipeline: ImagePipeline
    private let configurationJSON: String

    /// Checks the configuration, splits the data and prepares the model (new head, re-initialisation).
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
        // 1. The images, decoded once.
        let images = try RunImages(self)
        // 2. Where to start: fresh, or from the last checkpoint.
        let checkpoints = try checkpointDirectory.map { (directory) throws(TrainingError) in try CheckpointFiles(directory: directory) }
        let fresh = RunProgress(model: initialModel, rng: SeededGenerator(seed: RunSeeds(base: configuration.seed).order))
        let progress = resume ? try checkpoints?.restore(configuration: configurationJSON) ?? fresh : fresh
        // 3. The session, and the frozen prefix's features when they are reused.
        let run = try TrainingRun(trainer: self, images: images, progress: progress)
        events(.started(run.summary))
        log?(Self.jsonLine(["event": "start", "summary": run.summary]))
        try run.cacheFeatures()
        run.bestWeights = try checkpoints?.bestWeights(for: run.progress)
        // 4. The epochs, each checkpointed, until the last, early stopping or `stopAfter`.
        let lastEpoch = min(configuration.epochs, stopAfter.map { run.progress.epoch + $0 } ?? configuration.epochs)
        while run.progress.epoch < lastEpoch {
            let record = try run.trainEpoch(events: events)
            if let checkpoints {
                if record.best { try checkpoints.write(run.checkpointModel(state: nil), to: checkpoints.best) }
                try checkpoints.write(run.checkpointModel(state: run.checkpointState(configuration: configurationJSON)), to: checkpoints.last)
            }
            events(.epochFinished(record))
            log?(Self.jsonLine(["event": "epoch", "record": record]))
            if run.patienceRunOut {
                events(.earlyStop(epoch: run.progress.epoch, bestEpoch: run.progress.bestEpoch))
                log?(Self.jsonLine(["event": "early_stop", "epoch": run.progress.epoch, "best_epoch": run.progress.bestEpoch]))
                break
            }
        }
        // 5. The best epoch's weights, evaluated once on validation and test.
        return try run.outcome(log: log)
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

private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
