internal import CCaffeProto
internal import CProtobufC

// Each `*_param` message copied from protobuf-c. protobuf-c fills absent fields with the
// defaults caffe.proto declares, so plain fields are copied as they are; `has_*` flags are read
// only where the Swift struct keeps presence (an optional).

extension BinaryDecoding {
    mutating func filler(_ c: Caffe__FillerParameter) throws(CaffeError) -> CaffeParam.Filler {
        try unknown(c.base, in: "FillerParameter")
        var p = CaffeParam.Filler()
        p.type = string(c.type)
        p.value = c.value
        p.min = c.min
        p.max = c.max
        p.mean = c.mean
        p.std = c.std
        p.sparse = Int(c.sparse)
        p.varianceNorm = try enumeration(c.variance_norm, CaffeParam.Filler.VarianceNorm.self, field: "variance_norm")
        return p
    }

    mutating func fillerPointer(_ c: UnsafeMutablePointer<Caffe__FillerParameter>?) throws(CaffeError) -> CaffeParam.Filler? {
        guard let c else { return nil }
        return try filler(c.pointee)
    }

    mutating func convolution(_ c: Caffe__ConvolutionParameter) throws(CaffeError) -> CaffeParam.Convolution {
        try unknown(c.base, in: "ConvolutionParameter")
        var p = CaffeParam.Convolution()
        p.numOutput = Int(c.num_output)
        p.biasTerm = c.bias_term != 0
        p.pad = ints(c.n_pad, c.pad)
        p.kernelSize = ints(c.n_kernel_size, c.kernel_size)
        p.stride = ints(c.n_stride, c.stride)
        p.dilation = ints(c.n_dilation, c.dilation)
        p.padH = optional(c.has_pad_h, c.pad_h)
        p.padW = optional(c.has_pad_w, c.pad_w)
        p.kernelH = optional(c.has_kernel_h, c.kernel_h)
        p.kernelW = optional(c.has_kernel_w, c.kernel_w)
        p.strideH = optional(c.has_stride_h, c.stride_h)
        p.strideW = optional(c.has_stride_w, c.stride_w)
        p.group = Int(c.group)
        p.weightFiller = try fillerPointer(c.weight_filler)
        p.biasFiller = try fillerPointer(c.bias_filler)
        p.engine = try enumeration(c.engine, CaffeEngine.self, field: "convolution_param.engine")
        p.axis = Int(c.axis)
        p.forceNDIm2col = c.force_nd_im2col != 0
        return p
    }

    mutating func innerProduct(_ c: Caffe__InnerProductParameter) throws(CaffeError) -> CaffeParam.InnerProduct {
        try unknown(c.base, in: "InnerProductParameter")
        var p = CaffeParam.InnerProduct()
        p.numOutput = Int(c.num_output)
        p.biasTerm = c.bias_term != 0
        p.weightFiller = try fillerPointer(c.weight_filler)
        p.biasFiller = try fillerPointer(c.bias_filler)
        p.axis = Int(c.axis)
        p.transpose = c.transpose != 0
        return p
    }

    mutating func pooling(_ c: Caffe__PoolingParameter) throws(CaffeError) -> CaffeParam.Pooling {
        try unknown(c.base, in: "PoolingParameter")
        var p = CaffeParam.Pooling()
        p.pool = try enumeration(c.pool, CaffeParam.Pooling.Method.self, field: "pooling_param.pool")
        p.pad = Int(c.pad)
        p.padH = optional(c.has_pad_h, c.pad_h)
        p.padW = optional(c.has_pad_w, c.pad_w)
        p.kernelSize = optional(c.has_kernel_size, c.kernel_size)
        p.kernelH = optional(c.has_kernel_h, c.kernel_h)
        p.kernelW = optional(c.has_kernel_w, c.kernel_w)
        p.stride = Int(c.stride)
        p.strideH = optional(c.has_stride_h, c.stride_h)
        p.strideW = optional(c.has_stride_w, c.stride_w)
        p.engine = try enumeration(c.engine, CaffeEngine.self, field: "pooling_param.engine")
        p.globalPooling = c.global_pooling != 0
        p.roundMode = try enumeration(c.round_mode, CaffeParam.Pooling.RoundMode.self, field: "pooling_param.round_mode")
        return p
    }

