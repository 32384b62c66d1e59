/// The `*_param` blocks a layer carries, each nil when absent. V1 and V2 layers share these
/// messages, so both layer kinds hold this one struct and ``CaffeUpgrade`` copies it whole.
public struct CaffeLayerParameters: Equatable, Sendable {
    public var transform: CaffeParam.Transformation?
    public var loss: CaffeParam.Loss?
    public var accuracy: CaffeParam.Accuracy?
    public var batchNorm: CaffeParam.BatchNorm?
    public var bias: CaffeParam.Bias?
    public var concat: CaffeParam.Concat?
    public var convolution: CaffeParam.Convolution?
    public var crop: CaffeParam.Crop?
    public var data: CaffeParam.Data?
    public var dropout: CaffeParam.Dropout?
    public var eltwise: CaffeParam.Eltwise?
    public var elu: CaffeParam.ELU?
    public var flatten: CaffeParam.Flatten?
    public var hdf5Data: CaffeParam.HDF5Data?
    public var imageData: CaffeParam.ImageData?
    public var innerProduct: CaffeParam.InnerProduct?
    public var input: CaffeParam.Input?
    public var lrn: CaffeParam.LRN?
    public var memoryData: CaffeParam.MemoryData?
    public var pooling: CaffeParam.Pooling?
    public var power: CaffeParam.Power?
    public var prelu: CaffeParam.PReLU?
    public var relu: CaffeParam.ReLU?
    public var reshape: CaffeParam.Reshape?
    public var scale: CaffeParam.Scale?
    public var softmax: CaffeParam.Softmax?
    public var slice: CaffeParam.Slice?
    public var threshold: CaffeParam.Threshold?

    public init() {}
}
