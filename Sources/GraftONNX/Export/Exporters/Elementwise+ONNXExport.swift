import GraftCore

// ReLU variants, PReLU, the Activation functions, Power, Softmax, Eltwise, Dropout.

/// Relu, LeakyRelu or Clip for the usual settings; otherwise the definition itself,
/// `Where(x > threshold, min(x, maxValue), negativeSlope * (x - threshold))`.
enum ReLUONNXExporter: ONNXOpExporter {
    static let kind = OpKind.relu

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .relu(let p) = node.op else { return }
        let x = node.inputs[0], output = node.outputs[0]
        switch (p.threshold, p.negativeSlope, p.maxValue) {
        case (0, 0, nil):
            b.emit("Relu", node, inputs: [x], output: output)
        case (0, let slope, nil):
            b.emit("LeakyRelu", node, inputs: [x], output: output, attributes: [.float("alpha", slope)])
        case (0, 0, let m?) where m >= 0:
            b.emit("Clip", node, inputs: [x, b.scalar(node, "min", 0), b.scalar(node, "max", m)], output: output)
        default:
            let threshold = b.scalar(node, "threshold", p.threshold)
            let above = b.emit("Greater", node, "above", inputs: [x, threshold])
            let upper = p.maxValue.map { b.emit("Min", node, "upper", inputs: [x, b.scalar(node, "max", $0)]) } ?? x
            let shifted = b.emit("Sub", node, "shifted", inputs: [x, threshold])
            let lower = b.emit("Mul", node, "lower", inputs: [shifted, b.scalar(node, "slope", p.negativeSlope)])
            b.emit("Where", node, inputs: [above, upper, lower], output: output)
        }
    }
}

/// PRelu with the slope shaped `[C, 1, ...]` (or `[1]` when shared) to broadcast over NC...
enum PReLUONNXExporter: ONNXOpExporter {
    static let kind = OpKind.prelu

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .prelu(let p) = node.op else { return }
        let x = try b.inputShape(node)
        let slope = try b.weight(node, "slope")
        let dims = p.channelShared ? [1] : broadcastDims([x[1]], axis: 1, rank: x.rank)
        guard slope.elementCount == dims.reduce(1, *) else { throw b.failure(node, "slope of \(slope.shape) for input \(x)") }
        b.emit("PRelu", node, inputs: [node.inputs[0], try b.parameter(node, "slope", dims: dims)], output: node.outputs[0])
    }
}

enum ActivationONNXExporter: ONNXOpExporter {
    static let kind = OpKind.activation

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .activation(let f) = node.op else { return }
        let x = node.inputs[0], output = node.outputs[0]
        switch f {
        case .elu(let alpha):
            b.emit("Elu", node, inputs: [x], output: output, attributes: [.float("alpha", alpha)])
        case .selu:
            // Graft's constants (ONNX's defaults are the same values rounded to fp32).
            b.emit("Selu", node, inputs: [x], output: output,
                   attributes: [.float("alpha", 1.6732632423543772), .float("gamma", 1.0507009873554805)])
        case .sigmoid:
            b.emit("Sigmoid", node, inputs: [x], output: output)
        case .tanh:
            b.emit("Tanh", node, inputs: [x], output: output)
        case .hardSigmoid:
            b.emit("HardSigmoid", node, inputs: [x], output: output, attributes: [.float("alpha", 0.2), .float("beta", 0.5)])
        case .hardSigmoidOneSixth:
            b.emit("HardSigmoid", node, inputs: [x], output: output, attributes: [.float("alpha", 1 / 6), .float("beta", 0.5)])
        case .swish:
            let gate = b.emit("Sigmoid", node, "sigmoid", inputs: [x])
            b.emit("Mul", node, inputs: [x, gate], output: output)
        case .hardSwish:
            if b.opset >= 14 {
                b.emit("HardSwish", node, inputs: [x], output: output)
            } else {
                let gate = b.emit("HardSigmoid", node, "hard_sigmoid", inputs: [x],
                                  attributes: [.float("alpha", 1 / 6), .float("beta", 0.5)])
                b.emit("Mul", node, inputs: [x, gate], output: output)
            }
        case .gelu(let approximate):
            if b.opset >= 20 {
                b.emit("Gelu", node, inputs: [x], output: output, attributes: [.string("approximate", approximate ? "tanh" : "none")])
            } else if approximate {
                // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
                let cube = b.emit("Mul", node, "cube", inputs: [b.emit("Mul", node, "square", inputs: [x, x]), x])
                let inner = b.emit("Add", node, "inner", inputs: [x, b.emit("Mul", node, "cubic", inputs: [cube, b.scalar(node, "c", 0.044715)])])
                let scaled = b.emit("Mul", node, "scaled", inputs: [inner, b.scalar(node, "sqrt_2_over_pi", Float((2 / Double.pi).squareRoot()))])
                let t = b.emit("Tanh", node, "tanh", inputs: [scaled])
                halfTimesOnePlus(node, x, t, output, &b)
            } else {
                // 0.5 x (1 + erf(x / √2))
                let scaled = b.emit("Mul", node, "scaled", inputs: [x, b.scalar(node, "inv_sqrt2", Float(1 / 2.0.squareRoot()))])
                let e = b.emit("Erf", node, "erf", inputs: [scaled])
                halfTimesOnePlus(node, x, e, output, &b)
            }
        case .softplus:
            b.emit("Softplus", node, inputs: [x], output: output)
        }
    }

    /// `0.5 * x * (1 + t)` into `output`.
    private static func halfTimesOnePlus(_ node: Node, _ x: String, _ t: String, _ output: String, _ b: inout ONNXExportBuilder) {
        let onePlus = b.emit("Add", node, "one_plus", inputs: [t, b.scalar(node, "one", 1)])
        let half = b.emit("Mul", node, "half_x", inputs: [x, b.scalar(node, "half", 0.5)])
        b.emit("Mul", node, inputs: [half, onePlus], output: output)
    }
}

