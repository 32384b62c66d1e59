// The text schema of each `*_param` message: field names as in caffe.proto, each bound to the
// typed struct's property with the field's protobuf type (for range checks).

extension CaffeParam.Filler: TextDecodable {
    static let protoMessageName = "FillerParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "type": .string(\.type), "value": .float(\.value), "min": .float(\.min), "max": .float(\.max),
        "mean": .float(\.mean), "std": .float(\.std), "sparse": .int(\.sparse, .int32),
        "variance_norm": .enumeration(\.varianceNorm),
    ]
}

extension CaffeParam.Convolution: TextDecodable {
    static let protoMessageName = "ConvolutionParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "num_output": .int(\.numOutput, .uint32), "bias_term": .bool(\.biasTerm),
        "pad": .ints(\.pad, .uint32), "kernel_size": .ints(\.kernelSize, .uint32),
        "stride": .ints(\.stride, .uint32), "dilation": .ints(\.dilation, .uint32),
        "pad_h": .optionalInt(\.padH, .uint32), "pad_w": .optionalInt(\.padW, .uint32),
        "kernel_h": .optionalInt(\.kernelH, .uint32), "kernel_w": .optionalInt(\.kernelW, .uint32),
        "stride_h": .optionalInt(\.strideH, .uint32), "stride_w": .optionalInt(\.strideW, .uint32),
        "group": .int(\.group, .uint32), "weight_filler": .message(\.weightFiller),
        "bias_filler": .message(\.biasFiller), "engine": .enumeration(\.engine),
        "axis": .int(\.axis, .int32), "force_nd_im2col": .bool(\.forceNDIm2col),
    ]
}

extension CaffeParam.InnerProduct: TextDecodable {
    static let protoMessageName = "InnerProductParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "num_output": .int(\.numOutput, .uint32), "bias_term": .bool(\.biasTerm),
        "weight_filler": .message(\.weightFiller), "bias_filler": .message(\.biasFiller),
        "axis": .int(\.axis, .int32), "transpose": .bool(\.transpose),
    ]
}

extension CaffeParam.Pooling: TextDecodable {
    static let protoMessageName = "PoolingParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "pool": .enumeration(\.pool), "pad": .int(\.pad, .uint32),
        "pad_h": .optionalInt(\.padH, .uint32), "pad_w": .optionalInt(\.padW, .uint32),
        "kernel_size": .optionalInt(\.kernelSize, .uint32),
        "kernel_h": .optionalInt(\.kernelH, .uint32), "kernel_w": .optionalInt(\.kernelW, .uint32),
        "stride": .int(\.stride, .uint32),
        "stride_h": .optionalInt(\.strideH, .uint32), "stride_w": .optionalInt(\.strideW, .uint32),
        "engine": .enumeration(\.engine), "global_pooling": .bool(\.globalPooling),
        "round_mode": .enumeration(\.roundMode), "ceil_mode": .optionalBool(\.ceilMode),
    ]
}

extension CaffeParam.LRN: TextDecodable {
    static let protoMessageName = "LRNParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "local_size": .int(\.localSize, .uint32), "alpha": .float(\.alpha), "beta": .float(\.beta),
        "norm_region": .enumeration(\.normRegion), "k": .float(\.k), "engine": .enumeration(\.engine),
    ]
}

extension CaffeParam.BatchNorm: TextDecodable {
    static let protoMessageName = "BatchNormParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "use_global_stats": .optionalBool(\.useGlobalStats),
        "moving_average_fraction": .float(\.movingAverageFraction), "eps": .float(\.eps),
    ]
}

extension CaffeParam.Scale: TextDecodable {
    static let protoMessageName = "ScaleParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "num_axes": .int(\.numAxes, .int32), "filler": .message(\.filler),
        "bias_term": .bool(\.biasTerm), "bias_filler": .message(\.biasFiller),
    ]
}

extension CaffeParam.Bias: TextDecodable {
    static let protoMessageName = "BiasParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "num_axes": .int(\.numAxes, .int32), "filler": .message(\.filler),
    ]
}

extension CaffeParam.ReLU: TextDecodable {
    static let protoMessageName = "ReLUParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "negative_slope": .float(\.negativeSlope), "engine": .enumeration(\.engine),
    ]
}

extension CaffeParam.PReLU: TextDecodable {
    static let protoMessageName = "PReLUParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "filler": .message(\.filler), "channel_shared": .bool(\.channelShared),
    ]
}

extension CaffeParam.ELU: TextDecodable {
    static let protoMessageName = "ELUParameter"
    static let textFields: [String: TextFieldSpec<Self>] = ["alpha": .float(\.alpha)]
}

extension CaffeParam.Power: TextDecodable {
    static let protoMessageName = "PowerParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "power": .float(\.power), "scale": .float(\.scale), "shift": .float(\.shift),
    ]
}

extension CaffeParam.Threshold: TextDecodable {
    static let protoMessageName = "ThresholdParameter"
    static let textFields: [String: TextFieldSpec<Self>] = ["threshold": .float(\.threshold)]
}

extension CaffeParam.Softmax: TextDecodable {
    static let protoMessageName = "SoftmaxParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "engine": .enumeration(\.engine), "axis": .int(\.axis, .int32),
    ]
}

