// The schema of each `*_param` message, the one table the text reader, the binary reader, the
// prototxt writer and the caffemodel writer all use: field names as in caffe.proto, in its
// declaration order (the writers' order), each bound to the typed struct's property with the
// field's protobuf type (for the text reader's range checks).

extension CaffeParam.Filler: CaffeMessage {
    static let protoMessageName = "FillerParameter"
    static let fields = CaffeFields<Self>([
        .string("type", \.type), .float("value", \.value), .float("min", \.min), .float("max", \.max),
        .float("mean", \.mean), .float("std", \.std), .int("sparse", \.sparse, .int32),
        .enumeration("variance_norm", \.varianceNorm),
    ])
}

extension CaffeParam.Convolution: CaffeMessage {
    static let protoMessageName = "ConvolutionParameter"
    static let fields = CaffeFields<Self>([
        .int("num_output", \.numOutput, .uint32, always: true), .bool("bias_term", \.biasTerm),
        .ints("pad", \.pad, .uint32), .ints("kernel_size", \.kernelSize, .uint32),
        .ints("stride", \.stride, .uint32), .ints("dilation", \.dilation, .uint32),
        .optionalInt("pad_h", \.padH, .uint32), .optionalInt("pad_w", \.padW, .uint32),
        .optionalInt("kernel_h", \.kernelH, .uint32), .optionalInt("kernel_w", \.kernelW, .uint32),
        .optionalInt("stride_h", \.strideH, .uint32), .optionalInt("stride_w", \.strideW, .uint32),
        .int("group", \.group, .uint32), .message("weight_filler", \.weightFiller),
        .message("bias_filler", \.biasFiller), .enumeration("engine", \.engine),
        .int("axis", \.axis, .int32), .bool("force_nd_im2col", \.forceNDIm2col),
    ])
}

extension CaffeParam.InnerProduct: CaffeMessage {
    static let protoMessageName = "InnerProductParameter"
    static let fields = CaffeFields<Self>([
        .int("num_output", \.numOutput, .uint32, always: true), .bool("bias_term", \.biasTerm),
        .message("weight_filler", \.weightFiller), .message("bias_filler", \.biasFiller),
        .int("axis", \.axis, .int32), .bool("transpose", \.transpose),
    ])
}

extension CaffeParam.Pooling: CaffeMessage {
    static let protoMessageName = "PoolingParameter"
    static let fields = CaffeFields<Self>([
        .enumeration("pool", \.pool), .int("pad", \.pad, .uint32),
        .optionalInt("pad_h", \.padH, .uint32), .optionalInt("pad_w", \.padW, .uint32),
        .optionalInt("kernel_size", \.kernelSize, .uint32),
        .optionalInt("kernel_h", \.kernelH, .uint32), .optionalInt("kernel_w", \.kernelW, .uint32),
        .int("stride", \.stride, .uint32),
        .optionalInt("stride_h", \.strideH, .uint32), .optionalInt("stride_w", \.strideW, .uint32),
        .enumeration("engine", \.engine), .bool("global_pooling", \.globalPooling),
        // BVLC's field 13 carries the rounding in effect; `ceil_mode` (the forks' 13) is text only.
        .enumeration("round_mode", \.roundMode, binaryValue: \Self.rounding), .optionalBool("ceil_mode", \.ceilMode).textOnly(),
    ])
}

extension CaffeParam.LRN: CaffeMessage {
    static let protoMessageName = "LRNParameter"
    static let fields = CaffeFields<Self>([
        .int("local_size", \.localSize, .uint32), .float("alpha", \.alpha), .float("beta", \.beta),
        .enumeration("norm_region", \.normRegion), .float("k", \.k), .enumeration("engine", \.engine),
    ])
}

extension CaffeParam.BatchNorm: CaffeMessage {
    static let protoMessageName = "BatchNormParameter"
    static let fields = CaffeFields<Self>([
        .optionalBool("use_global_stats", \.useGlobalStats),
        .float("moving_average_fraction", \.movingAverageFraction), .float("eps", \.eps),
    ])
}

extension CaffeParam.Scale: CaffeMessage {
    static let protoMessageName = "ScaleParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .int("num_axes", \.numAxes, .int32), .message("filler", \.filler),
        .bool("bias_term", \.biasTerm), .message("bias_filler", \.biasFiller),
    ])
}

extension CaffeParam.Bias: CaffeMessage {
    static let protoMessageName = "BiasParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .int("num_axes", \.numAxes, .int32), .message("filler", \.filler),
    ])
}

