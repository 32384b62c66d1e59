extension CaffeParam {
    /// `FillerParameter`: how Caffe initialises a blob before training. Kept so fine-tuning can
    /// re-initialise new layers the way the net's author asked.
    public struct Filler: Equatable, Sendable {
        /// `FillerParameter.VarianceNorm`.
        public enum VarianceNorm: Int32, CaffeEnum {
            case fanIn = 0, fanOut = 1, average = 2
            public static let protoNames = ["FAN_IN", "FAN_OUT", "AVERAGE"]
            public static let protoTypeName = "FillerParameter.VarianceNorm"
        }

        public var type = "constant"
        public var value: Float = 0
        public var min: Float = 0
        public var max: Float = 1
        public var mean: Float = 0
        public var std: Float = 1
        /// Gaussian filler sparsity; -1 means dense.
        public var sparse = -1
        public var varianceNorm: VarianceNorm = .fanIn

        public init() {}
    }
}
