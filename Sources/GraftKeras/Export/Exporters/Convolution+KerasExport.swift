import GraftCore

// Convolution → Conv2D / DepthwiseConv2D / SeparableConv2D; Deconvolution → Conv2DTranspose;
// InnerProduct → Dense.

/// The input padded for Keras: `same`/`valid` when they produce the node's pads, else a
/// ZeroPadding2D (`<node>_pad`) followed by `valid`.
private func padded(_ x: KerasExportBinding, _ node: Node, kernel: [Int], stride: [Int], dilation: [Int],
                    padBegin: [Int], padEnd: [Int], _ b: inout KerasExportBuilder) -> (KerasExportBinding, KerasPadding) {
    if let mode = KerasExportPadding.mode(input: [x.shape[2], x.shape[3]], kernel: kernel, stride: stride, dilation: dilation,
                                          padBegin: padBegin, padEnd: padEnd) {
        return (x, mode)
    }
    let shape: Shape = [x.shape[0], x.shape[1], x.shape[2] + padBegin[0] + padEnd[0], x.shape[3] + padBegin[1] + padEnd[1]]
    let pad = b.emit("ZeroPadding2D", name: node.name + "_pad",
                     config: [("padding", KerasExportPadding.insets(padBegin, padEnd)), ("data_format", .string("channels_last"))],
                     inputs: [x], shape: shape, layout: .channelsFirst)
    return (pad, .valid)
}

private func spatial(_ kernel: [Int], _ stride: [Int], _ padding: KerasPadding, _ dilation: [Int]) -> [(key: String, value: JSONValue)] {
    [("kernel_size", KerasConfigValue.ints(kernel)), ("strides", KerasConfigValue.ints(stride)),
     ("padding", .string(padding.rawValue)), ("data_format", .string("channels_last")),
     ("dilation_rate", KerasConfigValue.ints(dilation))]
}

enum ConvolutionExporter: KerasOpExporter {
    static let kind = OpKind.convolution

    /// The pointwise node a depthwise node `<p>/depthwise` feeds alone (the importer's split of a
    /// SeparableConv2D), written back as one SeparableConv2D.
    static func separablePointwise(after depthwise: Node, _ b: KerasExportBuilder) -> Node? {
        guard case .convolution(let d) = depthwise.op, !d.hasBias, d.groups > 1,
              let input = depthwise.inputs.first, let x = b.shapes[input], x.rank == 4,
              d.groups == x[1], d.outputChannels % d.groups == 0,
              let next = b.soleConsumer(of: depthwise.outputs[0]), depthwise.name == next.name + SeparableConv2DMapper.depthwiseSuffix,
              case .convolution(let p) = next.op, p.kernel == [1, 1], p.stride == [1, 1], p.groups == 1,
              p.dilation == [1, 1], p.padBegin == [0, 0], p.padEnd == [0, 0] else { return nil }
        return next
    }

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .convolution(let p) = node.op else { return }
        if separablePointwise(after: node, b) != nil { return }    // written with its pointwise node
        if let depthwise = b.producer(of: node.inputs[0]), separablePointwise(after: depthwise, b)?.name == node.name {
            return try exportSeparable(depthwise: depthwise, pointwise: node, &b)
        }
        let x = try b.image(try b.input(node))
        let inputs = x.shape[1]
        let weight = try b.weight(node, "weight")
        let (input, padding) = padded(x, node, kernel: p.kernel, stride: p.stride, dilation: p.dilation,
                                      padBegin: p.padBegin, padEnd: p.padEnd, &b)
        var weights: [KerasExportLayer.Weight]
        var config = spatial(p.kernel, p.stride, padding, p.dilation)
        let className: String
        if p.groups > 1, p.groups == inputs, p.outputChannels % inputs == 0 {
            className = "DepthwiseConv2D"
            let k = KerasWeightLayout.depthwiseKeras(from: weight, inputChannels: inputs)
            weights = [.init(name: "depthwise_kernel", shape: k.shape, values: k.values)]
            config.append(("depth_multiplier", KerasConfigValue.int(p.outputChannels / inputs)))
        } else {
            className = "Conv2D"
            let k = KerasWeightLayout.hwio(fromOIHW: weight)
            weights = [.init(name: "kernel", shape: k.shape, values: k.values)]
            config.insert(("filters", KerasConfigValue.int(p.outputChannels)), at: 0)
            config.append(("groups", KerasConfigValue.int(p.groups)))
        }
        config.append(("use_bias", .bool(p.hasBias)))
        if p.hasBias {
            let bias = try b.weight(node, "bias")
            weights.append(.init(name: "bias", shape: [bias.elementCount], values: bias.scalars))
        }
        b.emitWithActivation(className, host: node, config: config, inputs: [input], weights: weights,
                             trainable: b.isTrainable([node]), shape: try b.shape(node.outputs[0]), layout: .channelsFirst)
    }

    private static func exportSeparable(depthwise: Node, pointwise: Node,
                                        _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .convolution(let d) = depthwise.op, case .convolution(let p) = pointwise.op else { return }
        let x = try b.image(try b.input(depthwise))
        let inputs = x.shape[1]
        let (input, padding) = padded(x, depthwise, kernel: d.kernel, stride: d.stride, dilation: d.dilation,
                                      padBegin: d.padBegin, padEnd: d.padEnd, &b)
        let dk = KerasWeightLayout.depthwiseKeras(from: try b.weight(depthwise, "weight"), inputChannels: inputs)
        let pk = KerasWeightLayout.hwio(fromOIHW: try b.weight(pointwise, "weight"))
        var weights: [KerasExportLayer.Weight] = [.init(name: "depthwise_kernel", shape: dk.shape, values: dk.values),
                                                   .init(name: "pointwise_kernel", shape: pk.shape, values: pk.values)]
        if p.hasBias {
            let bias = try b.weight(pointwise, "bias")
            weights.append(.init(name: "bias", shape: [bias.elementCount], values: bias.scalars))
        }
        var config: [(key: String, value: JSONValue)] = [("filters", KerasConfigValue.int(p.outputChannels))]
        config += spatial(d.kernel, d.stride, padding, d.dilation)
        config += [("depth_multiplier", KerasConfigValue.int(d.outputChannels / inputs)), ("use_bias", .bool(p.hasBias))]
        b.emitWithActivation("SeparableConv2D", host: pointwise, config: config, inputs: [input], weights: weights,
                             trainable: b.isTrainable([depthwise, pointwise]), shape: try b.shape(pointwise.outputs[0]),
                             layout: .channelsFirst)
    }
}

