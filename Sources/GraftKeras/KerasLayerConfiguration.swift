/// A layer's configuration, typed: one case per supported Keras class, with the fields that
/// determine what the layer computes. Initializers, regularizers and constraints are dropped:
/// they do not affect inference or the weights.
public enum KerasLayerConfiguration: Equatable, Sendable {
    /// `InputLayer`.
    case inputLayer(Input)
    /// `Conv2D`.
    case conv2D(Conv2D)
    /// `DepthwiseConv2D`.
    case depthwiseConv2D(DepthwiseConv2D)
    /// `SeparableConv2D`.
    case separableConv2D(SeparableConv2D)
    /// `Conv2DTranspose`.
    case conv2DTranspose(Conv2DTranspose)
    /// `Dense`.
    case dense(Dense)
    /// `Flatten`.
    case flatten(Flatten)
    /// `BatchNormalization`.
    case batchNormalization(BatchNormalization)
    /// An `Activation` layer applying the function.
    case activation(KerasActivation)
    /// `ReLU`.
    case relu(ReLU)
    /// `LeakyReLU` with its negative slope (Keras 1/2 write it as `alpha`).
    case leakyReLU(negativeSlope: Double)
    /// `PReLU`: weight `alpha`, shared along `shared_axes`.
    case prelu(sharedAxes: [Int])
    /// `ELU` with its `alpha`.
    case elu(alpha: Double)
    /// `Softmax` layer along `axis` (-1: the last axis of the Keras tensor).
    case softmax(axis: Int)
    /// `MaxPooling2D`.
    case maxPooling2D(Pooling2D)
    /// `AveragePooling2D`.
    case averagePooling2D(Pooling2D)
    /// `GlobalAveragePooling2D`.
    case globalAveragePooling2D(GlobalPooling2D)
    /// `GlobalMaxPooling2D`.
    case globalMaxPooling2D(GlobalPooling2D)
    /// `ZeroPadding2D`.
    case zeroPadding2D(ZeroPadding2D)
    /// `Cropping2D`.
    case cropping2D(Cropping2D)
    /// `Add`: the element-wise sum of the inputs.
    case add
    /// `Multiply`: the element-wise product.
    case multiply
    /// `Subtract`: the first input minus the second.
    case subtract
    /// `Maximum`: the element-wise maximum.
    case maximum
    /// `Average`: the element-wise mean.
    case average
    /// `Permute`: output axis `i + 1` is input axis `dims[i]` (1-based, the batch excluded).
    case permute(dims: [Int])
    /// `Concatenate` along `axis` (Keras axes, -1 the last).
    case concatenate(axis: Int)
    /// `Dropout` of `rate` (the identity at inference).
    case dropout(rate: Double)
    /// Target shape after the batch dimension; `-1` is inferred.
    case reshape(targetShape: [Int])
    /// `Rescaling`: `x * scale + offset`.
    case rescaling(scale: Double, offset: Double)
    /// `Normalization`.
    case normalization(Normalization)
    /// `LayerNormalization`.
    case layerNormalization(LayerNormalization)
    /// ConvNeXt's `LayerScale`: the input times weight `gamma` along the last axis (of
    /// `projectionDim` channels when the config says).
    case layerScale(projectionDim: Int?)
    /// InceptionResNetV2's `CustomScaleLayer`: `inputs[0] + inputs[1] * scale`.
    case customScale(scale: Double)
    /// Arithmetic recorded as a node of its own: a Keras 3 operation on a symbolic tensor
    /// (`x + 3.0` is `keras.src.ops.numpy.Add` called on `[x, 3.0]`) or a tf.keras `TFOpLambda`
    /// (`tf.__operators__.add` with `y: 3.0`). Its constant operands are on each call
    /// (``KerasInboundNode/arguments``).
    case operation(KerasOperation)
    /// Any other class (Lambda, custom and nested-model layers, or a supported class with a
    /// setting Graft does not model), kept with its config as compact JSON. Never executed.
    case unsupported(className: String, rawJSON: String)

