import GraftCore

// Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose → Convolution / Deconvolution.

/// Per-side pads for Keras `valid`/`same` over the Graft NCHW input `x`.
func kerasPads(_ padding: KerasPadding, input x: KerasTensorBinding, kernel: KerasSize2D, strides: KerasSize2D,
               dilation: KerasSize2D) throws(KerasMappingFailure) -> (begin: [Int], end: [Int]) {
    switch padding {
    case .valid:
        return ([0, 0], [0, 0])
    case .same:
        guard let shape = x.shape else { throw .needsInputShape }
        let h = TensorFlowPadding.same(input: shape[2], kernel: kernel.height, stride: strides.height, dilation: dilation.height)
        let w = TensorFlowPadding.same(input: shape[3], kernel: kernel.width, stride: strides.width, dilation: dilation.width)
        return ([h.begin, w.begin], [h.end, w.end])
    }
}

/// The layout of a spatial layer's output: channels-last layers produce `[N, H, W, C]` tensors,
/// which Graft holds channels-first.
func outputLayout(_ format: KerasDataFormat) -> KerasTensorLayout {
    format == .channelsLast ? .channelsFirst : .keras
}

/// Flips a Graft-layout kernel `[a, b, kh, kw]` when the weights come from Theano.
private func theanoFlipped(_ kernel: Tensor, _ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) -> Tensor {
    guard context.flipKernels, kernel.shape[2] * kernel.shape[3] > 1 else { return kernel }
    graph.flippedKernels += 1
    return Tensor(shape: kernel.shape, scalars: KerasWeightLayout.flippedSpatially(kernel.scalars, shape: kernel.shape.dims))
}

enum Conv2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.conv2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .conv2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        try context.checkSpatial([("kernel_size", c.kernelSize), ("strides", c.strides), ("dilation_rate", c.dilationRate)])
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        let (kh, kw) = (c.kernelSize.height, c.kernelSize.width)
        let kernel = try context.weight("kernel", expected: c.kernelLayout == .hwio ? [kh, kw, nil, c.filters] : [c.filters, nil, kh, kw])
        var weight = c.kernelLayout == .hwio ? KerasWeightLayout.oihw(fromHWIO: kernel.values, shape: kernel.shape.dims)
                                             : Tensor(shape: kernel.shape, scalars: kernel.values)
        weight = theanoFlipped(weight, context, &graph)
        let pads = try kerasPads(c.padding, input: x, kernel: c.kernelSize, strides: c.strides, dilation: c.dilationRate)
        let op = Convolution(outputChannels: c.filters, kernel: [c.kernelSize.height, c.kernelSize.width],
                             stride: [c.strides.height, c.strides.width], padBegin: pads.begin, padEnd: pads.end,
                             dilation: [c.dilationRate.height, c.dilationRate.width], groups: c.groups, hasBias: c.useBias)
        var parameters = [("weight", weight)]
        if c.useBias { parameters.append(("bias", try context.vector("bias", count: c.filters))) }
        let y = try graph.bind(context.name, .convolution(op), inputs: [x.value], parameters: parameters,
                               layout: outputLayout(c.dataFormat))
        return try KerasActivationMapping.apply(c.activation, to: y, name: KerasActivationMapping.fusedName(context.name, c.activation),
                                                context: context, graph: &graph)
    }
}

enum DepthwiseConv2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.depthwiseConv2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .depthwiseConv2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        try context.checkSpatial([("kernel_size", c.kernelSize), ("strides", c.strides), ("dilation_rate", c.dilationRate)])
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        let kernel = try context.weight("depthwise_kernel", expected: [c.kernelSize.height, c.kernelSize.width, nil, c.depthMultiplier])
        let channels = kernel.shape[2]
        let weight = theanoFlipped(KerasWeightLayout.depthwise(fromKeras: kernel.values, shape: kernel.shape.dims), context, &graph)
        let pads = try kerasPads(c.padding, input: x, kernel: c.kernelSize, strides: c.strides, dilation: c.dilationRate)
        let outputs = channels * c.depthMultiplier
        let op = Convolution(outputChannels: outputs, kernel: [c.kernelSize.height, c.kernelSize.width],
                             stride: [c.strides.height, c.strides.width], padBegin: pads.begin, padEnd: pads.end,
                             dilation: [c.dilationRate.height, c.dilationRate.width], groups: channels, hasBias: c.useBias)
        var parameters = [("weight", weight)]
        if c.useBias { parameters.append(("bias", try context.vector("bias", count: outputs))) }
        let y = try graph.bind(context.name, .convolution(op), inputs: [x.value], parameters: parameters,
                               layout: outputLayout(c.dataFormat))
        return try KerasActivationMapping.apply(c.activation, to: y, name: KerasActivationMapping.fusedName(context.name, c.activation),
                                                context: context, graph: &graph)
    }
}