    mutating func lrn(_ c: Caffe__LRNParameter) throws(CaffeError) -> CaffeParam.LRN {
        try unknown(c.base, in: "LRNParameter")
        var p = CaffeParam.LRN()
        p.localSize = Int(c.local_size)
        p.alpha = c.alpha
        p.beta = c.beta
        p.normRegion = try enumeration(c.norm_region, CaffeParam.LRN.NormRegion.self, field: "lrn_param.norm_region")
        p.k = c.k
        p.engine = try enumeration(c.engine, CaffeEngine.self, field: "lrn_param.engine")
        return p
    }

    mutating func batchNorm(_ c: Caffe__BatchNormParameter) throws(CaffeError) -> CaffeParam.BatchNorm {
        try unknown(c.base, in: "BatchNormParameter")
        var p = CaffeParam.BatchNorm()
        p.useGlobalStats = c.has_use_global_stats != 0 ? c.use_global_stats != 0 : nil
        p.movingAverageFraction = c.moving_average_fraction
        p.eps = c.eps
        return p
    }

    mutating func scale(_ c: Caffe__ScaleParameter) throws(CaffeError) -> CaffeParam.Scale {
        try unknown(c.base, in: "ScaleParameter")
        var p = CaffeParam.Scale()
        p.axis = Int(c.axis)
        p.numAxes = Int(c.num_axes)
        p.filler = try fillerPointer(c.filler)
        p.biasTerm = c.bias_term != 0
        p.biasFiller = try fillerPointer(c.bias_filler)
        return p
    }

    mutating func bias(_ c: Caffe__BiasParameter) throws(CaffeError) -> CaffeParam.Bias {
        try unknown(c.base, in: "BiasParameter")
        var p = CaffeParam.Bias()
        p.axis = Int(c.axis)
        p.numAxes = Int(c.num_axes)
        p.filler = try fillerPointer(c.filler)
        return p
    }

    mutating func relu(_ c: Caffe__ReLUParameter) throws(CaffeError) -> CaffeParam.ReLU {
        try unknown(c.base, in: "ReLUParameter")
        var p = CaffeParam.ReLU()
        p.negativeSlope = c.negative_slope
        p.engine = try enumeration(c.engine, CaffeEngine.self, field: "relu_param.engine")
        return p
    }

    mutating func prelu(_ c: Caffe__PReLUParameter) throws(CaffeError) -> CaffeParam.PReLU {
        try unknown(c.base, in: "PReLUParameter")
        var p = CaffeParam.PReLU()
        p.filler = try fillerPointer(c.filler)
        p.channelShared = c.channel_shared != 0
        return p
    }

    mutating func elu(_ c: Caffe__ELUParameter) throws(CaffeError) -> CaffeParam.ELU {
        try unknown(c.base, in: "ELUParameter")
        var p = CaffeParam.ELU()
        p.alpha = c.alpha
        return p
    }

    mutating func power(_ c: Caffe__PowerParameter) throws(CaffeError) -> CaffeParam.Power {
        try unknown(c.base, in: "PowerParameter")
        var p = CaffeParam.Power()
        p.power = c.power
        p.scale = c.scale
        p.shift = c.shift
        return p
    }

    mutating func threshold(_ c: Caffe__ThresholdParameter) throws(CaffeError) -> CaffeParam.Threshold {
        try unknown(c.base, in: "ThresholdParameter")
        var p = CaffeParam.Threshold()
        p.threshold = c.threshold
        return p
    }

    mutating func softmax(_ c: Caffe__SoftmaxParameter) throws(CaffeError) -> CaffeParam.Softmax {
        try unknown(c.base, in: "SoftmaxParameter")
        var p = CaffeParam.Softmax()
        p.engine = try enumeration(c.engine, CaffeEngine.self, field: "softmax_param.engine")
        p.axis = Int(c.axis)
        return p
    }

    mutating func dropout(_ c: Caffe__DropoutParameter) throws(CaffeError) -> CaffeParam.Dropout {
        try unknown(c.base, in: "DropoutParameter")
        var p = CaffeParam.Dropout()
        p.dropoutRatio = c.dropout_ratio
        return p
    }

