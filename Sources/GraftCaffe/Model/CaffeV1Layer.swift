/// A layer as a V1 net (`NetParameter.layers`, field 2, 2014 Caffe) stores it: an enum type,
/// `blobs_lr`/`weight_decay` instead of `param`. Both readers produce these for V1 files;
/// ``CaffeUpgrade`` turns them into ``CaffeLayer``s, so nothing else has to know V1.
public struct CaffeV1Layer: Equatable, Sendable {
    /// The layer's name.
    public var name: String
    /// The layer type, V1's enum.
    public var type: V1LayerType
    /// The blobs the layer reads.
    public var bottoms: [String] = []
    /// The blobs the layer writes.
    public var tops: [String] = []
    /// `include` rules.
    public var include: [CaffeNetStateRule] = []
    /// `exclude` rules.
    public var exclude: [CaffeNetStateRule] = []
    /// The learned arrays.
    public var blobs: [CaffeBlob] = []
    /// `param` (field 1001): sharing names, one per blob.
    public var paramNames: [String] = []
    /// `blob_share_mode` (field 1002).
    public var blobShareModes: [CaffeDimCheckMode] = []
    /// `blobs_lr`: learning-rate multipliers, one per blob.
    public var blobsLR: [Float] = []
    /// `weight_decay`: decay multipliers, one per blob.
    public var weightDecay: [Float] = []
    /// `loss_weight`, one per top.
    public var lossWeights: [Float] = []
    /// The `*_param` blocks (the same messages as V2's).
    public var parameters = CaffeLayerParameters()
    /// Fields Graft's schema does not know, as their original text.
    public var rawUnknown: [String] = []
    /// The layer holds a V0 definition (`layer`, field 1): a 2013 file Graft does not read.
    public var hasV0Definition = false

    /// A V1 layer of `type` without parameters or blobs.
    public init(name: String, type: V1LayerType) {
        self.name = name
        self.type = type
    }
}

/// `V1LayerParameter.LayerType`, with the V2 type string Caffe's upgrade gives each value.
public enum V1LayerType: Int32, CaffeEnum {
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case none = 0, absval = 35, accuracy = 1, argmax = 30, bnll = 2, concat = 3, contrastiveLoss = 37
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case convolution = 4, data = 5, deconvolution = 39, dropout = 6, dummyData = 32, euclideanLoss = 7
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case eltwise = 25, exp = 38, flatten = 8, hdf5Data = 9, hdf5Output = 10, hingeLoss = 28, im2col = 11
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case imageData = 12, infogainLoss = 13, innerProduct = 14, lrn = 15, memoryData = 29
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case multinomialLogisticLoss = 16, mvn = 34, pooling = 17, power = 26, relu = 18, sigmoid = 19
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case sigmoidCrossEntropyLoss = 27, silence = 36, softmax = 20, softmaxLoss = 21, split = 22
    /// `LayerType` values by their caffe.proto numbers (names in ``protoNames``).
    case slice = 33, tanh = 23, windowData = 24, threshold = 31

    public static let protoNames = [
        "NONE", "ABSVAL", "ACCURACY", "ARGMAX", "BNLL", "CONCAT", "CONTRASTIVE_LOSS",
        "CONVOLUTION", "DATA", "DECONVOLUTION", "DROPOUT", "DUMMY_DATA", "EUCLIDEAN_LOSS",
        "ELTWISE", "EXP", "FLATTEN", "HDF5_DATA", "HDF5_OUTPUT", "HINGE_LOSS", "IM2COL",
        "IMAGE_DATA", "INFOGAIN_LOSS", "INNER_PRODUCT", "LRN", "MEMORY_DATA",
        "MULTINOMIAL_LOGISTIC_LOSS", "MVN", "POOLING", "POWER", "RELU", "SIGMOID",
        "SIGMOID_CROSS_ENTROPY_LOSS", "SILENCE", "SOFTMAX", "SOFTMAX_LOSS", "SPLIT",
        "SLICE", "TANH", "WINDOW_DATA", "THRESHOLD",
    ]
    public static let protoTypeName = "V1LayerParameter.LayerType"

    /// The V2 type string (Caffe's `UpgradeV1LayerType`); "" for NONE.
    public var v2Name: String {
        switch self {
        case .none: ""
        case .absval: "AbsVal"
        case .accuracy: "Accuracy"
        case .argmax: "ArgMax"
        case .bnll: "BNLL"
        case .concat: "Concat"
        case .contrastiveLoss: "ContrastiveLoss"
        case .convolution: "Convolution"
        case .data: "Data"
        case .deconvolution: "Deconvolution"
        case .dropout: "Dropout"
        case .dummyData: "DummyData"
        case .euclideanLoss: "EuclideanLoss"
        case .eltwise: "Eltwise"
        case .exp: "Exp"
        case .flatten: "Flatten"
        case .hdf5Data: "HDF5Data"
        case .hdf5Output: "HDF5Output"
        case .hingeLoss: "HingeLoss"
        case .im2col: "Im2col"
        case .imageData: "ImageData"
        case .infogainLoss: "InfogainLoss"
        case .innerProduct: "InnerProduct"
        case .lrn: "LRN"
        case .memoryData: "MemoryData"
        case .multinomialLogisticLoss: "MultinomialLogisticLoss"
        case .mvn: "MVN"
        case .pooling: "Pooling"
        case .power: "Power"
        case .relu: "ReLU"
        case .sigmoid: "Sigmoid"
        case .sigmoidCrossEntropyLoss: "SigmoidCrossEntropyLoss"
        case .silence: "Silence"
        case .softmax: "Softmax"
        case .softmaxLoss: "SoftmaxWithLoss"
        case .split: "Split"
        case .slice: "Slice"
        case .tanh: "TanH"
        case .windowData: "WindowData"
        case .threshold: "Threshold"
        }
    }
}