    /// An `InputLayer`: the declared shape (NHWC for channels-last image models) and dtype.
    public struct Input: Equatable, Sendable {
        /// Dimensions after the batch dimension; nil entries are free.
        public var shape: [Int?]?
        /// `batch_size`, when the config fixes it.
        public var batchSize: Int?
        /// `dtype` as the config spells it, e.g. "float32".
        public var dtype: String?
        /// `sparse`: whether the input is a sparse tensor.
        public var sparse: Bool

        /// A configuration with these values.
        public init(shape: [Int?]?, batchSize: Int?, dtype: String?, sparse: Bool) {
            self.shape = shape
            self.batchSize = batchSize
            self.dtype = dtype
            self.sparse = sparse
        }
    }

    /// `Conv2D` (Keras 1 `Convolution2D`): weights `kernel` (see ``kernelLayout``) and optional `bias`.
    public struct Conv2D: Equatable, Sendable {
        /// `filters`: output channels.
        public var filters: Int
        /// `kernel_size`.
        public var kernelSize: KerasSize2D
        /// `strides`.
        public var strides: KerasSize2D
        /// `padding`: `valid` or `same`.
        public var padding: KerasPadding
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat
        /// `dilation_rate`.
        public var dilationRate: KerasSize2D
        /// `groups`: channel groups (1: an ordinary convolution).
        public var groups: Int
        /// The activation applied to the output.
        public var activation: KerasActivation
        /// `use_bias`: whether the layer has a `bias` weight.
        public var useBias: Bool
        /// How the stored kernel's axes are ordered.
        public var kernelLayout: KerasKernelLayout

        /// A configuration with these values.
        public init(
            filters: Int,
            kernelSize: KerasSize2D,
            strides: KerasSize2D,
            padding: KerasPadding,
            dataFormat: KerasDataFormat,
            dilationRate: KerasSize2D,
            groups: Int,
            activation: KerasActivation,
            useBias: Bool,
            kernelLayout: KerasKernelLayout
        ) {
            self.filters = filters
            self.kernelSize = kernelSize
            self.strides = strides
            self.padding = padding
            self.dataFormat = dataFormat
            self.dilationRate = dilationRate
            self.groups = groups
            self.activation = activation
            self.useBias = useBias
            self.kernelLayout = kernelLayout
        }
    }

    /// `DepthwiseConv2D`: weights `depthwise_kernel` `[h, w, in, depthMultiplier]` and optional `bias`.
    public struct DepthwiseConv2D: Equatable, Sendable {
        /// `kernel_size`.
        public var kernelSize: KerasSize2D
        /// `strides`.
        public var strides: KerasSize2D
        /// `padding`: `valid` or `same`.
        public var padding: KerasPadding
        /// `depth_multiplier`: output channels per input channel of the depthwise step.
        public var depthMultiplier: Int
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat
        /// `dilation_rate`.
        public var dilationRate: KerasSize2D
        /// The activation applied to the output.
        public var activation: KerasActivation
        /// `use_bias`: whether the layer has a `bias` weight.
        public var useBias: Bool

        /// A configuration with these values.
        public init(
            kernelSize: KerasSize2D,
            strides: KerasSize2D,
            padding: KerasPadding,
            depthMultiplier: Int,
            dataFormat: KerasDataFormat,
            dilationRate: KerasSize2D,
            activation: KerasActivation,
            useBias: Bool
        ) {
            self.kernelSize = kernelSize
            self.strides = strides
            self.padding = padding
            self.depthMultiplier = depthMultiplier
            self.dataFormat = dataFormat
            self.dilationRate = dilationRate
            self.activation = activation
            self.useBias = useBias
        }
    }

    /// `SeparableConv2D`: weights `depthwise_kernel`, `pointwise_kernel`
    /// `[1, 1, in * depthMultiplier, filters]`, optional `bias`.
    public struct SeparableConv2D: Equatable, Sendable {
        /// `filters`: output channels.
        public var filters: Int
        /// `kernel_size`.
        public var kernelSize: KerasSize2D
        /// `strides`.
        public var strides: KerasSize2D
        /// `padding`: `valid` or `same`.
        public var padding: KerasPadding
        /// `depth_multiplier`: output channels per input channel of the depthwise step.
        public var depthMultiplier: Int
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat
        /// `dilation_rate`.
        public var dilationRate: KerasSize2D
        /// The activation applied to the output.
        public var activation: KerasActivation
        /// `use_bias`: whether the layer has a `bias` weight.
        public var useBias: Bool

