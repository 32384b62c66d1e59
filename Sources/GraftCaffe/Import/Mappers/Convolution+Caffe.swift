import GraftCore

/// Kernel, stride, padding and dilation of a Convolution or Deconvolution layer, resolved from
/// `ConvolutionParameter` with Caffe's rules (`BaseConvolutionLayer::LayerSetUp`):
///
/// - kernel: `kernel_h` and `kernel_w` (both required together) win; else `kernel_size` with one
///   value (both axes) or two (height, width); none or more is an error.
/// - pad, stride: if `pad_h` or `pad_w` is set, they win (an absent one is 0); else the repeated
///   `pad` with zero values (0), one (both axes) or two (height, width). Stride likewise, default 1.
/// - dilation: zero values (1), one (both axes) or two.
/// - only 2-D convolution over channel axis 1 is mapped.
struct ConvolutionGeometry: Equatable {
    var kernel: [Int]
    var stride: [Int]
    var pad: [Int]
    var dilation: [Int]

    init(_ p: CaffeParam.Convolution, context: CaffeLayerContext) throws(CaffeImportError) {
        guard p.axis == 1 else { throw context.invalid("convolution over axis \(p.axis) is not supported (only channel axis 1)") }
        if p.kernelH != nil || p.kernelW != nil {
            guard let h = p.kernelH, let w = p.kernelW else {
                throw context.invalid("kernel_h and kernel_w must be given together")
            }
            guard p.kernelSize.isEmpty else { throw context.invalid("kernel_size and kernel_h/kernel_w are both given") }
            kernel = [h, w]
        } else {
            kernel = try Self.perAxis(p.kernelSize, default: nil, field: "kernel_size", context: context)
        }
        if p.strideH != nil || p.strideW != nil {
            guard p.stride.isEmpty else { throw context.invalid("stride and stride_h/stride_w are both given") }
            stride = [p.strideH ?? 1, p.strideW ?? 1]
        } else {
            stride = try Self.perAxis(p.stride, default: 1, field: "stride", context: context)
        }
        if p.padH != nil || p.padW != nil {
            guard p.pad.isEmpty else { throw context.invalid("pad and pad_h/pad_w are both given") }
            pad = [p.padH ?? 0, p.padW ?? 0]
        } else {
            pad = try Self.perAxis(p.pad, default: 0, field: "pad", context: context)
        }
        dilation = try Self.perAxis(p.dilation, default: 1, field: "dilation", context: context)
        guard kernel.allSatisfy({ $0 >= 1 }), stride.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }) else {
            throw context.invalid("kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive")
        }
        guard p.group >= 1 else { throw context.invalid("group must be positive, got \(p.group)") }
        guard p.numOutput >= 1 else { throw context.invalid("num_output must be positive, got \(p.numOutput)") }
    }

    /// A repeated size field: none (the default), one value for both axes, or height and width.
    static func perAxis(_ values: [Int], default value: Int?, field: String,
                        context: CaffeLayerContext) throws(CaffeImportError) -> [Int] {
        switch values.count {
        case 0:
            guard let value else { throw context.invalid("\(field) is not given") }
            return [value, value]
        case 1: return [values[0], values[0]]
        case 2: return values
        default: throw context.invalid("\(field) has \(values.count) values; only 2-D convolution (1 or 2 values) is supported")
        }
    }
}

/// Caffe `Convolution`: weight `[num_output, C/group, kh, kw]` (Graft's layout), optional bias.
struct ConvolutionMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.convolution

    static func parameters(_ context: CaffeLayerContext) throws(CaffeImportError) -> (CaffeParam.Convolution, ConvolutionGeometry) {
        try context.requireBottoms(1...1)
        let p = context.layer.convolution ?? CaffeParam.Convolution()
        let geometry = try ConvolutionGeometry(p, context: context)
        guard context.input.rank == 4 else { throw context.invalid("needs a 4-D NCHW input, got \(context.input)") }
        guard context.input[1] % p.group == 0, p.numOutput % p.group == 0 else {
            throw context.invalid("\(context.input[1]) input and \(p.numOutput) output channels do not divide into \(p.group) groups")
        }
        return (p, geometry)
    }

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        let (p, g) = try parameters(context)
        var blobs = [CaffeBlobRequirement(.weight, [p.numOutput, context.input[1] / p.group] + g.kernel, filler: p.weightFiller)]
        if p.biasTerm { blobs.append(CaffeBlobRequirement(.bias, [p.numOutput], filler: p.biasFiller)) }
        return blobs
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let (p, g) = try parameters(context)
        let op = Convolution(outputChannels: p.numOutput, kernel: g.kernel, stride: g.stride, padBegin: g.pad,
                             padEnd: g.pad, dilation: g.dilation, groups: p.group, hasBias: p.biasTerm)
        return .node(.convolution(op), weightAndBias(blobs))
    }

    static func weightAndBias(_ blobs: [Tensor]) -> [CaffeMappedParameter] {
        blobs.enumerated().map { i, t in CaffeMappedParameter(name: i == 0 ? "weight" : "bias", tensor: t, blob: i) }
    }
}