extension CaffeParam.ReLU: CaffeMessage {
    static let protoMessageName = "ReLUParameter"
    static let fields = CaffeFields<Self>([
        .float("negative_slope", \.negativeSlope), .enumeration("engine", \.engine),
    ])
}

extension CaffeParam.PReLU: CaffeMessage {
    static let protoMessageName = "PReLUParameter"
    static let fields = CaffeFields<Self>([
        .message("filler", \.filler), .bool("channel_shared", \.channelShared),
    ])
}

extension CaffeParam.ELU: CaffeMessage {
    static let protoMessageName = "ELUParameter"
    static let fields = CaffeFields<Self>([.float("alpha", \.alpha)])
}

extension CaffeParam.Power: CaffeMessage {
    static let protoMessageName = "PowerParameter"
    static let fields = CaffeFields<Self>([
        .float("power", \.power), .float("scale", \.scale), .float("shift", \.shift),
    ])
}

extension CaffeParam.Threshold: CaffeMessage {
    static let protoMessageName = "ThresholdParameter"
    static let fields = CaffeFields<Self>([.float("threshold", \.threshold)])
}

extension CaffeParam.Softmax: CaffeMessage {
    static let protoMessageName = "SoftmaxParameter"
    static let fields = CaffeFields<Self>([
        .enumeration("engine", \.engine), .int("axis", \.axis, .int32),
    ])
}

extension CaffeParam.Dropout: CaffeMessage {
    static let protoMessageName = "DropoutParameter"
    static let fields = CaffeFields<Self>([.float("dropout_ratio", \.dropoutRatio)])
}

extension CaffeParam.Eltwise: CaffeMessage {
    static let protoMessageName = "EltwiseParameter"
    static let fields = CaffeFields<Self>([
        .enumeration("operation", \.operation), .floats("coeff", \.coeff),
        .bool("stable_prod_grad", \.stableProdGrad),
    ])
}

extension CaffeParam.Concat: CaffeMessage {
    static let protoMessageName = "ConcatParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .optionalInt("concat_dim", \.concatDim, .uint32),
    ])
}

extension CaffeParam.Slice: CaffeMessage {
    static let protoMessageName = "SliceParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .ints("slice_point", \.slicePoint, .uint32),
        .optionalInt("slice_dim", \.sliceDim, .uint32),
    ])
}

extension CaffeParam.Flatten: CaffeMessage {
    static let protoMessageName = "FlattenParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .int("end_axis", \.endAxis, .int32),
    ])
}

extension CaffeParam.Reshape: CaffeMessage {
    static let protoMessageName = "ReshapeParameter"
    static let fields = CaffeFields<Self>([
        .shape("shape", \.shape), .int("axis", \.axis, .int32), .int("num_axes", \.numAxes, .int32),
    ])
}

extension CaffeParam.Crop: CaffeMessage {
    static let protoMessageName = "CropParameter"
    static let fields = CaffeFields<Self>([
        .int("axis", \.axis, .int32), .ints("offset", \.offset, .uint32),
    ])
}

extension CaffeParam.Input: CaffeMessage {
    static let protoMessageName = "InputParameter"
    static let fields = CaffeFields<Self>([.shapes("shape", \.shape)])
}

extension CaffeParam.Transformation: CaffeMessage {
    static let protoMessageName = "TransformationParameter"
    static let fields = CaffeFields<Self>([
        .float("scale", \.scale), .bool("mirror", \.mirror), .int("crop_size", \.cropSize, .uint32),
        .optionalString("mean_file", \.meanFile), .floats("mean_value", \.meanValue),
        .bool("force_color", \.forceColor), .bool("force_gray", \.forceGray),
    ])
}

extension CaffeParam.Data: CaffeMessage {
    static let protoMessageName = "DataParameter"
    static let fields = CaffeFields<Self>([
        .string("source", \.source), .int("batch_size", \.batchSize, .uint32),
        .int("rand_skip", \.randSkip, .uint32), .enumeration("backend", \.backend),
        .float("scale", \.scale), .optionalString("mean_file", \.meanFile),
        .int("crop_size", \.cropSize, .uint32), .bool("mirror", \.mirror),
        .bool("force_encoded_color", \.forceEncodedColor), .int("prefetch", \.prefetch, .uint32),
    ])
}

extension CaffeParam.HDF5Data: CaffeMessage {
    static let protoMessageName = "HDF5DataParameter"
    static let fields = CaffeFields<Self>([
        .string("source", \.source), .int("batch_size", \.batchSize, .uint32), .bool("shuffle", \.shuffle),
    ])
}