/// `(shift + scale * x) ^ power`, skipping the identity steps.
enum PowerONNXExporter: ONNXOpExporter {
    static let kind = OpKind.power

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .power(let p) = node.op else { return }
        var steps: [(op: String, suffix: String, value: Float)] = []
        if p.scale != 1 { steps.append(("Mul", "scale", p.scale)) }
        if p.shift != 0 { steps.append(("Add", "shift", p.shift)) }
        if p.power != 1 { steps.append(("Pow", "power", p.power)) }
        guard !steps.isEmpty else {
            b.emit("Identity", node, inputs: [node.inputs[0]], output: node.outputs[0])
            return
        }
        var y = node.inputs[0]
        for (i, step) in steps.enumerated() {
            let constant = b.scalar(node, step.suffix + "_value", step.value)
            y = b.emit(step.op, node, step.suffix, inputs: [y, constant], output: i == steps.count - 1 ? node.outputs[0] : nil)
        }
    }
}

/// Softmax on any axis (opset 13 and later normalise along the one axis, as Graft does).
enum SoftmaxONNXExporter: ONNXOpExporter {
    static let kind = OpKind.softmax

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .softmax(let p) = node.op else { return }
        let x = try b.inputShape(node)
        guard let axis = x.normalizedAxis(p.axis) else { throw b.failure(node, "axis \(p.axis) out of range for \(x)") }
        b.emit("Softmax", node, inputs: [node.inputs[0]], output: node.outputs[0], attributes: [.int("axis", axis)])
    }
}

/// Sum (each input times its coefficient first), Mul, Max; ONNX broadcasts as Graft does
/// (NumPy rules).
enum EltwiseONNXExporter: ONNXOpExporter {
    static let kind = OpKind.eltwise

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        guard case .eltwise(let p) = node.op else { return }
        var inputs = node.inputs
        let output = node.outputs[0]
        switch p.operation {
        case .sum:
            if !p.coefficients.isEmpty {
                for (i, c) in p.coefficients.enumerated() where c != 1 {
                    inputs[i] = b.emit("Mul", node, "coeff\(i)", inputs: [inputs[i], b.scalar(node, "coeff\(i)_value", c)])
                }
            }
            b.emit(inputs.count == 2 ? "Add" : "Sum", node, inputs: inputs, output: output)
        case .product:
            var y = inputs[0]
            for i in 1..<inputs.count {
                y = b.emit("Mul", node, "product\(i)", inputs: [y, inputs[i]], output: i == inputs.count - 1 ? output : nil)
            }
            if inputs.count == 1 { b.emit("Identity", node, inputs: [y], output: output) }
        case .max:
            b.emit("Max", node, inputs: inputs, output: output)
        }
    }
}

enum DropoutONNXExporter: ONNXOpExporter {
    static let kind = OpKind.dropout

    static func export(_ node: Node, _ b: inout ONNXExportBuilder) throws(ONNXError) {
        b.emit("Identity", node, inputs: [node.inputs[0]], output: node.outputs[0])
    }
}
