/// What fine-tuning needs beyond the weights: per-parameter learning-rate and decay multipliers
/// (Caffe's `lr_mult`/`decay_mult`), frozen flags, and class labels.
public struct TrainingMetadata: Codable, Equatable, Sendable {
    /// How one parameter tensor is trained.
    public struct ParameterSettings: Codable, Equatable, Sendable {
        /// Multiplies the base learning rate (Caffe's `lr_mult`).
        public var learningRateMultiplier: Float
        /// Multiplies the weight decay (Caffe's `decay_mult`).
        public var decayMultiplier: Float
        /// Never updated (Keras `trainable: false`).
        public var frozen: Bool
        /// Settings with both multipliers 1 and not frozen by default.
        public init(learningRateMultiplier: Float = 1, decayMultiplier: Float = 1, frozen: Bool = false) {
            self.learningRateMultiplier = learningRateMultiplier
            self.decayMultiplier = decayMultiplier
            self.frozen = frozen
        }
    }

    /// Settings keyed by tensor name (`<node>.<param>`); a parameter not listed uses the defaults.
    public var parameters: [String: ParameterSettings]
    /// One label per output class, in output order.
    public var classLabels: [String]
    /// Set in checkpoints written during training.
    public var checkpoint: CheckpointState?

    /// Training metadata; empty by default.
    public init(parameters: [String: ParameterSettings] = [:], classLabels: [String] = [], checkpoint: CheckpointState? = nil) {
        self.parameters = parameters
        self.classLabels = classLabels
        self.checkpoint = checkpoint
    }

    /// Tensor names marked frozen.
    public var frozenTensors: Set<String> { Set(parameters.filter { $0.value.frozen }.keys) }
}
