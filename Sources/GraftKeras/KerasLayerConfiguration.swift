/// A layer's configuration, typed: one case per supported Keras class, with the fields that
/// determine what the layer computes. Initializers, regularizers and constraints are dropped:
/// they do not affect inference or the weights.
public enum KerasLayerConfiguration: Equatable, Sendable {
    case inputLayer(Input)
    case conv2D(Conv2D)
    case depthwiseConv2D(DepthwiseConv2D)
    case separableConv2D(SeparableConv2D)
    case conv2DTranspose(Conv2DTranspose)
    case dense(Dense)
    case flatten(Flatten)
    case batchNormalization(BatchNormalization)
    case activation(KerasActivation)
    case relu(ReLU)
    case leakyReLU(negativeSlope: Double)
    case prelu(sharedAxes: [Int])
    case elu(alpha: Double)
    case maxPooling2D(Pooling2D)
    case averagePooling2D(Pooling2D)
    case globalAveragePooling2D(GlobalPooling2D)
    case globalMaxPooling2D(GlobalPooling2D)
    case zeroPadding2D(ZeroPadding2D)
    case cropping2D(Cropping2D)
    case add
    case multiply
    case concatenate(axis: Int)
    case dropout(rate: Double)
    /// Target shape after the batch dimension; `-1` is inferred.
    case reshape(targetShape: [Int])
    case rescaling(scale: Double, offset: Double)
    case normalization(Normalization)
    /// Any other class (Lambda, custom and nested-model layers, or a supported class with a
    /// setting Graft does not model), kept with its config as compact JSON. Never executed.
    case unsupported(className: String, rawJSON: String)

    public struct Input: Equatable, Sendable {
        /// Dimensions after the batch dimension; nil entries are free.
        public var shape: [Int?]?
        public var batchSize: Int?
        public var dtype: String?
        public var sparse: Bool
    }

    public struct Conv2D: Equatable, Sendable {
        public var filters: Int
        public var kernelSize: KerasSize2D
        public var strides: KerasSize2D
        public var padding: KerasPadding
        public var dataFormat: KerasDataFormat
        public var dilationRate: KerasSize2D
        public var groups: Int
        public var activation: KerasActivation
        public var useBias: Bool
        public var kernelLayout: KerasKernelLayout
    }

    public struct DepthwiseConv2D: Equatable, Sendable {
        public var kernelSize: KerasSize2D
        public var strides: KerasSize2D
        public var padding: KerasPadding
        public var depthMultiplier: Int
        public var dataFormat: KerasDataFormat
        public var dilationRate: KerasSize2D
        public var activation: KerasActivation
        public var useBias: Bool
    }

    public struct SeparableConv2D: Equatable, Sendable {
        public var filters: Int
        public var kernelSize: KerasSize2D
        public var strides: KerasSize2D
        public var padding: KerasPadding
        public var depthMultiplier: Int
        public var dataFormat: KerasDataFormat
        public var dilationRate: KerasSize2D
        public var activation: KerasActivation
        public var useBias: Bool
    }

    public struct Conv2DTranspose: Equatable, Sendable {
        public var filters: Int
        public var kernelSize: KerasSize2D
        public var strides: KerasSize2D
        public var padding: KerasPadding
        /// Extra rows/columns at the bottom/right of the output; nil lets Keras infer it.
        public var outputPadding: KerasSize2D?
        public var dataFormat: KerasDataFormat
        public var dilationRate: KerasSize2D
        public var activation: KerasActivation
        public var useBias: Bool
    }

    public struct Dense: Equatable, Sendable {
        public var units: Int
        public var activation: KerasActivation
        public var useBias: Bool
    }

    public struct Flatten: Equatable, Sendable {
        public var dataFormat: KerasDataFormat
    }

    public struct BatchNormalization: Equatable, Sendable {
        /// The feature axis (-1 = last; may be a spatial axis, as in a real model with axis 1).
        public var axis: Int
        public var epsilon: Double
        public var momentum: Double
        /// Whether a beta (offset) weight exists.
        public var center: Bool
        /// Whether a gamma (scale) weight exists.
        public var scale: Bool
    }

    public struct ReLU: Equatable, Sendable {
        /// Upper clip (6 for ReLU6), nil for none.
        public var maxValue: Double?
        public var negativeSlope: Double
        public var threshold: Double
    }

    public struct Pooling2D: Equatable, Sendable {
        public var poolSize: KerasSize2D
        /// Defaults to the pool size when the config has `null`.
        public var strides: KerasSize2D
        public var padding: KerasPadding
        public var dataFormat: KerasDataFormat
    }

    public struct GlobalPooling2D: Equatable, Sendable {
        public var dataFormat: KerasDataFormat
        /// True keeps the spatial axes as 1x1.
        public var keepdims: Bool
    }

    public struct ZeroPadding2D: Equatable, Sendable {
        public var padding: KerasInsets2D
        public var dataFormat: KerasDataFormat
    }

    public struct Cropping2D: Equatable, Sendable {
        public var cropping: KerasInsets2D
        public var dataFormat: KerasDataFormat
    }

    public struct Normalization: Equatable, Sendable {
        /// The axes kept separate (nil: normalize everything with one mean).
        public var axis: [Int]?
        /// Fixed statistics given in the config; nil when they are adapted weights.
        public var mean: [Double]?
        public var variance: [Double]?
        public var invert: Bool
    }
}