    mutating func eltwise(_ c: Caffe__EltwiseParameter) throws(CaffeError) -> CaffeParam.Eltwise {
        try unknown(c.base, in: "EltwiseParameter")
        var p = CaffeParam.Eltwise()
        p.operation = try enumeration(c.operation, CaffeParam.Eltwise.Operation.self, field: "eltwise_param.operation")
        p.coeff = floats(c.n_coeff, c.coeff)
        p.stableProdGrad = c.stable_prod_grad != 0
        return p
    }

    mutating func concat(_ c: Caffe__ConcatParameter) throws(CaffeError) -> CaffeParam.Concat {
        try unknown(c.base, in: "ConcatParameter")
        var p = CaffeParam.Concat()
        p.axis = Int(c.axis)
        p.concatDim = optional(c.has_concat_dim, c.concat_dim)
        return p
    }

    mutating func slice(_ c: Caffe__SliceParameter) throws(CaffeError) -> CaffeParam.Slice {
        try unknown(c.base, in: "SliceParameter")
        var p = CaffeParam.Slice()
        p.axis = Int(c.axis)
        p.slicePoint = ints(c.n_slice_point, c.slice_point)
        p.sliceDim = optional(c.has_slice_dim, c.slice_dim)
        return p
    }

    mutating func flatten(_ c: Caffe__FlattenParameter) throws(CaffeError) -> CaffeParam.Flatten {
        try unknown(c.base, in: "FlattenParameter")
        var p = CaffeParam.Flatten()
        p.axis = Int(c.axis)
        p.endAxis = Int(c.end_axis)
        return p
    }

    mutating func blobShape(_ c: Caffe__BlobShape) throws(CaffeError) -> [Int] {
        try unknown(c.base, in: "BlobShape")
        return ints(c.n_dim, c.dim)
    }

    mutating func reshape(_ c: Caffe__ReshapeParameter) throws(CaffeError) -> CaffeParam.Reshape {
        try unknown(c.base, in: "ReshapeParameter")
        var p = CaffeParam.Reshape()
        if let shape = c.shape { p.shape = try blobShape(shape.pointee) }
        p.axis = Int(c.axis)
        p.numAxes = Int(c.num_axes)
        return p
    }

    mutating func crop(_ c: Caffe__CropParameter) throws(CaffeError) -> CaffeParam.Crop {
        try unknown(c.base, in: "CropParameter")
        var p = CaffeParam.Crop()
        p.axis = Int(c.axis)
        p.offset = ints(c.n_offset, c.offset)
        return p
    }

    mutating func input(_ c: Caffe__InputParameter) throws(CaffeError) -> CaffeParam.Input {
        try unknown(c.base, in: "InputParameter")
        var p = CaffeParam.Input()
        for i in 0..<c.n_shape {
            if let shape = c.shape[i] { p.shape.append(try blobShape(shape.pointee)) }
        }
        return p
    }

    mutating func transformation(_ c: Caffe__TransformationParameter) throws(CaffeError) -> CaffeParam.Transformation {
        try unknown(c.base, in: "TransformationParameter")
        var p = CaffeParam.Transformation()
        p.scale = c.scale
        p.mirror = c.mirror != 0
        p.cropSize = Int(c.crop_size)
        p.meanFile = optionalString(c.mean_file)
        p.meanValue = floats(c.n_mean_value, c.mean_value)
        p.forceColor = c.force_color != 0
        p.forceGray = c.force_gray != 0
        return p
    }

    mutating func data(_ c: Caffe__DataParameter) throws(CaffeError) -> CaffeParam.Data {
        try unknown(c.base, in: "DataParameter")
        var p = CaffeParam.Data()
        p.source = string(c.source)
        p.batchSize = Int(c.batch_size)
        p.randSkip = Int(c.rand_skip)
        p.backend = try enumeration(c.backend, CaffeParam.Data.Backend.self, field: "data_param.backend")
        p.scale = c.scale
        p.meanFile = optionalString(c.mean_file)
        p.cropSize = Int(c.crop_size)
        p.mirror = c.mirror != 0
        p.forceEncodedColor = c.force_encoded_color != 0
        p.prefetch = Int(c.prefetch)
        return p
    }

