extension CaffeParam {
    /// `LRNParameter`: local response normalisation (AlexNet, CaffeNet, CIFAR-10 full).
    public struct LRN: Equatable, Sendable {
        /// `LRNParameter.NormRegion`.
        public enum NormRegion: Int32, CaffeEnum {
            case acrossChannels = 0, withinChannel = 1
            public static let protoNames = ["ACROSS_CHANNELS", "WITHIN_CHANNEL"]
            public static let protoTypeName = "LRNParameter.NormRegion"
        }

        public var localSize = 5
        public var alpha: Float = 1
        public var beta: Float = 0.75
        public var normRegion: NormRegion = .acrossChannels
        public var k: Float = 1
        public var engine: CaffeEngine = .default

        public init() {}
    }

    /// `BatchNormParameter`. Caffe's BatchNorm stores mean, variance and a scale factor that both
    /// must be divided by; the affine part is a separate Scale layer.
    public struct BatchNorm: Equatable, Sendable {
        /// nil: Caffe uses the stored statistics in the TEST phase and batch statistics in TRAIN.
        public var useGlobalStats: Bool?
        public var movingAverageFraction: Float = 0.999
        public var eps: Float = 1e-5

        public init() {}
    }

    /// `ScaleParameter`: multiplies by a learned (one bottom) or given (two bottoms) blob.
    public struct Scale: Equatable, Sendable {
        public var axis = 1
        public var numAxes = 1
        public var filler: Filler?
        public var biasTerm = false
        public var biasFiller: Filler?

        public init() {}
    }

    /// `BiasParameter`: adds a learned (one bottom) or given (two bottoms) blob.
    public struct Bias: Equatable, Sendable {
        public var axis = 1
        public var numAxes = 1
        public var filler: Filler?

        public init() {}
    }
}
