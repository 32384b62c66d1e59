public import GraftCore

/// What a ``TrainingSession`` trains and how: which parameters learn (everything before a node is
/// frozen), their learning-rate and decay multipliers, the mode, the loss.
///
/// **Frozen prefix.** The nodes before ``trainableFrom`` form the frozen prefix: their parameters
/// get no gradient, no backward pass runs through them, and they always run with inference
/// behaviour (Dropout is the identity, BatchNorm uses its stored statistics), so they are a fixed
/// function of the input. That is what makes their outputs cacheable
/// (``TrainingSession/prefixFeatures(inputs:)``). When ``trainableFrom`` is nil the prefix ends at
/// the first node owning a trainable parameter.
///
/// **Trainable parameters** are those of nodes from ``trainableFrom`` on, except statistics
/// (BatchNorm mean and variance, updated as running averages instead), parameters marked frozen
/// in ``metadata`` or listed in ``frozenParameters``, and parameters whose learning-rate multiplier
/// is 0 (Caffe computes no gradient for those either).
///
/// **Loss.** Softmax cross-entropy from logits against class indices, averaged over the batch (see
/// GraftKernels' `SoftmaxKernels.crossEntropy` for the class-weighted mean). The fused-softmax rule: when
/// ``fuseSoftmax`` is set and the loss output is produced by a Softmax node over axis 1, the loss
/// reads that node's input as the logits and training steps skip the Softmax node (its output is
/// only computed by ``TrainingSession/evaluate(inputs:)``). Otherwise the loss output itself is
/// taken as the logits. Logits must be `[batch, classes]` or `[batch, classes, 1, ...]`.
public struct TrainingPlan: Sendable, Equatable {
    /// `.train`: Dropout drops and BatchNorm (in the trainable part) uses batch statistics;
    /// `.eval`: both behave as at inference, but ``TrainingSession/step(inputs:labels:)`` still
    /// trains.
    public enum Mode: String, Sendable, Equatable {
        /// Training behaviour.
        case train
        /// Inference behaviour.
        case eval
    }

    /// What BatchNorm layers of the trainable part normalise with in `.train` mode.
    public enum BatchNormStatistics: String, Sendable, Equatable {
        /// The batch's statistics, updating the stored ones as running averages (Caffe's
        /// `use_global_stats: false`).
        case batch
        /// The stored statistics, left unchanged: BatchNorm is a per-channel affine map whose
        /// scale and shift may still learn (Caffe's `use_global_stats: true`).
        case frozen
    }

    /// Freeze every node before this one (by node name); nil: see the type's documentation.
    public var trainableFrom: String?
    /// Per-parameter learning-rate and decay multipliers and frozen flags (Caffe's `lr_mult` and
    /// `decay_mult`); nil: every multiplier 1, nothing frozen.
    public var metadata: TrainingMetadata?
    /// More parameters to freeze, by tensor name (`<node>.<parameter>`).
    public var frozenParameters: Set<String>
    /// `.train` or `.eval` behaviour of Dropout and BatchNorm.
    public var mode: Mode
    /// What BatchNorm normalises with in `.train` mode.
    public var batchNormStatistics: BatchNormStatistics
    /// The graph output the loss applies to; nil: the first graph output.
    public var lossOutput: String?
    /// One weight per class for the loss, or nil for equal weights.
    public var classWeights: [Float]?
    /// See the type's documentation.
    public var fuseSoftmax: Bool
    /// Seed of the session's random streams (Dropout masks).
    public var seed: UInt64
    /// Also compute the gradients of the graph inputs (saliency maps, gradient checks). The
    /// backward pass then runs through the frozen prefix too (its parameters stay frozen).
    public var inputGradients: Bool

    /// A plan; by default every trainable parameter learns, in `.train` mode with batch statistics.
    public init(trainableFrom: String? = nil, metadata: TrainingMetadata? = nil, frozenParameters: Set<String> = [],
                mode: Mode = .train, batchNormStatistics: BatchNormStatistics = .batch,
                lossOutput: String? = nil, classWeights: [Float]? = nil, fuseSoftmax: Bool = true,
                seed: UInt64 = 0, inputGradients: Bool = false) {
        self.trainableFrom = trainableFrom
        self.metadata = metadata
        self.frozenParameters = frozenParameters
        self.mode = mode
        self.batchNormStatistics = batchNormStatistics
        self.lossOutput = lossOutput
        self.classWeights = classWeights
        self.fuseSoftmax = fuseSoftmax
        self.seed = seed
        self.inputGradients = inputGradients
    }

    /// The learning-rate and decay multipliers of a parameter (1 and 1 unless the metadata says).
    public func multipliers(for key: String) -> (learningRate: Float, decay: Float) {
        let settings = metadata?.parameters[key]
        return (settings?.learningRateMultiplier ?? 1, settings?.decayMultiplier ?? 1)
    }
}
