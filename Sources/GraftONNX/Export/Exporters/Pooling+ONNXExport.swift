import GraftCore

// Pooling → MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool; LRN → LRN (across
// channels) or a pool of squares (within a channel).

/// Pooling written without `ceil_mode`, whose rounding ONNX Runtime does not define as Caffe
/// does: the end pads are extended just enough that floor rounding yields Graft's output size
/// (Caffe's ceil overhang). Max pooling ignores pads. An average that counts padding
/// (Caffe) first pads with zeros explicitly, then averages with `count_include_pad = 0` over the
/// padded tensor, so the overhang beyond the padding is never counted, as in Caffe; one that
/// excludes padding (TensorFlow) averages with `count_include_pad = 0` directly.
enum PoolingONNXExporter: ONNXOpExporter {
    static let kind = OpKind.pooling

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .pooling(let p) = node.op else { return }
        let output = node.outputs[0]
        if p.global {
            b.emit(p.method == .max ? "GlobalMaxPool" : "GlobalAveragePool", node, inputs: [node.inputs[0]], output: output)
            return
        }
        let x = try b.inputShape(node)
        let y = try b.shape(output, of: node)
        var input = node.inputs[0]
        var padBegin = p.padBegin, padEnd = p.padEnd
        let explicitPad = p.method == .average && p.averageDivisor == .includePadding && (padBegin + padEnd).contains { $0 > 0 }
        if explicitPad {
            let pads = b.ints(node, "pads", [0, 0, padBegin[0], padBegin[1], 0, 0, padEnd[0], padEnd[1]])
            input = b.emit("Pad", node, "pad", inputs: [input, pads, b.scalar(node, "pad_value", 0)],
                           attributes: [.string("mode", "constant")])
            padBegin = [0, 0]
            padEnd = [0, 0]
        }
        var size = [x[2], x[3]]
        if explicitPad { size = [x[2] + p.padBegin[0] + p.padEnd[0], x[3] + p.padBegin[1] + p.padEnd[1]] }
        for i in 0..<2 {
            // The last window must fit the padded input under floor rounding.
            let needed = (y[2 + i] - 1) * p.stride[i] + p.kernel[i] - size[i] - padBegin[i]
            padEnd[i] = max(padEnd[i], needed)
            let floorSize = (size[i] + padBegin[i] + padEnd[i] - p.kernel[i]) / p.stride[i] + 1
            guard floorSize == y[2 + i] else {
                throw b.failure(node, "no floor-mode padding gives output size \(y[2 + i]) on axis \(2 + i) (got \(floorSize))")
            }
            guard padBegin[i] < p.kernel[i], padEnd[i] < p.kernel[i] else {
                throw b.failure(node, "pads \(padBegin[i])/\(padEnd[i]) on axis \(2 + i) are not smaller than the kernel \(p.kernel[i]) (a window would lie in the padding)")
            }
        }
        var attributes: [ONNXAttribute] = [.ints("kernel_shape", p.kernel), .ints("strides", p.stride),
                                           .ints("pads", padBegin + padEnd)]
        if p.method == .average { attributes.append(.int("count_include_pad", 0)) }
        b.emit(p.method == .max ? "MaxPool" : "AveragePool", node, inputs: [input], output: output, attributes: attributes)
    }
}

/// Across channels: ONNX LRN, whose `alpha` is divided by `size` as Caffe's is. Within a
/// channel: `x * (1 + alpha * avgpool(x²))^-beta`, the average over a zero-padded `size × size`
/// window counting the padding (Caffe divides by `size²` everywhere).
enum LRNONNXExporter: ONNXOpExporter {
    static let kind = OpKind.lrn

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .lrn(let p) = node.op else { return }
        let x = node.inputs[0]
        switch p.region {
        case .acrossChannels:
            b.emit("LRN", node, inputs: [x], output: node.outputs[0], attributes: [
                .int("size", p.size), .float("alpha", p.alpha), .float("beta", p.beta), .float("bias", p.k),
            ])
        case .withinChannel:
            let half = (p.size - 1) / 2
            let square = b.emit("Mul", node, "square", inputs: [x, x])
            let mean = b.emit("AveragePool", node, "window_mean", inputs: [square], attributes: [
                .ints("kernel_shape", [p.size, p.size]), .ints("strides", [1, 1]), .ints("pads", [half, half, half, half]),
                .int("count_include_pad", 1),
            ])
            let scaled = b.emit("Mul", node, "alpha", inputs: [mean, b.scalar(node, "alpha_value", p.alpha)])
            let base = b.emit("Add", node, "one_plus", inputs: [scaled, b.scalar(node, "one", 1)])
            let power = b.emit("Pow", node, "pow", inputs: [base, b.scalar(node, "minus_beta", -p.beta)])
            b.emit("Mul", node, inputs: [x, power], output: node.outputs[0])
        }
    }
}