/// Deconvolution → Conv2DTranspose with the `padding`/`output_padding` that reproduce the
/// node's crop, or a `valid` one followed by a Cropping2D.
enum DeconvolutionExporter: KerasOpExporter {
    static let kind = OpKind.deconvolution

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .deconvolution(let p) = node.op else { return }
        guard p.groups == 1 else { throw b.unsupported(node, "grouped transposed convolution (Conv2DTranspose has no groups)") }
        let x = try b.image(try b.input(node))
        let y = try b.shape(node.outputs[0])
        let size = [x.shape[2], x.shape[3]]
        let output = [y[2], y[3]]
        func matches(_ padding: KerasPadding, _ outputPadding: [Int]?) -> Bool {
            (0..<2).allSatisfy { i in
                let t = TensorFlowPadding.transposed(input: size[i], kernel: p.kernel[i], padding: padding,
                                                     outputPadding: outputPadding?[i], stride: p.stride[i], dilation: p.dilation[i])
                return t.begin == p.padBegin[i] && t.output == output[i]
            }
        }
        var choice: (KerasPadding, [Int]?)?
        search: for padding in [KerasPadding.valid, .same] {
            if matches(padding, nil) { choice = (padding, nil); break search }
            for oh in 0..<p.stride[0] {
                for ow in 0..<p.stride[1] where matches(padding, [oh, ow]) {
                    choice = (padding, [oh, ow])
                    break search
                }
            }
        }
        let k = KerasWeightLayout.deconvolutionKeras(from: try b.weight(node, "weight"))
        var weights: [KerasExportLayer.Weight] = [.init(name: "kernel", shape: k.shape, values: k.values)]
        if p.hasBias {
            let bias = try b.weight(node, "bias")
            weights.append(.init(name: "bias", shape: [bias.elementCount], values: bias.scalars))
        }
        func config(_ padding: KerasPadding, _ outputPadding: [Int]?) -> [(key: String, value: JSONValue)] {
            [("filters", KerasConfigValue.int(p.outputChannels))] + spatial(p.kernel, p.stride, padding, p.dilation)
                + [("output_padding", outputPadding.map(KerasConfigValue.ints) ?? .null), ("use_bias", .bool(p.hasBias))]
        }
        if let (padding, outputPadding) = choice {
            b.emitWithActivation("Conv2DTranspose", host: node, config: config(padding, outputPadding), inputs: [x],
                                 weights: weights, trainable: b.isTrainable([node]), shape: y, layout: .channelsFirst)
            return
        }
        // valid, then crop the begin pads and whatever lies past the node's output.
        var full: [Int] = []
        for i in 0..<2 {
            full.append(TensorFlowPadding.transposedOutputLength(input: size[i], kernel: p.kernel[i], padding: .valid,
                                                                 outputPadding: nil, stride: p.stride[i], dilation: p.dilation[i]))
        }
        let end = (0..<2).map { full[$0] - p.padBegin[$0] - output[$0] }
        guard end.allSatisfy({ $0 >= 0 }) else {
            throw b.unsupported(node, "output padding beyond Keras's transposed output (pads \(p.padBegin)/\(p.padEnd), "
                                + "output padding \(p.outputPadding))")
        }
        let transposed = b.emit("Conv2DTranspose", name: node.name, config: config(.valid, nil) + [("activation", .string("linear"))],
                                inputs: [x], weights: weights, trainable: b.isTrainable([node]),
                                shape: [y[0], y[1], full[0], full[1]], layout: .channelsFirst)
        let cropped = b.emit("Cropping2D", name: node.name + "_crop",
                             config: [("cropping", KerasExportPadding.insets(p.padBegin, end)), ("data_format", .string("channels_last"))],
                             inputs: [transposed], shape: y, layout: .channelsFirst)
        b.bind(node.outputs[0], cropped)
    }
}

