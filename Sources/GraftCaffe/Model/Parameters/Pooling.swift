extension CaffeParam {
    /// `PoolingParameter`. Unlike convolution, the sizes are scalars; `kernel_size`, the `_h`/`_w`
    /// pairs and the `stride`/`pad` overrides are optional because Caffe checks which were set.
    public struct Pooling: Equatable, Sendable {
        /// `PoolingParameter.PoolMethod`.
        public enum Method: Int32, CaffeEnum {
            /// The window's maximum, its average, or an element drawn in proportion to its value.
            case max = 0, ave = 1, stochastic = 2
            public static let protoNames = ["MAX", "AVE", "STOCHASTIC"]
            public static let protoTypeName = "PoolingParameter.PoolMethod"
        }

        /// `PoolingParameter.RoundMode`: how the output size is rounded (Caffe's default is ceil).
        public enum RoundMode: Int32, CaffeEnum {
            /// Round the output size up (Caffe's default) or down.
            case ceil = 0, floor = 1
            public static let protoNames = ["CEIL", "FLOOR"]
            public static let protoTypeName = "PoolingParameter.RoundMode"
        }

        /// `pool`: max, average or stochastic.
        public var pool: Method = .max
        /// `pad`: padding on every side.
        public var pad = 0
        /// `pad_h`, nil when absent.
        public var padH: Int?
        /// `pad_w`, nil when absent.
        public var padW: Int?
        /// `kernel_size`, nil when absent.
        public var kernelSize: Int?
        /// `kernel_h`, nil when absent.
        public var kernelH: Int?
        /// `kernel_w`, nil when absent.
        public var kernelW: Int?
        /// `stride` on both axes.
        public var stride = 1
        /// `stride_h`, nil when absent.
        public var strideH: Int?
        /// `stride_w`, nil when absent.
        public var strideW: Int?
        /// `engine`: which implementation Caffe runs (no effect on the result).
        public var engine: CaffeEngine = .default
        /// Pool over the whole spatial extent; kernel and padding are ignored.
        public var globalPooling = false
        /// `round_mode`: how the output size is rounded (see ``rounding`` for the one in effect).
        public var roundMode: RoundMode = .ceil
        /// `ceil_mode`, the forks' older spelling of ``roundMode`` (DenseNet, SENet and OpenCV use
        /// it; `false` is ``RoundMode/floor``). Text only: the forks number it 13, which is BVLC's
        /// `round_mode` with the opposite meaning (`ceil_mode: false` and `round_mode: CEIL` are
        /// the same bytes), so a caffemodel's field 13 is always read as `round_mode`.
        public var ceilMode: Bool?

        /// The rounding in effect: `ceil_mode` when given, else `round_mode`.
        public var rounding: RoundMode { ceilMode.map { $0 ? .ceil : .floor } ?? roundMode }

        /// Every field at its default.
        public init() {}
    }
}