extension CaffeParam.ImageData: CaffeMessage {
    static let protoMessageName = "ImageDataParameter"
    static let fields = CaffeFields<Self>([
        .string("source", \.source), .int("batch_size", \.batchSize, .uint32),
        .int("rand_skip", \.randSkip, .uint32), .bool("shuffle", \.shuffle),
        .int("new_height", \.newHeight, .uint32), .int("new_width", \.newWidth, .uint32),
        .bool("is_color", \.isColor), .float("scale", \.scale), .optionalString("mean_file", \.meanFile),
        .int("crop_size", \.cropSize, .uint32), .bool("mirror", \.mirror), .string("root_folder", \.rootFolder),
    ])
}

extension CaffeParam.MemoryData: CaffeMessage {
    static let protoMessageName = "MemoryDataParameter"
    static let fields = CaffeFields<Self>([
        .int("batch_size", \.batchSize, .uint32, always: true), .int("channels", \.channels, .uint32, always: true),
        .int("height", \.height, .uint32, always: true), .int("width", \.width, .uint32, always: true),
    ])
}

extension CaffeParam.Loss: CaffeMessage {
    static let protoMessageName = "LossParameter"
    static let fields = CaffeFields<Self>([
        .optionalInt("ignore_label", \.ignoreLabel, .int32), .optionalEnum("normalization", \.normalization),
        .optionalBool("normalize", \.normalize),
    ])
}

extension CaffeParam.Accuracy: CaffeMessage {
    static let protoMessageName = "AccuracyParameter"
    static let fields = CaffeFields<Self>([
        .int("top_k", \.topK, .uint32), .int("axis", \.axis, .int32),
        .optionalInt("ignore_label", \.ignoreLabel, .int32),
    ])
}

extension CaffeParamSpec: CaffeMessage {
    init() { self.init(name: nil) }
    static let protoMessageName = "ParamSpec"
    static let fields = CaffeFields<Self>([
        .optionalString("name", \.name), .optionalEnum("share_mode", \.shareMode),
        .float("lr_mult", \.lrMult), .float("decay_mult", \.decayMult),
    ])
}

extension CaffeNetStateRule: CaffeMessage {
    init() { self.init(phase: nil) }
    static let protoMessageName = "NetStateRule"
    static let fields = CaffeFields<Self>([
        .optionalEnum("phase", \.phase), .optionalInt("min_level", \.minLevel, .int32),
        .optionalInt("max_level", \.maxLevel, .int32), .strings("stage", \.stage), .strings("not_stage", \.notStage),
    ])
}

extension CaffeNetState: CaffeMessage {
    static let protoMessageName = "NetState"
    static let fields = CaffeFields<Self>([
        .enumeration("phase", \.phase), .int("level", \.level, .int32), .strings("stage", \.stage),
    ])
}

/// The `*_param` blocks of a layer, as fields of `LayerParameter` (in its declaration order, the
/// writers' order); V1 layers have the subset in ``v1Fields``.
extension CaffeLayerParameters: CaffeMessage {
    static let protoMessageName = "LayerParameter"
    static let fields = CaffeFields<Self>([
        .message("transform_param", \.transform), .message("loss_param", \.loss),
        .message("accuracy_param", \.accuracy), .message("batch_norm_param", \.batchNorm),
        .message("bias_param", \.bias), .message("concat_param", \.concat),
        .message("convolution_param", \.convolution), .message("crop_param", \.crop),
        .message("data_param", \.data), .message("dropout_param", \.dropout),
        .message("eltwise_param", \.eltwise), .message("elu_param", \.elu),
        .message("flatten_param", \.flatten), .message("hdf5_data_param", \.hdf5Data),
        .message("image_data_param", \.imageData), .message("inner_product_param", \.innerProduct),
        .message("input_param", \.input), .message("lrn_param", \.lrn),
        .message("memory_data_param", \.memoryData), .message("pooling_param", \.pooling),
        .message("power_param", \.power), .message("prelu_param", \.prelu),
        .message("relu_param", \.relu), .message("reshape_param", \.reshape),
        .message("scale_param", \.scale), .message("softmax_param", \.softmax),
        .message("slice_param", \.slice), .message("threshold_param", \.threshold),
    ])

    /// The blocks `V1LayerParameter` has.
    static let v1Fields = CaffeFields<Self>(fields.all.filter {
        ["accuracy_param", "concat_param", "convolution_param", "data_param", "dropout_param", "eltwise_param",
         "hdf5_data_param", "image_data_param", "inner_product_param", "lrn_param", "memory_data_param", "pooling_param",
         "power_param", "relu_param", "softmax_param", "slice_param", "threshold_param", "transform_param",
         "loss_param"].contains($0.name)
    })
}
