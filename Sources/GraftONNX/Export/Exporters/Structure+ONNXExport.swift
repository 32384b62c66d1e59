import GraftCore

// Concat, Flatten, Reshape, Permute → Concat, Flatten/Reshape, Reshape, Transpose;
// Crop → Slice; Slice → Split; Pad → Pad; Constant → an initializer; Opaque → not exportable.

enum ConcatONNXExporter: ONNXOpExporter {
    static let kind = OpKind.concat

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .concat(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        b.emit("Concat", node, inputs: node.inputs, output: node.outputs[0], attributes: [.int("axis", axis)])
    }
}

/// Channels-first from axis 1 to the end: ONNX Flatten. Other ranges: Reshape (leading dims
/// copied with 0, so a symbolic batch survives). Channels-last: Transpose to NHWC, then Flatten.
enum FlattenONNXExporter: ONNXOpExporter {
    static let kind = OpKind.flatten

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .flatten(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis), let end = x.normalizedAxis(p.endAxis), axis <= end else {
            throw b.failure(node, "axes \(p.axis)...\(p.endAxis) invalid for \(x)")
        }
        var input = node.inputs[0]
        if p.order == .channelsLast {
            guard x.rank == 4, axis == 1, end == 3 else { throw b.failure(node, "channels-last flatten needs axes 1...3 of a 4-D input") }
            input = b.emit("Transpose", node, "nhwc", inputs: [input], attributes: [.ints("perm", [0, 2, 3, 1])])
        }
        if axis == 1, end == x.rank - 1 {
            b.emit("Flatten", node, inputs: [input], output: node.outputs[0], attributes: [.int("axis", 1)])
            return
        }
        let shape = [Int](repeating: 0, count: axis) + [-1] + Array(x.dims[(end + 1)...])
        b.emit("Reshape", node, inputs: [input, b.ints(node, "shape", shape)], output: node.outputs[0])
    }
}

/// ONNX Reshape reads 0 (copy) and -1 (infer) as Graft and Caffe do. With a symbolic batch, a
/// leading dim equal to the recorded batch is written as 0.
enum ReshapeONNXExporter: ONNXOpExporter {
    static let kind = OpKind.reshape

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .reshape(let p) = node.op else { return }
        let x = try b.inputShape(node)
        var shape = p.shape
        if b.options.dynamicBatch, !shape.isEmpty, x.rank >= 1, shape[0] == x[0] { shape[0] = 0 }
        b.emit("Reshape", node, inputs: [node.inputs[0], b.ints(node, "shape", shape)], output: node.outputs[0])
    }
}

enum PermuteONNXExporter: ONNXOpExporter {
    static let kind = OpKind.permute

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .permute(let p) = node.op else { return }
        b.emit("Transpose", node, inputs: [node.inputs[0]], output: node.outputs[0], attributes: [.ints("perm", p.order)])
    }
}

/// Slice from each offset over the output's extent (a two-input crop takes the reference's
/// shape, known at export from shape inference; the reference value itself is not read).
enum CropONNXExporter: ONNXOpExporter {
    static let kind = OpKind.crop

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .crop(let p) = node.op else { return }
        let x = try b.inputShape(node)
        let y = try b.shape(node.outputs[0], of: node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        if axis == 0, b.options.dynamicBatch { throw b.failure(node, "a crop of the batch axis cannot have a symbolic batch") }
        let axes = Array(axis..<x.rank)
        let starts = axes.indices.map { p.offsets.count == 1 ? p.offsets[0] : p.offsets[$0] }
        let ends = axes.indices.map { starts[$0] + y[axes[$0]] }
        b.emit("Slice", node, inputs: [node.inputs[0], b.ints(node, "starts", starts), b.ints(node, "ends", ends),
                                       b.ints(node, "axes", axes)], output: node.outputs[0])
    }
}

/// Split with the piece sizes as an input (opset 13 and later).
enum SliceONNXExporter: ONNXOpExporter {
    static let kind = OpKind.slice

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .slice(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        let bounds: [Range<Int>]
        do { bounds = try p.bounds(length: x[axis], pieces: node.outputs.count) } catch { throw b.failure(node, error.reason) }
        b.emit("Split", node, inputs: [node.inputs[0], b.ints(node, "split", bounds.map(\.count))], outputs: node.outputs,
               attributes: [.int("axis", axis)])
    }
}

/// Constant padding of H and W, pads and value as inputs (opset 11 and later).
enum PadONNXExporter: ONNXOpExporter {
    static let kind = OpKind.pad

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .pad(let p) = node.op else { return }
        let pads = b.ints(node, "pads", [0, 0, p.padBegin[0], p.padBegin[1], 0, 0, p.padEnd[0], p.padEnd[1]])
        b.emit("Pad", node, inputs: [node.inputs[0], pads, b.scalar(node, "value", p.value)], output: node.outputs[0],
               attributes: [.string("mode", "constant")])
    }
}

/// The stored tensor as an initializer under the value's name (through Identity when the value
/// is a graph output, which an initializer cannot be on its own in every runtime).
enum ConstantONNXExporter: ONNXOpExporter {
    static let kind = OpKind.constant

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .constant = node.op else { return }
        let tensor = try b.weight(node, "value")
        let output = node.outputs[0]
        if b.graphOutputNames.contains(output) {
            let value = b.constant(node.tensorName("value"), dims: tensor.shape.dims, tensor.scalars)
            b.emit("Identity", node, inputs: [value], output: output)
        } else {
            b.addInitializer(ONNXTensor(name: output, dims: tensor.shape.dims, floats: tensor.scalars))
        }
    }
}

enum OpaqueONNXExporter: ONNXOpExporter {
    static let kind = OpKind.opaque

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .opaque(let p) = node.op else { return }
        throw b.failure(node, "Graft keeps this \(p.framework) '\(p.type)' layer opaque and cannot execute it; no ONNX operator is known to compute it")
    }
}