        /// A configuration with these values.
        public init(
            filters: Int,
            kernelSize: KerasSize2D,
            strides: KerasSize2D,
            padding: KerasPadding,
            depthMultiplier: Int,
            dataFormat: KerasDataFormat,
            dilationRate: KerasSize2D,
            activation: KerasActivation,
            useBias: Bool
        ) {
            self.filters = filters
            self.kernelSize = kernelSize
            self.strides = strides
            self.padding = padding
            self.depthMultiplier = depthMultiplier
            self.dataFormat = dataFormat
            self.dilationRate = dilationRate
            self.activation = activation
            self.useBias = useBias
        }
    }

    /// `Conv2DTranspose`: weights `kernel` `[h, w, filters, in]` and optional `bias`.
    public struct Conv2DTranspose: Equatable, Sendable {
        /// `filters`: output channels.
        public var filters: Int
        /// `kernel_size`.
        public var kernelSize: KerasSize2D
        /// `strides`.
        public var strides: KerasSize2D
        /// `padding`: `valid` or `same`.
        public var padding: KerasPadding
        /// Extra rows/columns at the bottom/right of the output; nil lets Keras infer it.
        public var outputPadding: KerasSize2D?
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat
        /// `dilation_rate`.
        public var dilationRate: KerasSize2D
        /// The activation applied to the output.
        public var activation: KerasActivation
        /// `use_bias`: whether the layer has a `bias` weight.
        public var useBias: Bool

        /// A configuration with these values.
        public init(
            filters: Int,
            kernelSize: KerasSize2D,
            strides: KerasSize2D,
            padding: KerasPadding,
            outputPadding: KerasSize2D?,
            dataFormat: KerasDataFormat,
            dilationRate: KerasSize2D,
            activation: KerasActivation,
            useBias: Bool
        ) {
            self.filters = filters
            self.kernelSize = kernelSize
            self.strides = strides
            self.padding = padding
            self.outputPadding = outputPadding
            self.dataFormat = dataFormat
            self.dilationRate = dilationRate
            self.activation = activation
            self.useBias = useBias
        }
    }

    /// `Dense`: weights `kernel` `[input, units]` and optional `bias`.
    public struct Dense: Equatable, Sendable {
        /// `units`: output features.
        public var units: Int
        /// The activation applied to the output.
        public var activation: KerasActivation
        /// `use_bias`: whether the layer has a `bias` weight.
        public var useBias: Bool

        /// A configuration with these values.
        public init(units: Int, activation: KerasActivation, useBias: Bool) {
            self.units = units
            self.activation = activation
            self.useBias = useBias
        }
    }

    /// `Flatten`; with `channels_first` Keras flattens in CHW order.
    public struct Flatten: Equatable, Sendable {
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat

        /// A configuration with these values.
        public init(dataFormat: KerasDataFormat) {
            self.dataFormat = dataFormat
        }
    }

    /// `LayerNormalization`: each sample normalised over `axes` (Keras axes, the batch being 0),
    /// with weights `gamma` (if `scale`) and `beta` (if `center`) of those axes' shape.
    public struct LayerNormalization: Equatable, Sendable {
        /// The axes normalised over (Keras axes, the batch being 0).
        public var axes: [Int]
        /// `epsilon`: added to the variance.
        public var epsilon: Double
        /// Whether a `beta` (offset) weight exists.
        public var center: Bool
        /// Whether a `gamma` (scale) weight exists.
        public var scale: Bool

        /// A configuration with these values.
        public init(axes: [Int], epsilon: Double, center: Bool, scale: Bool) {
            self.axes = axes
            self.epsilon = epsilon
            self.center = center
            self.scale = scale
        }
    }

