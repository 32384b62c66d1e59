/// The Keras layer classes Graft decodes, by their Keras 2/3 class names. Older spellings
/// (Keras 1 `Convolution2D`, short aliases like `MaxPool2D`) resolve through ``init(className:)``.
public enum KerasLayerClass: String, Sendable, CaseIterable {
    case inputLayer = "InputLayer"
    case conv2D = "Conv2D"
    case depthwiseConv2D = "DepthwiseConv2D"
    case separableConv2D = "SeparableConv2D"
    case conv2DTranspose = "Conv2DTranspose"
    case dense = "Dense"
    case flatten = "Flatten"
    case batchNormalization = "BatchNormalization"
    case activation = "Activation"
    case relu = "ReLU"
    case leakyReLU = "LeakyReLU"
    case prelu = "PReLU"
    case elu = "ELU"
    case softmax = "Softmax"
    case maxPooling2D = "MaxPooling2D"
    case averagePooling2D = "AveragePooling2D"
    case globalAveragePooling2D = "GlobalAveragePooling2D"
    case globalMaxPooling2D = "GlobalMaxPooling2D"
    case zeroPadding2D = "ZeroPadding2D"
    case cropping2D = "Cropping2D"
    case add = "Add"
    case multiply = "Multiply"
    case subtract = "Subtract"
    case maximum = "Maximum"
    case average = "Average"
    case permute = "Permute"
    case concatenate = "Concatenate"
    case dropout = "Dropout"
    case reshape = "Reshape"
    case rescaling = "Rescaling"
    case normalization = "Normalization"
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
