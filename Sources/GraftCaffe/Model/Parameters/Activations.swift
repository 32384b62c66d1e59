extension CaffeParam {
    /// `ReLUParameter`; a non-zero slope makes it a leaky ReLU.
    public struct ReLU: Equatable, Sendable {
        /// `negative_slope`: the slope for negative inputs (0: plain ReLU).
        public var negativeSlope: Float = 0
        /// `engine`: which implementation Caffe runs (no effect on the result).
        public var engine: CaffeEngine = .default

        /// Every field at its default.
        public init() {}
    }

    /// `PReLUParameter`: the slopes themselves are the layer's blob.
    public struct PReLU: Equatable, Sendable {
        /// `filler`: how Caffe initialises the blob.
        public var filler: Filler?
        /// One slope for all channels instead of one per channel.
        public var channelShared = false

        /// Every field at its default.
        public init() {}
    }

    /// `ELUParameter`.
    public struct ELU: Equatable, Sendable {
        /// `alpha`: the limit of the output for large negative inputs is `-alpha`.
        public var alpha: Float = 1

        /// Every field at its default.
        public init() {}
    }

    /// `PowerParameter`: `y = (shift + scale * x) ^ power`.
    public struct Power: Equatable, Sendable {
        /// `power`: the exponent.
        public var power: Float = 1
        /// `scale`: multiplies the input first.
        public var scale: Float = 1
        /// `shift`: added after the scale.
        public var shift: Float = 0

        /// Every field at its default.
        public init() {}
    }

    /// `ThresholdParameter`: `y = x > threshold ? 1 : 0`.
    public struct Threshold: Equatable, Sendable {
        /// `threshold`.
        public var threshold: Float = 0

        /// Every field at its default.
        public init() {}
    }

    /// `SoftmaxParameter`.
    public struct Softmax: Equatable, Sendable {
        /// `engine`: which implementation Caffe runs (no effect on the result).
        public var engine: CaffeEngine = .default
        /// `axis`: the axis the probabilities sum to 1 along.
        public var axis = 1

        /// Every field at its default.
        public init() {}
    }

    /// `DropoutParameter`; identity at inference.
    public struct Dropout: Equatable, Sendable {
        /// `dropout_ratio`: the probability of zeroing an element in training.
        public var dropoutRatio: Float = 0.5

        /// Every field at its default.
        public init() {}
    }
}
