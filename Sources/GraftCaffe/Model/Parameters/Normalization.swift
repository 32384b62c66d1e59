extension CaffeParam {
    /// `LRNParameter`: local response normalisation (AlexNet, CaffeNet, CIFAR-10 full).
    public struct LRN: Equatable, Sendable {
        /// `LRNParameter.NormRegion`.
        public enum NormRegion: Int32, CaffeEnum {
            /// Across neighbouring channels, or within a window of one channel.
            case acrossChannels = 0, withinChannel = 1
            public static let protoNames = ["ACROSS_CHANNELS", "WITHIN_CHANNEL"]
            public static let protoTypeName = "LRNParameter.NormRegion"
        }

        /// `local_size`: channels (or the window's side) summed over.
        public var localSize = 5
        /// `alpha`: the scale of the sum of squares (divided by `local_size` or its square).
        public var alpha: Float = 1
        /// `beta`: the exponent.
        public var beta: Float = 0.75
        /// `norm_region`: across channels or within a channel.
        public var normRegion: NormRegion = .acrossChannels
        /// `k`: added to the scaled sum.
        public var k: Float = 1
        /// `engine`: which implementation Caffe runs (no effect on the result).
        public var engine: CaffeEngine = .default

        /// Every field at its default.
        public init() {}
    }

    /// `BatchNormParameter`. Caffe's BatchNorm stores mean, variance and a scale factor that both
    /// must be divided by; the affine part is a separate Scale layer.
    public struct BatchNorm: Equatable, Sendable {
        /// nil: Caffe uses the stored statistics in the TEST phase and batch statistics in TRAIN.
        public var useGlobalStats: Bool?
        /// `moving_average_fraction`: the decay of the running statistics.
        public var movingAverageFraction: Float = 0.999
        /// `eps`: added to the variance.
        public var eps: Float = 1e-5

        /// Every field at its default.
        public init() {}
    }

    /// `ScaleParameter`: multiplies by a learned (one bottom) or given (two bottoms) blob.
    public struct Scale: Equatable, Sendable {
        /// `axis`: the first bottom axis the scale covers.
        public var axis = 1
        /// `num_axes`: axes the scale covers (-1: all from `axis` on).
        public var numAxes = 1
        /// `filler`: how Caffe initialises the blob.
        public var filler: Filler?
        /// `bias_term`: also add a learned bias.
        public var biasTerm = false
        /// `bias_filler`: how Caffe initialises the bias.
        public var biasFiller: Filler?

        /// Every field at its default.
        public init() {}
    }

    /// `BiasParameter`: adds a learned (one bottom) or given (two bottoms) blob.
    public struct Bias: Equatable, Sendable {
        /// `axis`: the first bottom axis the bias covers.
        public var axis = 1
        /// `num_axes`: axes the bias covers (-1: all from `axis` on).
        public var numAxes = 1
        /// `filler`: how Caffe initialises the blob.
        public var filler: Filler?

        /// Every field at its default.
        public init() {}
    }
}
