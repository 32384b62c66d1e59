/// The `*_param` blocks a layer carries, each nil when absent. V1 and V2 layers share these
/// messages, so both layer kinds hold this one struct and ``CaffeUpgrade`` copies it whole.
public struct CaffeLayerParameters: Equatable, Sendable {
    /// `transform_param`, nil when absent.
    public var transform: CaffeParam.Transformation?
    /// `loss_param`, nil when absent.
    public var loss: CaffeParam.Loss?
    /// `accuracy_param`, nil when absent.
    public var accuracy: CaffeParam.Accuracy?
    /// `batch_norm_param`, nil when absent.
    public var batchNorm: CaffeParam.BatchNorm?
    /// `bias_param`, nil when absent.
    public var bias: CaffeParam.Bias?
    /// `concat_param`, nil when absent.
    public var concat: CaffeParam.Concat?
    /// `convolution_param`, nil when absent.
    public var convolution: CaffeParam.Convolution?
    /// `crop_param`, nil when absent.
    public var crop: CaffeParam.Crop?
    /// `data_param`, nil when absent.
    public var data: CaffeParam.Data?
    /// `dropout_param`, nil when absent.
    public var dropout: CaffeParam.Dropout?
    /// `eltwise_param`, nil when absent.
    public var eltwise: CaffeParam.Eltwise?
    /// `elu_param`, nil when absent.
    public var elu: CaffeParam.ELU?
    /// `flatten_param`, nil when absent.
    public var flatten: CaffeParam.Flatten?
    /// `hdf5_data_param`, nil when absent.
    public var hdf5Data: CaffeParam.HDF5Data?
    /// `image_data_param`, nil when absent.
    public var imageData: CaffeParam.ImageData?
    /// `inner_product_param`, nil when absent.
    public var innerProduct: CaffeParam.InnerProduct?
    /// `input_param`, nil when absent.
    public var input: CaffeParam.Input?
    /// `lrn_param`, nil when absent.
    public var lrn: CaffeParam.LRN?
    /// `memory_data_param`, nil when absent.
    public var memoryData: CaffeParam.MemoryData?
    /// `pooling_param`, nil when absent.
    public var pooling: CaffeParam.Pooling?
    /// `power_param`, nil when absent.
    public var power: CaffeParam.Power?
    /// `prelu_param`, nil when absent.
    public var prelu: CaffeParam.PReLU?
    /// `relu_param`, nil when absent.
    public var relu: CaffeParam.ReLU?
    /// `reshape_param`, nil when absent.
    public var reshape: CaffeParam.Reshape?
    /// `scale_param`, nil when absent.
    public var scale: CaffeParam.Scale?
    /// `softmax_param`, nil when absent.
    public var softmax: CaffeParam.Softmax?
    /// `slice_param`, nil when absent.
    public var slice: CaffeParam.Slice?
    /// `threshold_param`, nil when absent.
    public var threshold: CaffeParam.Threshold?

    /// No parameter blocks.
    public init() {}
}
