extension CaffeParam {
    /// `FillerParameter`: how Caffe initialises a blob before training. Kept so fine-tuning can
    /// re-initialise new layers the way the net's author asked.
    public struct Filler: Equatable, Sendable {
        /// `FillerParameter.VarianceNorm`.
        public enum VarianceNorm: Int32, CaffeEnum {
            /// Scale by the fan-in, the fan-out, or their average.
            case fanIn = 0, fanOut = 1, average = 2
            public static let protoNames = ["FAN_IN", "FAN_OUT", "AVERAGE"]
            public static let protoTypeName = "FillerParameter.VarianceNorm"
        }

        /// `type`: "constant", "gaussian", "uniform", "xavier", "msra", ...
        public var type = "constant"
        /// `value` of the constant filler.
        public var value: Float = 0
        /// `min` of the uniform filler.
        public var min: Float = 0
        /// `max` of the uniform filler.
        public var max: Float = 1
        /// `mean` of the Gaussian filler.
        public var mean: Float = 0
        /// `std` of the Gaussian filler.
        public var std: Float = 1
        /// Gaussian filler sparsity; -1 means dense.
        public var sparse = -1
        /// `variance_norm`: the fan the xavier and msra fillers scale by.
        public var varianceNorm: VarianceNorm = .fanIn

        /// Every field at its default.
        public init() {}
    }
}
