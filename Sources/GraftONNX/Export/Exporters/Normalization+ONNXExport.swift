import GraftCore

// BatchNorm → BatchNormalization; LayerNormalization → LayerNormalization (opset 17+, trailing
// axes) or ReduceMean/Sub/Mul/Sqrt/Div; Scale → Mul (+ Add); Bias → Add.

/// `dims` followed by ones up to the input's rank, so a parameter of the input's dims
/// `[axis ..< axis + dims.count]` broadcasts against it.
func broadcastDims(_ dims: [Int], axis: Int, rank: Int) -> [Int] {
    dims + [Int](repeating: 1, count: max(0, rank - axis - dims.count))
}

enum BatchNormONNXExporter: ONNXOpExporter {
    static let kind = OpKind.batchNorm

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .batchNorm(let p) = node.op else { return }
        let channels = try b.inputShape(node)[1]
        let scale = p.hasScale ? try b.parameter(node, "scale")
            : b.constant(node.tensorName("scale"), dims: [channels], .init(repeating: 1, count: channels))
        let shift = p.hasShift ? try b.parameter(node, "shift")
            : b.constant(node.tensorName("shift"), dims: [channels], .init(repeating: 0, count: channels))
        let inputs = [node.inputs[0], scale, shift, try b.parameter(node, "mean"), try b.parameter(node, "variance")]
        b.emit("BatchNormalization", node, inputs: inputs, output: node.outputs[0], attributes: [.float("epsilon", p.epsilon)])
    }
}

enum LayerNormONNXExporter: ONNXOpExporter {
    static let kind = OpKind.layerNorm

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .layerNorm(let p) = node.op else { return }
        let x = try b.inputShape(node)
        let normalized: Shape
        do { normalized = try p.normalizedShape(x) } catch { throw b.failure(node, error.reason) }
        let axis = x.normalizedAxis(p.axis)!, end = x.normalizedAxis(p.endAxis)!
        let output = node.outputs[0]
        if b.opset >= 17, end == x.rank - 1 {
            let scale = p.hasScale ? try b.parameter(node, "scale")
                : b.constant(node.tensorName("scale"), dims: normalized.dims, .init(repeating: 1, count: normalized.elementCount))
            var inputs = [node.inputs[0], scale]
            if p.hasShift { inputs.append(try b.parameter(node, "shift")) }
            b.emit("LayerNormalization", node, inputs: inputs, output: output,
                   attributes: [.int("axis", axis), .float("epsilon", p.epsilon)])
            return
        }
        let axes = Array(axis...end)
        let mean = reduceMean(node, "mean", node.inputs[0], axes: axes, &b)
        let centred = b.emit("Sub", node, "centred", inputs: [node.inputs[0], mean])
        let squares = b.emit("Mul", node, "squares", inputs: [centred, centred])
        let variance = reduceMean(node, "variance", squares, axes: axes, &b)
        let padded = b.emit("Add", node, "variance_eps", inputs: [variance, b.scalar(node, "epsilon", p.epsilon)])
        let deviation = b.emit("Sqrt", node, "std", inputs: [padded])
        let dims = broadcastDims(normalized.dims, axis: axis, rank: x.rank)
        let normal = b.emit("Div", node, "normalized", inputs: [centred, deviation], output: p.hasScale || p.hasShift ? nil : output)
        var y = normal
        if p.hasScale {
            y = b.emit("Mul", node, "scale", inputs: [y, try b.parameter(node, "scale", dims: dims)], output: p.hasShift ? nil : output)
        }
        if p.hasShift {
            b.emit("Add", node, "shift", inputs: [y, try b.parameter(node, "shift", dims: dims)], output: output)
        }
    }

    /// ReduceMean keeping dims: `axes` an attribute before opset 18, an input from 18.
    private static func reduceMean(_ node: Node, _ suffix: String, _ x: String, axes: [Int],
                                   _ b: inout ONNXExportBuilder) -> String {
        if b.opset >= 18 {
            return b.emit("ReduceMean", node, suffix, inputs: [x, b.ints(node, suffix + "_axes", axes)], attributes: [.int("keepdims", 1)])
        }
        return b.emit("ReduceMean", node, suffix, inputs: [x], attributes: [.ints("axes", axes), .int("keepdims", 1)])
    }
}

/// SSD's Normalize: `x / sqrt(Σx² + eps) · scale`, the sum over the channels at each position
/// (or over every element of a sample when `acrossSpatial`); ONNX's LpNormalization has no eps
/// and no scale, so it is written out.
enum L2NormONNXExporter: ONNXOpExporter {
    static let kind = OpKind.l2Norm

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .l2Norm(let p) = node.op else { return }
        let x = try b.inputShape(node)
        let axes = p.acrossSpatial ? Array(1..<x.rank) : [1]
        let sum = b.opset >= 18
            ? b.emit("ReduceSumSquare", node, "sum_squares", inputs: [node.inputs[0], b.ints(node, "axes", axes)], attributes: [.int("keepdims", 1)])
            : b.emit("ReduceSumSquare", node, "sum_squares", inputs: [node.inputs[0]], attributes: [.ints("axes", axes), .int("keepdims", 1)])
        let padded = b.emit("Add", node, "sum_eps", inputs: [sum, b.scalar(node, "epsilon", p.epsilon)])
        let norm = b.emit("Sqrt", node, "norm", inputs: [padded])
        let normalized = b.emit("Div", node, "normalized", inputs: [node.inputs[0], norm])
        let dims = p.channelShared ? [1] : broadcastDims([x[1]], axis: 1, rank: x.rank)
        b.emit("Mul", node, "scale", inputs: [normalized, try b.parameter(node, "scale", dims: dims)], output: node.outputs[0])
    }
}

/// Multiplies by `scale` (a parameter, or the second input) of the input's dims
/// `[axis ..< axis + axisCount]`, reshaped with trailing ones to broadcast, then adds `bias`.
enum ScaleONNXExporter: ONNXOpExporter {
    static let kind = OpKind.scale

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .scale(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        let sliceDims = Array(x.dims[axis..<(axis + p.axisCount)])
        let dims = broadcastDims(sliceDims, axis: axis, rank: x.rank)
        let scale: String
        if node.inputs.count == 2 {
            // 0 copies a batch axis the second input carries (axis 0), so a symbolic batch stays one.
            let shape = dims.enumerated().map { i, d in axis == 0 && i == 0 ? 0 : d }
            scale = b.emit("Reshape", node, "scale_reshape", inputs: [node.inputs[1], b.ints(node, "scale_shape", shape)])
        } else {
            scale = try b.parameter(node, "scale", dims: dims)
        }
        let product = b.emit("Mul", node, "scale", inputs: [node.inputs[0], scale], output: p.hasBias ? nil : node.outputs[0])
        if p.hasBias {
            b.emit("Add", node, "bias", inputs: [product, try b.parameter(node, "bias", dims: dims)], output: node.outputs[0])
        }
    }
}

enum BiasONNXExporter: ONNXOpExporter {
    static let kind = OpKind.bias

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .bias(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        let dims = broadcastDims(Array(x.dims[axis..<(axis + p.axisCount)]), axis: axis, rank: x.rank)
        b.emit("Add", node, inputs: [node.inputs[0], try b.parameter(node, "bias", dims: dims)], output: node.outputs[0])
    }
}
