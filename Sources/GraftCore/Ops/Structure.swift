/// Joins its inputs along `axis`.
public struct Concat: Codable, Equatable, Sendable {
    /// The axis the inputs are joined along.
    public var axis: Int
    /// A concatenation along the channels unless told otherwise.
    public init(axis: Int = 1) { self.axis = axis }
}

/// Element-wise combination of two or more inputs of the same shape.
public struct Eltwise: Codable, Equatable, Sendable {
    /// How the inputs combine.
    public enum Operation: String, Codable, Sendable {
        /// The (weighted) sum.
        case sum
        /// The product.
        case product
        /// The largest.
        case max
    }
    /// How the inputs combine.
    public var operation: Operation
    /// Per-input coefficients for `sum` (Caffe `coeff`); empty means all ones.
    public var coefficients: [Float]

    /// An element-wise `operation`, every coefficient 1 unless given.
    public init(operation: Operation, coefficients: [Float] = []) {
        self.operation = operation
        self.coefficients = coefficients
    }
}

/// Flattens dims `axis ... endAxis` into one.
///
/// `order` records the element order of the flattened vector: `channelsFirst` is plain NCHW
/// row-major; `channelsLast` flattens a 4-D NCHW input as if it were NHWC (Keras's Flatten),
/// so a following dense layer computes the same function as in the source framework.
public struct Flatten: Codable, Equatable, Sendable {
    /// The element order of the flattened vector.
    public enum Order: String, Codable, Sendable {
        /// NCHW row-major.
        case channelsFirst
        /// As if the 4-D input were NHWC (Keras's Flatten).
        case channelsLast
    }
    /// The first axis flattened.
    public var axis: Int
    /// The last axis flattened (-1: the last axis).
    public var endAxis: Int
    /// The element order of the flattened vector.
    public var order: Order

    /// Flattens every axis after the batch, in NCHW order, unless told otherwise.
    public init(axis: Int = 1, endAxis: Int = -1, order: Order = .channelsFirst) {
        self.axis = axis
        self.endAxis = endAxis
        self.order = order
    }
}

/// Reshape with Caffe's conventions: `0` copies the input dimension at that position, `-1`
/// (at most once) is inferred. The shape covers every dimension including the batch.
public struct Reshape: Codable, Equatable, Sendable {
    /// The output shape, batch included, with Caffe's `0` and `-1`.
    public var shape: [Int]
    /// A reshape to `shape`.
    public init(shape: [Int]) { self.shape = shape }
}

/// Transpose: output dim `i` is input dim `order[i]`.
public struct Permute: Codable, Equatable, Sendable {
    /// The input axis of each output axis.
    public var order: [Int]
    /// A transpose by `order`.
    public init(order: [Int]) { self.order = order }
}

/// Crops the first input from `axis` on.
///
/// With two inputs (Caffe), the output takes the second input's dims from `axis` on and starts at
/// `offsets` (one per axis, or one for all). With one input (Keras Cropping2D), `offsets` are cut
/// from the start and `endCrops` from the end of each axis.
public struct Crop: Codable, Equatable, Sendable {
    /// The first axis cropped.
    public var axis: Int
    /// Where the crop starts on each axis (or one for all).
    public var offsets: [Int]
    /// One input: what is cut from the end of each axis.
    public var endCrops: [Int]

    /// A crop of the spatial axes at offset 0 unless told otherwise.
    public init(axis: Int = 2, offsets: [Int] = [0], endCrops: [Int] = []) {
        self.axis = axis
        self.offsets = offsets
        self.endCrops = endCrops
    }
}

/// Splits the input along `axis` at `points` into one output per piece (Caffe Slice).
/// Empty `points` splits into equal parts, one per output.
public struct Slice: Codable, Equatable, Sendable {
    /// The axis split along.
    public var axis: Int
    /// Where the pieces begin after the first, in increasing order.
    public var points: [Int]
    /// A split of the channels into equal parts unless `points` are given.
    public init(axis: Int = 1, points: [Int] = []) {
        self.axis = axis
        self.points = points
    }
}

/// Constant padding of the spatial dims (H, W) of an NCHW tensor.
public struct Pad: Codable, Equatable, Sendable {
    /// [top, left].
    public var padBegin: [Int]
    /// [bottom, right].
    public var padEnd: [Int]
    /// The value of the padding.
    public var value: Float

    /// Constant padding; `padEnd` defaults to `padBegin`, the value to 0.
    public init(padBegin: [Int], padEnd: [Int]? = nil, value: Float = 0) {
        self.padBegin = padBegin
        self.padEnd = padEnd ?? padBegin
        self.value = value
    }
}

/// A tensor stored in the model: no inputs, one output, parameter `value` of `shape` (which has
/// no batch axis unless the source gave it one; Eltwise broadcasts it against batched values).
/// ONNX initializers used as operands (`Add(x, B)`, `Mul(x, S)`) and Caffe's PriorBox grids
/// become constants. Trainable like any parameter unless frozen.
public struct Constant: Codable, Equatable, Sendable {
    /// The tensor's shape.
    public var shape: Shape
    /// The source layer an importer evaluated into this constant, when that layer's output
    /// depends only on the shapes of its inputs (Caffe's PriorBox); nil for a stored tensor.
    public var origin: ConstantOrigin?

    /// A constant of `shape`, stored unless `origin` says it was evaluated.
    public init(shape: Shape, origin: ConstantOrigin? = nil) {
        self.shape = shape
        self.origin = origin
    }
}

/// A layer evaluated at import into a ``Constant``, kept so that an exporter to its framework can
/// write the layer back (a PriorBox that recomputes its grid) instead of a tensor it cannot hold.
public struct ConstantOrigin: Codable, Equatable, Sendable {
    /// The layer as the source wrote it: framework, type and raw parameters.
    public var layer: Opaque
    /// The values whose shapes the layer read, by name; not node inputs, so nothing is computed
    /// from them at run time.
    public var inputs: [String]

    /// A record of `layer`, which read the shapes of `inputs`.
    public init(layer: Opaque, inputs: [String]) {
        self.layer = layer
        self.inputs = inputs
    }
}

/// A layer Graft cannot execute, kept whole so that nothing is lost: its framework, type name,
/// raw parameters (as the source wrote them) and weights. Shape inference stops at it unless the
/// source recorded `outputShapes`.
public struct Opaque: Codable, Equatable, Sendable {
    /// The framework the layer comes from, e.g. "caffe".
    public var framework: String
    /// The layer's type name in that framework.
    public var type: String
    /// The source's parameters verbatim (prototxt text, Keras config JSON, ...).
    public var rawParameters: String
    /// Output shapes when the source recorded them (one per output), else empty.
    public var outputShapes: [Shape]

    /// A kept layer, with its raw parameters and output shapes when known.
    public init(framework: String, type: String, rawParameters: String = "", outputShapes: [Shape] = []) {
        self.framework = framework
        self.type = type
        self.rawParameters = rawParameters
        self.outputShapes = outputShapes
    }
}