extension CaffeParam.Dropout: TextDecodable {
    static let protoMessageName = "DropoutParameter"
    static let textFields: [String: TextFieldSpec<Self>] = ["dropout_ratio": .float(\.dropoutRatio)]
}

extension CaffeParam.Eltwise: TextDecodable {
    static let protoMessageName = "EltwiseParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "operation": .enumeration(\.operation), "coeff": .floats(\.coeff),
        "stable_prod_grad": .bool(\.stableProdGrad),
    ]
}

extension CaffeParam.Concat: TextDecodable {
    static let protoMessageName = "ConcatParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "concat_dim": .optionalInt(\.concatDim, .uint32),
    ]
}

extension CaffeParam.Slice: TextDecodable {
    static let protoMessageName = "SliceParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "slice_point": .ints(\.slicePoint, .uint32),
        "slice_dim": .optionalInt(\.sliceDim, .uint32),
    ]
}

extension CaffeParam.Flatten: TextDecodable {
    static let protoMessageName = "FlattenParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "end_axis": .int(\.endAxis, .int32),
    ]
}

extension CaffeParam.Reshape: TextDecodable {
    static let protoMessageName = "ReshapeParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "shape": .shape(\.shape), "axis": .int(\.axis, .int32), "num_axes": .int(\.numAxes, .int32),
    ]
}

extension CaffeParam.Crop: TextDecodable {
    static let protoMessageName = "CropParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "axis": .int(\.axis, .int32), "offset": .ints(\.offset, .uint32),
    ]
}

extension CaffeParam.Input: TextDecodable {
    static let protoMessageName = "InputParameter"
    static let textFields: [String: TextFieldSpec<Self>] = ["shape": .shapes(\.shape)]
}

extension CaffeParam.Transformation: TextDecodable {
    static let protoMessageName = "TransformationParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "scale": .float(\.scale), "mirror": .bool(\.mirror), "crop_size": .int(\.cropSize, .uint32),
        "mean_file": .optionalString(\.meanFile), "mean_value": .floats(\.meanValue),
        "force_color": .bool(\.forceColor), "force_gray": .bool(\.forceGray),
    ]
}

extension CaffeParam.Data: TextDecodable {
    static let protoMessageName = "DataParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "source": .string(\.source), "batch_size": .int(\.batchSize, .uint32),
        "rand_skip": .int(\.randSkip, .uint32), "backend": .enumeration(\.backend),
        "scale": .float(\.scale), "mean_file": .optionalString(\.meanFile),
        "crop_size": .int(\.cropSize, .uint32), "mirror": .bool(\.mirror),
        "force_encoded_color": .bool(\.forceEncodedColor), "prefetch": .int(\.prefetch, .uint32),
    ]
}

extension CaffeParam.HDF5Data: TextDecodable {
    static let protoMessageName = "HDF5DataParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "source": .string(\.source), "batch_size": .int(\.batchSize, .uint32), "shuffle": .bool(\.shuffle),
    ]
}

extension CaffeParam.ImageData: TextDecodable {
    static let protoMessageName = "ImageDataParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "source": .string(\.source), "batch_size": .int(\.batchSize, .uint32),
        "rand_skip": .int(\.randSkip, .uint32), "shuffle": .bool(\.shuffle),
        "new_height": .int(\.newHeight, .uint32), "new_width": .int(\.newWidth, .uint32),
        "is_color": .bool(\.isColor), "scale": .float(\.scale), "mean_file": .optionalString(\.meanFile),
        "crop_size": .int(\.cropSize, .uint32), "mirror": .bool(\.mirror), "root_folder": .string(\.rootFolder),
    ]
}

extension CaffeParam.MemoryData: TextDecodable {
    static let protoMessageName = "MemoryDataParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "batch_size": .int(\.batchSize, .uint32), "channels": .int(\.channels, .uint32),
        "height": .int(\.height, .uint32), "width": .int(\.width, .uint32),
    ]
}

extension CaffeParam.Loss: TextDecodable {
    static let protoMessageName = "LossParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "ignore_label": .optionalInt(\.ignoreLabel, .int32), "normalization": .optionalEnum(\.normalization),
        "normalize": .optionalBool(\.normalize),
    ]
}

extension CaffeParam.Accuracy: TextDecodable {
    static let protoMessageName = "AccuracyParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "top_k": .int(\.topK, .uint32), "axis": .int(\.axis, .int32),
        "ignore_label": .optionalInt(\.ignoreLabel, .int32),
    ]
}

extension CaffeParamSpec: TextDecodable {
    init() { self.init(name: nil) }
    static let protoMessageName = "ParamSpec"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "name": .optionalString(\.name), "share_mode": .optionalEnum(\.shareMode),
        "lr_mult": .float(\.lrMult), "decay_mult": .float(\.decayMult),
    ]
}

extension CaffeNetStateRule: TextDecodable {
    init() { self.init(phase: nil) }
    static let protoMessageName = "NetStateRule"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "phase": .optionalEnum(\.phase), "min_level": .optionalInt(\.minLevel, .int32),
        "max_level": .optionalInt(\.maxLevel, .int32), "stage": .strings(\.stage), "not_stage": .strings(\.notStage),
    ]
}

extension CaffeNetState: TextDecodable {
    static let protoMessageName = "NetState"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "phase": .enumeration(\.phase), "level": .int(\.level, .int32), "stage": .strings(\.stage),
    ]
}
