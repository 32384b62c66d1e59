/// The Keras layer classes Graft decodes, by their Keras 2/3 class names. Older spellings
/// (Keras 1 `Convolution2D`, short aliases like `MaxPool2D`) resolve through ``init(className:)``.
public enum KerasLayerClass: String, Sendable, CaseIterable {
    /// Keras's `InputLayer`.
    case inputLayer = "InputLayer"
    /// Keras's `Conv2D`.
    case conv2D = "Conv2D"
    /// Keras's `DepthwiseConv2D`.
    case depthwiseConv2D = "DepthwiseConv2D"
    /// Keras's `SeparableConv2D`.
    case separableConv2D = "SeparableConv2D"
    /// Keras's `Conv2DTranspose`.
    case conv2DTranspose = "Conv2DTranspose"
    /// Keras's `Dense`.
    case dense = "Dense"
    /// Keras's `Flatten`.
    case flatten = "Flatten"
    /// Keras's `BatchNormalization`.
    case batchNormalization = "BatchNormalization"
    /// Keras's `Activation`.
    case activation = "Activation"
    /// Keras's `ReLU`.
    case relu = "ReLU"
    /// Keras's `LeakyReLU`.
    case leakyReLU = "LeakyReLU"
    /// Keras's `PReLU`.
    case prelu = "PReLU"
    /// Keras's `ELU`.
    case elu = "ELU"
    /// Keras's `Softmax`.
    case softmax = "Softmax"
    /// Keras's `MaxPooling2D`.
    case maxPooling2D = "MaxPooling2D"
    /// Keras's `AveragePooling2D`.
    case averagePooling2D = "AveragePooling2D"
    /// Keras's `GlobalAveragePooling2D`.
    case globalAveragePooling2D = "GlobalAveragePooling2D"
    /// Keras's `GlobalMaxPooling2D`.
    case globalMaxPooling2D = "GlobalMaxPooling2D"
    /// Keras's `ZeroPadding2D`.
    case zeroPadding2D = "ZeroPadding2D"
    /// Keras's `Cropping2D`.
    case cropping2D = "Cropping2D"
    /// Keras's `Add`.
    case add = "Add"
    /// Keras's `Multiply`.
    case multiply = "Multiply"
    /// Keras's `Subtract`.
    case subtract = "Subtract"
    /// Keras's `Maximum`.
    case maximum = "Maximum"
    /// Keras's `Average`.
    case average = "Average"
    /// Keras's `Permute`.
    case permute = "Permute"
    /// Keras's `Concatenate`.
    case concatenate = "Concatenate"
    /// Keras's `Dropout`.
    case dropout = "Dropout"
    /// Keras's `Reshape`.
    case reshape = "Reshape"
    /// Keras's `Rescaling`.
    case rescaling = "Rescaling"
    /// Keras's `Normalization`.
    case normalization = "Normalization"
    /// Keras's `LayerNormalization`.
    case layerNormalization = "LayerNormalization"
    /// ConvNeXt's per-channel learned scale (`keras.applications.convnext.LayerScale`).
    case layerScale = "LayerScale"
    /// InceptionResNetV2's residual scaling, `inputs[0] + inputs[1] * scale`
    /// (`keras.applications.inception_resnet_v2.CustomScaleLayer`).
    case customScaleLayer = "CustomScaleLayer"

    /// Other names Keras has written for the same classes.
    static let aliases: [String: KerasLayerClass] = [
        "Convolution2D": .conv2D,
        "AtrousConvolution2D": .conv2D,
        "SeparableConvolution2D": .separableConv2D,
        "Deconvolution2D": .conv2DTranspose,
        "Convolution2DTranspose": .conv2DTranspose,
        "MaxPool2D": .maxPooling2D,
        "AvgPool2D": .averagePooling2D,
        "GlobalAvgPool2D": .globalAveragePooling2D,
        "GlobalMaxPool2D": .globalMaxPooling2D,
        // tf.keras registers its applications' own layers under a package prefix in `.h5` configs.
        "Custom>CustomScaleLayer": .customScaleLayer,
        "Custom>LayerScale": .layerScale,
    ]

    /// Resolves a class name as written in a config, or nil for classes Graft does not decode.
    public init?(className: String) {
        if let known = KerasLayerClass(rawValue: className) {
            self = known
        } else if let alias = Self.aliases[className] {
            self = alias
        } else {
            return nil
        }
    }
}