    mutating func hdf5Data(_ c: Caffe__HDF5DataParameter) throws(CaffeError) -> CaffeParam.HDF5Data {
        try unknown(c.base, in: "HDF5DataParameter")
        var p = CaffeParam.HDF5Data()
        p.source = string(c.source)
        p.batchSize = Int(c.batch_size)
        p.shuffle = c.shuffle != 0
        return p
    }

    mutating func imageData(_ c: Caffe__ImageDataParameter) throws(CaffeError) -> CaffeParam.ImageData {
        try unknown(c.base, in: "ImageDataParameter")
        var p = CaffeParam.ImageData()
        p.source = string(c.source)
        p.batchSize = Int(c.batch_size)
        p.randSkip = Int(c.rand_skip)
        p.shuffle = c.shuffle != 0
        p.newHeight = Int(c.new_height)
        p.newWidth = Int(c.new_width)
        p.isColor = c.is_color != 0
        p.scale = c.scale
        p.meanFile = optionalString(c.mean_file)
        p.cropSize = Int(c.crop_size)
        p.mirror = c.mirror != 0
        p.rootFolder = string(c.root_folder)
        return p
    }

    mutating func memoryData(_ c: Caffe__MemoryDataParameter) throws(CaffeError) -> CaffeParam.MemoryData {
        try unknown(c.base, in: "MemoryDataParameter")
        var p = CaffeParam.MemoryData()
        p.batchSize = Int(c.batch_size)
        p.channels = Int(c.channels)
        p.height = Int(c.height)
        p.width = Int(c.width)
        return p
    }

    mutating func loss(_ c: Caffe__LossParameter) throws(CaffeError) -> CaffeParam.Loss {
        try unknown(c.base, in: "LossParameter")
        var p = CaffeParam.Loss()
        p.ignoreLabel = optional(c.has_ignore_label, c.ignore_label)
        if c.has_normalization != 0 {
            p.normalization = try enumeration(c.normalization, CaffeParam.Loss.Normalization.self, field: "loss_param.normalization")
        }
        p.normalize = c.has_normalize != 0 ? c.normalize != 0 : nil
        return p
    }

    mutating func accuracy(_ c: Caffe__AccuracyParameter) throws(CaffeError) -> CaffeParam.Accuracy {
        try unknown(c.base, in: "AccuracyParameter")
        var p = CaffeParam.Accuracy()
        p.topK = Int(c.top_k)
        p.axis = Int(c.axis)
        p.ignoreLabel = optional(c.has_ignore_label, c.ignore_label)
        return p
    }

    mutating func paramSpec(_ c: Caffe__ParamSpec) throws(CaffeError) -> CaffeParamSpec {
        try unknown(c.base, in: "ParamSpec")
        var p = CaffeParamSpec()
        p.name = optionalString(c.name)
        if c.has_share_mode != 0 { p.shareMode = try enumeration(c.share_mode, CaffeDimCheckMode.self, field: "param.share_mode") }
        p.lrMult = c.lr_mult
        p.decayMult = c.decay_mult
        return p
    }

    mutating func rule(_ c: Caffe__NetStateRule) throws(CaffeError) -> CaffeNetStateRule {
        try unknown(c.base, in: "NetStateRule")
        var p = CaffeNetStateRule()
        if c.has_phase != 0 { p.phase = try enumeration(c.phase, CaffePhase.self, field: "include/exclude.phase") }
        p.minLevel = optional(c.has_min_level, c.min_level)
        p.maxLevel = optional(c.has_max_level, c.max_level)
        p.stage = strings(c.n_stage, c.stage)
        p.notStage = strings(c.n_not_stage, c.not_stage)
        return p
    }

    mutating func netState(_ c: Caffe__NetState) throws(CaffeError) -> CaffeNetState {
        try unknown(c.base, in: "NetState")
        var p = CaffeNetState()
        p.phase = try enumeration(c.phase, CaffePhase.self, field: "state.phase")
        p.level = Int(c.level)
        p.stage = strings(c.n_stage, c.stage)
        return p
    }
}
