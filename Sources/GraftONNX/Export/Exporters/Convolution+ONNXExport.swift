import GraftCore

// Convolution → Conv (BatchNorm/Scale/Bias folded in on request); Deconvolution → ConvTranspose;
// InnerProduct → Gemm, or MatMul + Add when the output keeps more than two dims.

/// Per output channel `w' = w * a`, `b' = b * a + c` for each folded node.
private struct ChannelAffine {
    var multiplier: [Float]
    var offset: [Float]

    mutating func then(multiply a: [Float], add c: [Float]) {
        for i in multiplier.indices {
            multiplier[i] *= a[i]
            offset[i] = offset[i] * a[i] + c[i]
        }
    }
}

enum ConvolutionONNXExporter: ONNXOpExporter {
    static let kind = OpKind.convolution

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .convolution(let p) = node.op else { return }
        let attributes: [ONNXAttribute] = [
            .ints("kernel_shape", p.kernel), .ints("strides", p.stride), .ints("dilations", p.dilation),
            .ints("pads", p.padBegin + p.padEnd), .int("group", p.groups),
        ]
        let weight = try b.weight(node, "weight")
        var bias = p.hasBias ? try b.weight(node, "bias").scalars : [Float](repeating: 0, count: p.outputChannels)
        var output = node.outputs[0]
        var weightValues = weight.scalars
        if b.options.foldBatchNorm, let (folded, affine) = try foldable(after: node, channels: p.outputChannels, b) {
            let perChannel = weight.elementCount / p.outputChannels
            for o in 0..<p.outputChannels {
                for i in 0..<perChannel { weightValues[o * perChannel + i] *= affine.multiplier[o] }
                bias[o] = bias[o] * affine.multiplier[o] + affine.offset[o]
            }
            for n in folded { b.absorbed.insert(n.name) }
            output = folded.last!.outputs[0]
        }
        let w = b.constant(node.tensorName("weight"), dims: weight.shape.dims, weightValues)
        var inputs = [node.inputs[0], w]
        if p.hasBias || output != node.outputs[0] { inputs.append(b.constant(node.tensorName("bias"), dims: [p.outputChannels], bias)) }
        b.emit("Conv", node, inputs: inputs, output: output, attributes: attributes)
    }

    /// The chain of per-channel nodes (BatchNorm, single-input Scale and Bias on axis 1) that
    /// reads the convolution's output alone, and their combined affine map.
    private static func foldable(after node: Node, channels: Int,
                                 _ b: ONNXExportBuilder) throws(ONNXError) -> ([Node], ChannelAffine)? {
        var chain: [Node] = []
        var affine = ChannelAffine(multiplier: .init(repeating: 1, count: channels), offset: .init(repeating: 0, count: channels))
        var value = node.outputs[0]
        while let next = b.soleConsumer(of: value), next.inputs.count == 1, next.outputs.count == 1 {
            switch next.op {
            case .batchNorm(let bn):
                let mean = try b.weight(next, "mean").scalars, variance = try b.weight(next, "variance").scalars
                let scale = bn.hasScale ? try b.weight(next, "scale").scalars : .init(repeating: 1, count: channels)
                let shift = bn.hasShift ? try b.weight(next, "shift").scalars : .init(repeating: 0, count: channels)
                let a = (0..<channels).map { scale[$0] / (variance[$0] + bn.epsilon).squareRoot() }
                affine.then(multiply: a, add: (0..<channels).map { shift[$0] - mean[$0] * a[$0] })
            case .scale(let s) where s.axis == 1 && s.axisCount == 1:
                let scale = try b.weight(next, "scale").scalars
                let bias = s.hasBias ? try b.weight(next, "bias").scalars : .init(repeating: 0, count: channels)
                affine.then(multiply: scale, add: bias)
            case .bias(let s) where s.axis == 1 && s.axisCount == 1:
                affine.then(multiply: .init(repeating: 1, count: channels), add: try b.weight(next, "bias").scalars)
            default:
                return chain.isEmpty ? nil : (chain, affine)
            }
            chain.append(next)
            value = next.outputs[0]
        }
        return chain.isEmpty ? nil : (chain, affine)
    }
}

/// Graft's deconvolution weight is `[in, out/groups, kh, kw]`, ONNX ConvTranspose's layout, and
/// both compute `stride * (in - 1) + dilation * (k - 1) + 1 - pads + output_padding`.
enum DeconvolutionONNXExporter: ONNXOpExporter {
    static let kind = OpKind.deconvolution

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .deconvolution(let p) = node.op else { return }
        var inputs = [node.inputs[0], try b.parameter(node, "weight")]
        if p.hasBias { inputs.append(try b.parameter(node, "bias")) }
        b.emit("ConvTranspose", node, inputs: inputs, output: node.outputs[0], attributes: [
            .ints("kernel_shape", p.kernel), .ints("strides", p.stride), .ints("dilations", p.dilation),
            .ints("pads", p.padBegin + p.padEnd), .int("group", p.groups), .ints("output_padding", p.outputPadding),
        ])
    }
}

/// Gemm (transB = 1) when the product is 2-D; otherwise MatMul with the transposed weight, then Add.
enum InnerProductONNXExporter: ONNXOpExporter {
    static let kind = OpKind.innerProduct

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .innerProduct(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        let k = x.count(from: axis)
        let output = node.outputs[0]
        if axis <= 1 {
            var input = node.inputs[0]
            if x.rank != 2 || axis == 0 {
                input = b.emit("Flatten", node, "flatten", inputs: [input], attributes: [.int("axis", axis)])
            }
            var inputs = [input, try b.parameter(node, "weight")]
            if p.hasBias { inputs.append(try b.parameter(node, "bias")) }
            let gemmOutput = axis == 0 ? nil : output
            let y = b.emit("Gemm", node, "gemm", inputs: inputs, output: gemmOutput, attributes: [.int("transB", 1)])
            if axis == 0 {
                b.emit("Reshape", node, "reshape", inputs: [y, b.ints(node, "shape", [p.outputCount])], output: output)
            }
            return
        }
        var input = node.inputs[0]
        if axis != x.rank - 1 {
            let shape = [Int](repeating: 0, count: axis) + [k]   // 0 copies the leading dims, batch included
            input = b.emit("Reshape", node, "reshape", inputs: [input, b.ints(node, "shape", shape)])
        }
        let weight = try b.weight(node, "weight")
        var transposed = [Float](repeating: 0, count: weight.elementCount)
        for o in 0..<p.outputCount {
            for i in 0..<k { transposed[i * p.outputCount + o] = weight.scalars[o * k + i] }
        }
        let w = b.constant(node.tensorName("weight"), dims: [k, p.outputCount], transposed)
        if p.hasBias {
            let product = b.emit("MatMul", node, "matmul", inputs: [input, w])
            b.emit("Add", node, "bias", inputs: [product, try b.parameter(node, "bias")], output: output)
        } else {
            b.emit("MatMul", node, "matmul", inputs: [input, w], output: output)
        }
    }
}