/// InnerProduct → Dense (a Flatten first when it flattens an image, with the kernel's rows put
/// back in Keras's H, W, C order; a Reshape first when it flattens some trailing axes).
enum InnerProductExporter: KerasOpExporter {
    static let kind = OpKind.innerProduct

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .innerProduct(let p) = node.op else { return }
        var x = try b.input(node)
        guard let axis = x.shape.normalizedAxis(p.axis), axis >= 1 else {
            throw b.unsupported(node, "an inner product over the batch axis")
        }
        let weight = try b.weight(node, "weight")
        var flattened: (channels: Int, height: Int, width: Int)?
        if x.shape.rank == 4, axis == 1 {
            let image = x
            x = b.emit("Flatten", name: node.name + "_flatten", config: [("data_format", .string("channels_last"))],
                       inputs: [image], shape: [image.shape[0], image.shape.count(from: 1)], layout: .keras)
            if image.layout == .channelsFirst,
               !KerasGraphBuilder.isMemoryOrderPreserved(image.shape.dims, order: [0, 2, 3, 1]) {
                flattened = (image.shape[1], image.shape[2], image.shape[3])
            }
        } else if x.shape.rank == 2, case .flattenedChannelsFirst(let c, let h, let w) = x.layout {
            flattened = (c, h, w)
        } else if axis == x.shape.rank - 1 {
            x = b.keras(x)
        } else {
            x = b.keras(x)
            let merged = Array(x.shape.dims[..<axis]) + [x.shape.count(from: axis)]
            x = b.emit("Reshape", name: node.name + "_merge", config: [("target_shape", KerasConfigValue.ints(Array(merged.dropFirst())))],
                       inputs: [x], shape: Shape(merged), layout: .keras)
        }
        let k = KerasWeightLayout.denseKernel(from: weight, flattened: flattened)
        var weights: [KerasExportLayer.Weight] = [.init(name: "kernel", shape: k.shape, values: k.values)]
        if p.hasBias {
            let bias = try b.weight(node, "bias")
            weights.append(.init(name: "bias", shape: [bias.elementCount], values: bias.scalars))
        }
        b.emitWithActivation("Dense", host: node,
                             config: [("units", KerasConfigValue.int(p.outputCount)), ("use_bias", .bool(p.hasBias))],
                             inputs: [x], weights: weights, trainable: b.isTrainable([node]),
                             shape: try b.shape(node.outputs[0]), layout: .keras)
    }
}
