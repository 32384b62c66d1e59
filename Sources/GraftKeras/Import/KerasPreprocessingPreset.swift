import GraftCore

/// The input preprocessing of `keras.applications` models, by `preprocess_input` mode, and the
/// models that use each.
enum KerasPreprocessingPreset: Equatable, Sendable {
    case caffe, tf, torch
    /// The model rescales its input itself (EfficientNet, ConvNeXt, MobileNetV3): raw 0...255 RGB.
    case rawPixels

    static let imageNetMeanBGR: [Float] = [103.939, 116.779, 123.68]
    static let imageNetMeanRGB: [Float] = [0.485, 0.456, 0.406]
    static let imageNetStdRGB: [Float] = [0.229, 0.224, 0.225]

    /// `keras.applications` model names (as the constructors name the model) and their mode;
    /// checked in order, by prefix, so `resnet50v2` is tried before `resnet50`.
    static let applications: [(prefix: String, preset: KerasPreprocessingPreset)] = [
        ("mobilenetv3", .rawPixels), ("mobilenetv2", .tf), ("mobilenet", .tf),
        ("resnet50v2", .tf), ("resnet101v2", .tf), ("resnet152v2", .tf),
        ("resnet50", .caffe), ("resnet101", .caffe), ("resnet152", .caffe),
        ("vgg16", .caffe), ("vgg19", .caffe),
        ("inception_resnet_v2", .tf), ("inception_v3", .tf), ("xception", .tf), ("nasnet", .tf),
        ("densenet", .torch), ("efficientnet", .rawPixels), ("convnext", .rawPixels), ("regnet", .rawPixels),
    ]

    /// The preset of a `keras.applications` model, recognised by its name.
    static func detect(modelName: String) -> KerasPreprocessingPreset? {
        let name = modelName.lowercased()
        return applications.first { name.hasPrefix($0.prefix) }?.preset
    }

    /// The preprocessing for graph input `input` of NCHW `shape`; nil when the preset's per-channel
    /// statistics do not fit (caffe and torch need three channels).
    func preprocessing(input: String, shape: Shape) -> Preprocessing? {
        let channels = shape.rank == 4 ? shape[1] : 0
        let colour: Preprocessing.ChannelOrder = channels == 1 ? .grey : .rgb
        switch self {
        case .caffe:
            guard channels == 3 else { return nil }
            return Preprocessing(input: input, inputShape: shape, channelOrder: .bgr, valueRange: [0, 255],
                                 steps: [.subtract(Self.imageNetMeanBGR)])
        case .tf:
            return Preprocessing(input: input, inputShape: shape, channelOrder: colour, valueRange: [0, 255],
                                 steps: [.multiply([1 / 127.5]), .subtract([1])])
        case .torch:
            guard channels == 3 else { return nil }
            return Preprocessing(input: input, inputShape: shape, channelOrder: .rgb, valueRange: [0, 1],
                                 steps: [.subtract(Self.imageNetMeanRGB), .divide(Self.imageNetStdRGB)])
        case .rawPixels:
            return Preprocessing(input: input, inputShape: shape, channelOrder: colour, valueRange: [0, 255], steps: [])
        }
    }
}
