extension CaffeParam {
    /// `ReLUParameter`; a non-zero slope makes it a leaky ReLU.
    public struct ReLU: Equatable, Sendable {
        public var negativeSlope: Float = 0
        public var engine: CaffeEngine = .default

        public init() {}
    }

    /// `PReLUParameter`: the slopes themselves are the layer's blob.
    public struct PReLU: Equatable, Sendable {
        public var filler: Filler?
        /// One slope for all channels instead of one per channel.
        public var channelShared = false

        public init() {}
    }

    /// `ELUParameter`.
    public struct ELU: Equatable, Sendable {
        public var alpha: Float = 1

        public init() {}
    }

    /// `PowerParameter`: `y = (shift + scale * x) ^ power`.
    public struct Power: Equatable, Sendable {
        public var power: Float = 1
        public var scale: Float = 1
        public var shift: Float = 0

        public init() {}
    }

    /// `ThresholdParameter`: `y = x > threshold ? 1 : 0`.
    public struct Threshold: Equatable, Sendable {
        public var threshold: Float = 0

        public init() {}
    }

    /// `SoftmaxParameter`.
    public struct Softmax: Equatable, Sendable {
        public var engine: CaffeEngine = .default
        public var axis = 1

        public init() {}
    }

    /// `DropoutParameter`; identity at inference.
    public struct Dropout: Equatable, Sendable {
        public var dropoutRatio: Float = 0.5

        public init() {}
    }
}
