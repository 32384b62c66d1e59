extension CaffeParam {
    /// `EltwiseParameter`: element-wise product, (weighted) sum or maximum of the bottoms.
    public struct Eltwise: Equatable, Sendable {
        /// `EltwiseParameter.EltwiseOp`.
        public enum Operation: Int32, CaffeEnum {
            /// Product, sum (weighted by `coeff`) or maximum of the bottoms.
            case prod = 0, sum = 1, max = 2
            public static let protoNames = ["PROD", "SUM", "MAX"]
            public static let protoTypeName = "EltwiseParameter.EltwiseOp"
        }

        /// `operation`: product, sum or maximum.
        public var operation: Operation = .sum
        /// One coefficient per bottom for SUM; empty means all ones.
        public var coeff: [Float] = []
        /// `stable_prod_grad`: how Caffe computes the product's gradient (no effect on the forward pass).
        public var stableProdGrad = true

        /// Every field at its default.
        public init() {}
    }

    /// `ConcatParameter`. The deprecated `concat_dim` wins when set, as in Caffe.
    public struct Concat: Equatable, Sendable {
        /// `axis`: the axis the bottoms are joined along.
        public var axis = 1
        /// nil when absent (its declared default is 1).
        public var concatDim: Int?

        /// Every field at its default.
        public init() {}
    }

    /// `SliceParameter`. The deprecated `slice_dim` wins when set, as in Caffe.
    public struct Slice: Equatable, Sendable {
        /// `axis`: the axis split along.
        public var axis = 1
        /// `slice_point`: where the pieces after the first begin (none: equal parts).
        public var slicePoint: [Int] = []
        /// nil when absent (its declared default is 1).
        public var sliceDim: Int?

        /// Every field at its default.
        public init() {}
    }

    /// `FlattenParameter`.
    public struct Flatten: Equatable, Sendable {
        /// `axis`: the first axis flattened.
        public var axis = 1
        /// `end_axis`: the last axis flattened (-1: the last).
        public var endAxis = -1

        /// Every field at its default.
        public init() {}
    }

    /// `ReshapeParameter`: 0 copies a bottom dimension, -1 infers one.
    public struct Reshape: Equatable, Sendable {
        /// The `shape` block's dims, nil when the block is absent.
        public var shape: [Int]?
        /// `axis`: the first bottom axis replaced.
        public var axis = 0
        /// `num_axes`: bottom axes replaced (-1: all from `axis` on).
        public var numAxes = -1

        /// Every field at its default.
        public init() {}
    }

    /// `CropParameter`: crops the first bottom to the second's shape from `axis` on.
    public struct Crop: Equatable, Sendable {
        /// `axis`: the first axis cropped.
        public var axis = 2
        /// One offset for all cropped axes, or one per axis.
        public var offset: [Int] = []

        /// Every field at its default.
        public init() {}
    }

    /// `InputParameter`: one shape per top, or one shape for all tops.
    public struct Input: Equatable, Sendable {
        /// `shape`: the dims of each top (or one for all).
        public var shape: [[Int]] = []

        /// Every field at its default.
        public init() {}
    }
}