/// The forks' `ConvolutionDepthwise`: a Convolution grouped by the input's channels whatever
/// `group` says (the forks' layer never reads it), weight `[C, 1, kh, kw]`. The forks make as many
/// outputs as inputs and OpenCV (which runs it as a Convolution, taking the groups from the
/// weight's shape) makes `num_output`: the two agree only when they are equal, so that is required.
struct ConvolutionDepthwiseMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.convolutionDepthwise

    /// The context with `group` set to the input's channels.
    static func grouped(_ context: CaffeLayerContext) throws(CaffeImportError) -> CaffeLayerContext {
        try context.requireBottoms(1...1)
        guard context.input.rank == 4 else { throw context.invalid("needs a 4-D NCHW input, got \(context.input)") }
        let channels = context.input[1]
        var layer = context.layer
        var p = layer.convolution ?? CaffeParam.Convolution()
        guard p.numOutput == channels else {
            throw context.invalid("num_output \(p.numOutput) must equal the input's \(channels) channels (one filter per channel)")
        }
        guard p.group == 1 || p.group == channels else {
            throw context.invalid("group \(p.group) contradicts the depthwise grouping by \(channels) channels")
        }
        p.group = channels
        layer.convolution = p
        return CaffeLayerContext(layer: layer, file: context.file, inputShapes: context.inputShapes)
    }

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        try ConvolutionMapper.blobs(grouped(context))
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try ConvolutionMapper.map(grouped(context), blobs: blobs)
    }
}

/// Caffe `Deconvolution`: weight `[C, num_output/group, kh, kw]`, which is Graft's layout too.
struct DeconvolutionMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.deconvolution

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        let (p, g) = try ConvolutionMapper.parameters(context)
        var blobs = [CaffeBlobRequirement(.weight, [context.input[1], p.numOutput / p.group] + g.kernel, filler: p.weightFiller)]
        if p.biasTerm { blobs.append(CaffeBlobRequirement(.bias, [p.numOutput], filler: p.biasFiller)) }
        return blobs
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let (p, g) = try ConvolutionMapper.parameters(context)
        let op = Deconvolution(outputChannels: p.numOutput, kernel: g.kernel, stride: g.stride, padBegin: g.pad,
                               padEnd: g.pad, dilation: g.dilation, groups: p.group, hasBias: p.biasTerm)
        return .node(.deconvolution(op), ConvolutionMapper.weightAndBias(blobs))
    }
}

/// Caffe `InnerProduct`: dims from `axis` on are flattened to K; the weight is stored `[N, K]`,
/// or `[K, N]` with `transpose: true`, which the mapper transposes to Graft's `[N, K]`.
struct InnerProductMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.innerProduct

    static func parameters(_ context: CaffeLayerContext) throws(CaffeImportError) -> (CaffeParam.InnerProduct, axis: Int, k: Int) {
        try context.requireBottoms(1...1)
        let p = context.layer.innerProduct ?? CaffeParam.InnerProduct()
        guard p.numOutput >= 1 else { throw context.invalid("num_output must be positive, got \(p.numOutput)") }
        let axis = try context.axis(p.axis, field: "axis")
        return (p, axis, context.input.count(from: axis))
    }

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        let (p, _, k) = try parameters(context)
        var blobs = [CaffeBlobRequirement(.weight, p.transpose ? [k, p.numOutput] : [p.numOutput, k], filler: p.weightFiller)]
        if p.biasTerm { blobs.append(CaffeBlobRequirement(.bias, [p.numOutput], filler: p.biasFiller)) }
        return blobs
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let (p, axis, _) = try parameters(context)
        var parameters = ConvolutionMapper.weightAndBias(blobs)
        if p.transpose { parameters[0].tensor = parameters[0].tensor.transposed([1, 0]) }
        return .node(.innerProduct(InnerProduct(outputCount: p.numOutput, hasBias: p.biasTerm, axis: axis)), parameters)
    }
}
