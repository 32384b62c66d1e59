/// The Caffe layer types the importer maps to Graft operations, spelled as V2 prototxts spell
/// them. Each has exactly one mapper in `CaffeMappers` (checked by a test). Types that are not
/// listed become opaque nodes, and the training-only types in ``CaffeTrainingLayerKind`` are
/// dropped.
public enum CaffeLayerKind: String, CaseIterable, Sendable {
    case input = "Input"
    case convolution = "Convolution"
    /// The forks' depthwise convolution (MobileNet and ShuffleNet zoo nets): `convolution_param`,
    /// one filter per input channel.
    case convolutionDepthwise = "ConvolutionDepthwise"
    case deconvolution = "Deconvolution"
    case innerProduct = "InnerProduct"
    case pooling = "Pooling"
    case lrn = "LRN"
    case relu = "ReLU"
    case prelu = "PReLU"
    case elu = "ELU"
    case sigmoid = "Sigmoid"
    case tanh = "TanH"
    case power = "Power"
    case batchNorm = "BatchNorm"
    case scale = "Scale"
    case bias = "Bias"
    case eltwise = "Eltwise"
    case concat = "Concat"
    case slice = "Slice"
    case flatten = "Flatten"
    case reshape = "Reshape"
    case softmax = "Softmax"
    case dropout = "Dropout"
    case crop = "Crop"
    case split = "Split"
    /// The SSD fork's transpose layer (`permute_param`, field 202, not in BVLC's schema), which
    /// OpenCV also reads.
    case permute = "Permute"
    /// SENet's fork layer: bottoms `a` `[N, C, 1, 1]`, `x`, `y`; `a·x + y` (the excitation
    /// applied and the shortcut added in one layer).
    case axpy = "Axpy"
    /// ShuffleNet's channel shuffle (`shuffle_channel_param { group }`): channels viewed as
    /// `[group, C/group]` and transposed.
    case shuffleChannel = "ShuffleChannel"
    /// The SSD fork's L2 normalisation with a learned scale (`norm_param`, field 206).
    case normalize = "Normalize"
    /// The SSD fork's default-box grid (`prior_box_param`, field 203), evaluated at import.
    case priorBox = "PriorBox"
}

/// Layer types that only make sense while training (data sources, losses, accuracy, silence):
/// the deploy view drops them, and the import notes which were dropped.
public enum CaffeTrainingLayerKind: String, CaseIterable, Sendable {
    case data = "Data"
    case hdf5Data = "HDF5Data"
    case hdf5Output = "HDF5Output"
    case imageData = "ImageData"
    case memoryData = "MemoryData"
    case windowData = "WindowData"
    case dummyData = "DummyData"
    case accuracy = "Accuracy"
    case silence = "Silence"
    case softmaxWithLoss = "SoftmaxWithLoss"
    case euclideanLoss = "EuclideanLoss"
    case hingeLoss = "HingeLoss"
    case infogainLoss = "InfogainLoss"
    case multinomialLogisticLoss = "MultinomialLogisticLoss"
    case sigmoidCrossEntropyLoss = "SigmoidCrossEntropyLoss"
    case contrastiveLoss = "ContrastiveLoss"

    /// The data sources: their first top is the image the net reads.
    public var isDataSource: Bool {
        switch self {
        case .data, .hdf5Data, .imageData, .memoryData, .windowData, .dummyData: true
        default: false
        }
    }
}
