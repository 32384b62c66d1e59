/// The Caffe layer types the importer maps to Graft operations, spelled as V2 prototxts spell
/// them. Each has exactly one mapper in `CaffeMappers` (checked by a test). Types that are not
/// listed become opaque nodes, and the training-only types in ``CaffeTrainingLayerKind`` are
/// dropped.
public enum CaffeLayerKind: String, CaseIterable, Sendable {
    /// Caffe's `Input` layer.
    case input = "Input"
    /// Caffe's `Convolution` layer.
    case convolution = "Convolution"
    /// The forks' depthwise convolution (MobileNet and ShuffleNet zoo nets): `convolution_param`,
    /// one filter per input channel.
    case convolutionDepthwise = "ConvolutionDepthwise"
    /// Caffe's `Deconvolution` layer.
    case deconvolution = "Deconvolution"
    /// Caffe's `InnerProduct` layer.
    case innerProduct = "InnerProduct"
    /// Caffe's `Pooling` layer.
    case pooling = "Pooling"
    /// Caffe's `LRN` layer.
    case lrn = "LRN"
    /// Caffe's `ReLU` layer.
    case relu = "ReLU"
    /// Caffe's `PReLU` layer.
    case prelu = "PReLU"
    /// Caffe's `ELU` layer.
    case elu = "ELU"
    /// Caffe's `Sigmoid` layer.
    case sigmoid = "Sigmoid"
    /// Caffe's `TanH` layer.
    case tanh = "TanH"
    /// Caffe's `Power` layer.
    case power = "Power"
    /// Caffe's `BatchNorm` layer.
    case batchNorm = "BatchNorm"
    /// Caffe's `Scale` layer.
    case scale = "Scale"
    /// Caffe's `Bias` layer.
    case bias = "Bias"
    /// Caffe's `Eltwise` layer.
    case eltwise = "Eltwise"
    /// Caffe's `Concat` layer.
    case concat = "Concat"
    /// Caffe's `Slice` layer.
    case slice = "Slice"
    /// Caffe's `Flatten` layer.
    case flatten = "Flatten"
    /// Caffe's `Reshape` layer.
    case reshape = "Reshape"
    /// Caffe's `Softmax` layer.
    case softmax = "Softmax"
    /// Caffe's `Dropout` layer.
    case dropout = "Dropout"
    /// Caffe's `Crop` layer.
    case crop = "Crop"
    /// Caffe's `Split` layer.
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
    /// Caffe's `Data` layer.
    case data = "Data"
    /// Caffe's `HDF5Data` layer.
    case hdf5Data = "HDF5Data"
    /// Caffe's `HDF5Output` layer.
    case hdf5Output = "HDF5Output"
    /// Caffe's `ImageData` layer.
    case imageData = "ImageData"
    /// Caffe's `MemoryData` layer.
    case memoryData = "MemoryData"
    /// Caffe's `WindowData` layer.
    case windowData = "WindowData"
    /// Caffe's `DummyData` layer.
    case dummyData = "DummyData"
    /// Caffe's `Accuracy` layer.
    case accuracy = "Accuracy"
    /// Caffe's `Silence` layer.
    case silence = "Silence"
    /// Caffe's `SoftmaxWithLoss` layer.
    case softmaxWithLoss = "SoftmaxWithLoss"
    /// Caffe's `EuclideanLoss` layer.
    case euclideanLoss = "EuclideanLoss"
    /// Caffe's `HingeLoss` layer.
    case hingeLoss = "HingeLoss"
    /// Caffe's `InfogainLoss` layer.
    case infogainLoss = "InfogainLoss"
    /// Caffe's `MultinomialLogisticLoss` layer.
    case multinomialLogisticLoss = "MultinomialLogisticLoss"
    /// Caffe's `SigmoidCrossEntropyLoss` layer.
    case sigmoidCrossEntropyLoss = "SigmoidCrossEntropyLoss"
    /// Caffe's `ContrastiveLoss` layer.
    case contrastiveLoss = "ContrastiveLoss"

    /// The data sources: their first top is the image the net reads.
    public var isDataSource: Bool {
        switch self {
        case .data, .hdf5Data, .imageData, .memoryData, .windowData, .dummyData: true
        default: false
        }
    }
}
