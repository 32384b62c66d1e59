extension CaffeParam {
    /// `EltwiseParameter`: element-wise product, (weighted) sum or maximum of the bottoms.
    public struct Eltwise: Equatable, Sendable {
        /// `EltwiseParameter.EltwiseOp`.
        public enum Operation: Int32, CaffeEnum {
            case prod = 0, sum = 1, max = 2
            public static let protoNames = ["PROD", "SUM", "MAX"]
            public static let protoTypeName = "EltwiseParameter.EltwiseOp"
        }

        public var operation: Operation = .sum
        /// One coefficient per bottom for SUM; empty means all ones.
        public var coeff: [Float] = []
        public var stableProdGrad = true

        public init() {}
    }

    /// `ConcatParameter`. The deprecated `concat_dim` wins when set, as in Caffe.
    public struct Concat: Equatable, Sendable {
        public var axis = 1
        /// nil when absent (its declared default is 1).
        public var concatDim: Int?

        public init() {}
    }

    /// `SliceParameter`. The deprecated `slice_dim` wins when set, as in Caffe.
    public struct Slice: Equatable, Sendable {
        public var axis = 1
        public var slicePoint: [Int] = []
        /// nil when absent (its declared default is 1).
        public var sliceDim: Int?

        public init() {}
    }

    /// `FlattenParameter`.
    public struct Flatten: Equatable, Sendable {
        public var axis = 1
        public var endAxis = -1

        public init() {}
    }

    /// `ReshapeParameter`: 0 copies a bottom dimension, -1 infers one.
    public struct Reshape: Equatable, Sendable {
        /// The `shape` block's dims, nil when the block is absent.
        public var shape: [Int]?
        public var axis = 0
        public var numAxes = -1

        public init() {}
    }

    /// `CropParameter`: crops the first bottom to the second's shape from `axis` on.
    public struct Crop: Equatable, Sendable {
        public var axis = 2
        /// One offset for all cropped axes, or one per axis.
        public var offset: [Int] = []

        public init() {}
    }

    /// `InputParameter`: one shape per top, or one shape for all tops.
    public struct Input: Equatable, Sendable {
        public var shape: [[Int]] = []

        public init() {}
    }
}