    /// `BatchNormalization`: weights `gamma` (if scale), `beta` (if center), `moving_mean`, `moving_variance`.
    public struct BatchNormalization: Equatable, Sendable {
        /// The feature axis (-1 = last; may be a spatial axis, as in a real model with axis 1).
        public var axis: Int
        /// `epsilon`: added to the variance.
        public var epsilon: Double
        /// `momentum` of the moving averages.
        public var momentum: Double
        /// Whether a beta (offset) weight exists.
        public var center: Bool
        /// Whether a gamma (scale) weight exists.
        public var scale: Bool

        /// A configuration with these values.
        public init(axis: Int, epsilon: Double, momentum: Double, center: Bool, scale: Bool) {
            self.axis = axis
            self.epsilon = epsilon
            self.momentum = momentum
            self.center = center
            self.scale = scale
        }
    }

    /// `ReLU`: `max(x, 0)` generalised by a cap, a slope below the threshold, and a threshold.
    public struct ReLU: Equatable, Sendable {
        /// Upper clip (6 for ReLU6), nil for none.
        public var maxValue: Double?
        /// `negative_slope`: the slope below the threshold.
        public var negativeSlope: Double
        /// `threshold`: where the slope changes.
        public var threshold: Double

        /// A configuration with these values.
        public init(maxValue: Double?, negativeSlope: Double, threshold: Double) {
            self.maxValue = maxValue
            self.negativeSlope = negativeSlope
            self.threshold = threshold
        }
    }

    /// `MaxPooling2D` / `AveragePooling2D`.
    public struct Pooling2D: Equatable, Sendable {
        /// `pool_size`.
        public var poolSize: KerasSize2D
        /// Defaults to the pool size when the config has `null`.
        public var strides: KerasSize2D
        /// `padding`: `valid` or `same`.
        public var padding: KerasPadding
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat

        /// A configuration with these values.
        public init(
            poolSize: KerasSize2D,
            strides: KerasSize2D,
            padding: KerasPadding,
            dataFormat: KerasDataFormat
        ) {
            self.poolSize = poolSize
            self.strides = strides
            self.padding = padding
            self.dataFormat = dataFormat
        }
    }

    /// `GlobalAveragePooling2D` / `GlobalMaxPooling2D`.
    public struct GlobalPooling2D: Equatable, Sendable {
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat
        /// True keeps the spatial axes as 1x1.
        public var keepdims: Bool

        /// A configuration with these values.
        public init(dataFormat: KerasDataFormat, keepdims: Bool) {
            self.dataFormat = dataFormat
            self.keepdims = keepdims
        }
    }

    /// `ZeroPadding2D`.
    public struct ZeroPadding2D: Equatable, Sendable {
        /// `padding`: `valid` or `same`.
        public var padding: KerasInsets2D
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat

        /// A configuration with these values.
        public init(padding: KerasInsets2D, dataFormat: KerasDataFormat) {
            self.padding = padding
            self.dataFormat = dataFormat
        }
    }

    /// `Cropping2D`.
    public struct Cropping2D: Equatable, Sendable {
        /// `cropping`: rows and columns removed on each side.
        public var cropping: KerasInsets2D
        /// `data_format`: where the channel axis is.
        public var dataFormat: KerasDataFormat

        /// A configuration with these values.
        public init(cropping: KerasInsets2D, dataFormat: KerasDataFormat) {
            self.cropping = cropping
            self.dataFormat = dataFormat
        }
    }

    /// `Normalization`: `(x - mean) / sqrt(variance)`, the statistics being weights `mean`,
    /// `variance`, `count` unless the config gives them.
    public struct Normalization: Equatable, Sendable {
        /// The axes kept separate (nil: normalize everything with one mean).
        public var axis: [Int]?
        /// Fixed statistics given in the config; nil when they are adapted weights.
        public var mean: [Double]?
        /// Fixed variances given in the config; nil when they are adapted weights.
        public var variance: [Double]?
        /// `invert`: de-normalise instead (the importer refuses it).
        public var invert: Bool

        /// A configuration with these values.
        public init(axis: [Int]?, mean: [Double]?, variance: [Double]?, invert: Bool) {
            self.axis = axis
            self.mean = mean
            self.variance = variance
            self.invert = invert
        }
    }
}
