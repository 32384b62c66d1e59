import GraftCore
import GraftData
import GraftEngine

/// Everything that defines one fine-tuning (or from-scratch) run. Stored as JSON in every
/// checkpoint: a resumed run must be the same run.
public struct TuneConfiguration: Codable, Equatable, Sendable {
    /// The update rule (GraftEngine's `SGD` or `Adam`).
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        /// SGD with momentum.
        case sgd
        /// Adam.
        case adam
    }
    /// How the learning rate decays over the run (GraftEngine's `LearningRateSchedule`).
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
        /// A constant rate.
        case fixed
        /// Multiplied by ``TuneConfiguration/gamma`` every ``TuneConfiguration/stepEpochs`` epochs.
        case step
        /// A half cosine down to 0 over the run.
        case cosine
        /// A linear decay to 0 over the run (Caffe's "poly" with power 1).
        case poly
    }
    /// How class imbalance is handled.
    public enum Balance: String, Codable, Sendable, CaseIterable {
        /// Nothing: every class as it comes.
        case none
        /// Loss weights inversely proportional to class frequency in the training split.
        case weights
        /// Batches drawn so that every class is equally likely.
        case sampling
    }

    /// Epochs to train (at most).
    public var epochs: Int = 30
    /// Images per batch.
    public var batchSize: Int = 32
    /// The base learning rate (fine-tuning).
    public var learningRate: Float = 0.001
    /// SGD's momentum.
    public var momentum: Float = 0.9
    /// L2 weight decay.
    public var weightDecay: Float = 0.0005
    /// The update rule.
    public var optimizer: OptimizerKind = .sgd
    /// How the learning rate decays.
    public var schedule: ScheduleKind = .fixed
    /// Step schedule: multiply the rate by `gamma` every `stepEpochs` epochs.
    public var stepEpochs: Int = 10
    /// The step schedule's factor.
    public var gamma: Float = 0.1
    /// Epochs of linear warm-up from a tenth of the rate (0: none).
    public var warmupEpochs: Int = 0
    /// Clip the global gradient norm to this before every update (nil: no clipping).
    public var gradientClipNorm: Float?
    /// Seeds the run's random streams (data order, augmentation, dropout, new head).
    public var seed: UInt64 = 0
    /// Seed of the train/validation/test split; nil uses `seed`. A study fixes it so that every
    /// cell is tested on the same images while `seed` varies the rest.
    public var splitSeed: UInt64?
    /// Freeze every trainable layer before this node; nil tunes all layers.
    public var tuneFrom: String?
    /// Replace the classifier with a new head of the dataset's class count.
    public var newHead: Bool = true
    /// Learning-rate multiplier of the new head (the paper trains it faster).
    public var headLearningRateBoost: Float = 10
    /// Re-initialise every weight: the from-scratch baseline.
    public var scratch: Bool = false
    /// Base learning rate when training from scratch; nil: a tenth of `learningRate`. Fresh
    /// weights on 0-255 pixel inputs (Caffe-era nets) diverge at rates that fine-tuning takes well.
    public var scratchLearningRate: Float?

    /// The base learning rate this run uses.
    public var effectiveLearningRate: Float { scratch ? (scratchLearningRate ?? learningRate / 10) : learningRate }
    /// Random changes to training images.
    public var augmentation: Augmentation = .none
    /// How class imbalance is handled.
    public var balance: Balance = .none
    /// Fraction of the training split used (training-set size sweeps); nested across fractions.
    public var trainFraction: Double = 1
    /// Fraction of the data held out for validation.
    public var validationFraction: Double = 0.15
    /// Fraction of the data held out for testing.
    public var testFraction: Double = 0.15
    /// Stop after this many epochs without a better validation AUC (0: never).
    public var patience: Int = 0
    /// Skip unreadable or too small images (counted) instead of failing.
    public var skipBad: Bool = false
    /// Images smaller than this on a side are bad.
    public var minimumImageSize: Int = 8

    /// The defaults above.
    public init() {}

    /// Checks the values a user can get wrong.
    public func validate() throws(TrainingError) {
        func check(_ ok: Bool, _ message: String) throws(TrainingError) { if !ok { throw .configuration(message) } }
        try check(epochs >= 1, "epochs must be at least 1")
        try check(batchSize >= 1, "batch size must be at least 1")
        try check(learningRate > 0 && learningRate.isFinite, "learning rate must be positive")
        try check(gradientClipNorm.map { $0 > 0 && $0.isFinite } ?? true, "the gradient clipping norm must be positive")
        try check((0..<1).contains(momentum), "momentum must be in [0, 1)")
        try check(weightDecay >= 0, "weight decay must be non-negative")
        try check(trainFraction > 0 && trainFraction <= 1, "training fraction must be in (0, 1]")
        try check(validationFraction > 0 && testFraction > 0 && validationFraction + testFraction < 1,
                  "validation and test fractions must be positive and sum below 1")
        try check(stepEpochs >= 1 && gamma > 0, "step schedule needs stepEpochs >= 1 and gamma > 0")
    }
}

/// A training run that cannot start or continue. Cases name what is wrong.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting is out of range.
    case configuration(String)
    /// The dataset could not be read, split or prepared (the typed error names the file or class).
    case dataset(DatasetError)
    /// A problem with the data found by the run itself (an empty split, a bad image).
    case data(String)
    /// The model cannot be prepared for the task (e.g. its classifier cannot take a new head).
    case graph(GraphError)
    /// The model cannot serve as a classifier (e.g. not one input).
    case model(String)
    /// The engine refused to plan or run a step (the typed error names the node or value).
    case engine(ExecutionError)
    /// A checkpoint or results file could not be read or written.
    case checkpoint(path: String, reason: String)
    /// The training loss became NaN or infinite: the run stopped before writing such weights.
    case diverged(epoch: Int, batch: Int, loss: Float)

    public var description: String {
        switch self {
        case .configuration(let m): "invalid configuration: \(m)"
        case .dataset(let e): e.description
        case .data(let m): m
        case .graph(let e): e.description
        case .model(let m): m
        case .engine(let e): e.description
        case .checkpoint(let p, let r): "\(p): \(r)"
        case .diverged(let epoch, let batch, let loss): "the loss became \(loss) at epoch \(epoch), batch \(batch): lower the learning rate (--lr)"
        }
    }
}