/// A SeparableConv2D is a depthwise convolution (`<name>/depthwise`, no bias) followed by a 1x1
/// pointwise convolution (`<name>`, with the layer's bias).
enum SeparableConv2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.separableConv2D

    static let depthwiseSuffix = "/depthwise"

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .separableConv2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        try context.checkSpatial([("kernel_size", c.kernelSize), ("strides", c.strides), ("dilation_rate", c.dilationRate)])
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        let depthwiseKernel = try context.weight("depthwise_kernel",
                                                 expected: [c.kernelSize.height, c.kernelSize.width, nil, c.depthMultiplier])
        let channels = depthwiseKernel.shape[2]
        let depthwiseWeight = theanoFlipped(KerasWeightLayout.depthwise(fromKeras: depthwiseKernel.values,
                                                                        shape: depthwiseKernel.shape.dims), context, &graph)
        let pads = try kerasPads(c.padding, input: x, kernel: c.kernelSize, strides: c.strides, dilation: c.dilationRate)
        let depthwise = Convolution(outputChannels: channels * c.depthMultiplier, kernel: [c.kernelSize.height, c.kernelSize.width],
                                    stride: [c.strides.height, c.strides.width], padBegin: pads.begin, padEnd: pads.end,
                                    dilation: [c.dilationRate.height, c.dilationRate.width], groups: channels, hasBias: false)
        let d = try graph.add(context.name + depthwiseSuffix, .convolution(depthwise), inputs: [x.value],
                              parameters: [("weight", depthwiseWeight)])
        let pointwiseKernel = try context.weight("pointwise_kernel", expected: [1, 1, channels * c.depthMultiplier, c.filters])
        let pointwiseWeight = KerasWeightLayout.oihw(fromHWIO: pointwiseKernel.values, shape: pointwiseKernel.shape.dims)
        var parameters = [("weight", pointwiseWeight)]
        if c.useBias { parameters.append(("bias", try context.vector("bias", count: c.filters))) }
        let pointwise = Convolution(outputChannels: c.filters, kernel: [1, 1], hasBias: c.useBias)
        let y = try graph.bind(context.name, .convolution(pointwise), inputs: [d.value], parameters: parameters,
                               layout: outputLayout(c.dataFormat))
        return try KerasActivationMapping.apply(c.activation, to: y, name: KerasActivationMapping.fusedName(context.name, c.activation),
                                                context: context, graph: &graph)
    }
}

/// Conv2DTranspose → Deconvolution. TensorFlow's transposed convolution is the gradient of its
/// correlation, which is what Graft's (Caffe's) Deconvolution computes, so the kernel is only
/// transposed, not flipped; the output size follows Keras's `deconv_output_length`.
enum Conv2DTransposeMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.conv2DTranspose

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .conv2DTranspose(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        try context.checkSpatial([("kernel_size", c.kernelSize), ("strides", c.strides), ("dilation_rate", c.dilationRate)])
        if let p = c.outputPadding, p.height < 0 || p.width < 0 { throw .invalid("output_padding \(p) is negative") }
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        guard let shape = x.shape else { throw .needsInputShape }
        let kernel = try context.weight("kernel", expected: [c.kernelSize.height, c.kernelSize.width, c.filters, nil])
        let weight = theanoFlipped(KerasWeightLayout.deconvolution(fromKeras: kernel.values, shape: kernel.shape.dims),
                                   context, &graph)
        let h = TensorFlowPadding.transposed(input: shape[2], kernel: c.kernelSize.height, padding: c.padding,
                                             outputPadding: c.outputPadding?.height, stride: c.strides.height,
                                             dilation: c.dilationRate.height)
        let w = TensorFlowPadding.transposed(input: shape[3], kernel: c.kernelSize.width, padding: c.padding,
                                             outputPadding: c.outputPadding?.width, stride: c.strides.width,
                                             dilation: c.dilationRate.width)
        guard h.output >= 1, w.output >= 1 else {
            throw .invalid("output size \(h.output)x\(w.output) from input \(shape[2])x\(shape[3]) is empty")
        }
        let op = Deconvolution(outputChannels: c.filters, kernel: [c.kernelSize.height, c.kernelSize.width],
                               stride: [c.strides.height, c.strides.width], padBegin: [h.begin, w.begin],
                               padEnd: [h.end, w.end], dilation: [c.dilationRate.height, c.dilationRate.width],
                               hasBias: c.useBias, outputPadding: [h.outputPadding, w.outputPadding])
        var parameters = [("weight", weight)]
        if c.useBias { parameters.append(("bias", try context.vector("bias", count: c.filters))) }
        let y = try graph.bind(context.name, .deconvolution(op), inputs: [x.value], parameters: parameters,
                               layout: outputLayout(c.dataFormat))
        return try KerasActivationMapping.apply(c.activation, to: y, name: KerasActivationMapping.fusedName(context.name, c.activation),
                                                context: context, graph: &graph)
    }
}
