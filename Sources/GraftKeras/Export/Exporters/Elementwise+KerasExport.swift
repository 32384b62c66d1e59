import GraftCore

// ReLU, PReLU, Activation, Power, Softmax, BatchNorm, Scale, Bias, Dropout, Eltwise, Concat.

/// A layer that keeps its input's layout and shape.
private func sameShape(_ className: String, _ node: Node, config: [(key: String, value: JSONValue)],
                       weights: [KerasExportLayer.Weight] = [], _ b: inout KerasExportBuilder) throws(KerasExportError) {
    let x = try b.input(node)
    let y = b.emit(className, name: node.name, config: config, inputs: [x], weights: weights,
                   trainable: b.isTrainable([node]), shape: x.shape, layout: x.layout)
    b.bind(node.outputs[0], y)
}

private func reluConfig(_ r: ReLU) -> [(key: String, value: JSONValue)] {
    [("max_value", r.maxValue.map(KerasConfigValue.float) ?? .null), ("negative_slope", KerasConfigValue.float(r.negativeSlope)),
     ("threshold", KerasConfigValue.float(r.threshold))]
}

enum ReLUExporter: KerasOpExporter {
    static let kind = OpKind.relu

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .relu(let r) = node.op else { return }
        if r == ReLU() {
            try sameShape("Activation", node, config: [("activation", .string("relu"))], &b)
        } else {
            try sameShape("ReLU", node, config: reluConfig(r), &b)
        }
    }
}

enum PReLUExporter: KerasOpExporter {
    static let kind = OpKind.prelu

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .prelu(let p) = node.op else { return }
        var x = try b.input(node)
        if case .flattenedChannelsFirst = x.layout { x = b.keras(x) }
        let slope = try b.weight(node, "slope")
        let rank = x.shape.rank
        let kerasRank = rank - 1                       // alpha's rank
        guard let channelAxis = x.kerasAxis(ofGraftAxis: 1), channelAxis >= 1 else {
            throw b.unsupported(node, "no channel axis in \(x.shape)")
        }
        var alphaShape = [Int](repeating: 1, count: kerasRank)
        if !p.channelShared { alphaShape[channelAxis - 1] = x.shape[1] }
        let shared = (1...kerasRank).filter { p.channelShared || $0 != channelAxis }
        let y = b.emit("PReLU", name: node.name, config: [("shared_axes", shared.isEmpty ? .null : KerasConfigValue.ints(shared))],
                       inputs: [x], weights: [.init(name: "alpha", shape: alphaShape, values: slope.scalars)],
                       trainable: b.isTrainable([node]), shape: x.shape, layout: x.layout)
        b.bind(node.outputs[0], y)
    }
}

enum ActivationExporter: KerasOpExporter {
    static let kind = OpKind.activation

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .activation(let f) = node.op else { return }
        let name: String
        switch f {
        case .elu(let alpha):
            if alpha != 1 { return try sameShape("ELU", node, config: [("alpha", KerasConfigValue.float(alpha))], &b) }
            name = "elu"
        case .selu: name = "selu"
        case .sigmoid: name = "sigmoid"
        case .tanh: name = "tanh"
        case .swish: name = "swish"
        case .softplus: name = "softplus"
        case .hardSigmoidOneSixth where b.format == .keras3Weights: name = "hard_sigmoid"
        case .hardSwish where b.format == .keras3Weights: name = "hard_silu"
        case .hardSwish:
            // tf.keras has no hard swish: x · clip(x / 6 + 0.5, 0, 1), which both read alike.
            let x = try b.input(node)
            let line = b.emit("Rescaling", name: node.name + "_line",
                              config: [("scale", KerasConfigValue.float(1 / 6)), ("offset", KerasConfigValue.float(0.5))],
                              inputs: [x], shape: x.shape, layout: x.layout)
            let gate = b.emit("ReLU", name: node.name + "_gate", config: reluConfig(ReLU(maxValue: 1)), inputs: [line],
                              shape: x.shape, layout: x.layout)
            let product = b.emit("Multiply", name: node.name, config: [], inputs: [x, gate], shape: x.shape, layout: x.layout)
            b.bind(node.outputs[0], product)
            return
        case .gelu(let approximate):
            // Keras's `gelu` activation name means the exact function in both Keras 3 and tf.keras.
            guard !approximate else { throw b.unsupported(node, "the tanh approximation of GELU (Keras's 'gelu' is exact)") }
            name = "gelu"
        case .hardSigmoid, .hardSigmoidOneSixth:
            // `hard_sigmoid` means 0.2x + 0.5 to tf.keras and x/6 + 0.5 to Keras 3: write the
            // function itself, clip(a x + 0.5, 0, 1), which both read alike.
            let slope: Float = f == .hardSigmoid ? 0.2 : 1 / 6
            let x = try b.input(node)
            let line = b.emit("Rescaling", name: node.name + "_line",
                              config: [("scale", KerasConfigValue.float(slope)), ("offset", KerasConfigValue.float(0.5))],
                              inputs: [x], shape: x.shape, layout: x.layout)
            let clipped = b.emit("ReLU", name: node.name, config: reluConfig(ReLU(maxValue: 1)), inputs: [line],
                                 shape: x.shape, layout: x.layout)
            b.bind(node.outputs[0], clipped)
            return
        }
        try sameShape("Activation", node, config: [("activation", .string(name))], &b)
    }
}

enum PowerExporter: KerasOpExporter {
    static let kind = OpKind.power

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .power(let p) = node.op else { return }
        guard p.power == 1 else { throw b.unsupported(node, "power \(p.power) (only the affine case, power 1, is Rescaling)") }
        try sameShape("Rescaling", node, config: [("scale", KerasConfigValue.float(p.scale)), ("offset", KerasConfigValue.float(p.shift))], &b)
    }
}

enum SoftmaxExporter: KerasOpExporter {
    static let kind = OpKind.softmax

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .softmax(let s) = node.op else { return }
        var x = try b.input(node)
        if x.isLastKerasAxis(s.axis) {
            return try sameShape("Activation", node, config: [("activation", .string("softmax"))], &b)
        }
        if x.kerasAxis(ofGraftAxis: s.axis) == nil { x = b.keras(x) }
        guard let axis = x.kerasAxis(ofGraftAxis: s.axis) else { throw b.unsupported(node, "axis \(s.axis) out of range") }
        let y = b.emit("Softmax", name: node.name, config: [("axis", KerasConfigValue.int(axis))], inputs: [x],
                       shape: x.shape, layout: x.layout)
        b.bind(node.outputs[0], y)
    }
}

/// BatchNorm → BatchNormalization (or Normalization for the importer's epsilon-0, scale- and
/// shift-free form). The importer's Permute / BatchNorm / Permute for a batch normalization over
/// another axis becomes one layer with that axis again.
enum BatchNormExporter: KerasOpExporter {
    static let kind = OpKind.batchNorm

    /// For the BatchNorm of such a pattern: the two permutes and the Graft axis normalised.
    static func permutedPattern(_ bn: Node, _ b: KerasExportBuilder) -> (before: Node, after: Node, axis: Int)? {
        guard let before = b.producer(of: bn.inputs[0]), before.name == bn.name + "/to_axis1",
              case .permute(let p1) = before.op, b.soleConsumer(of: before.outputs[0])?.name == bn.name,
              let after = b.soleConsumer(of: bn.outputs[0]), after.name == bn.name + "/from_axis1",
              case .permute(let p2) = after.op, p1.order == p2.order, p1.order.count >= 3 else { return nil }
        var swapped = Array(0..<p1.order.count)
        guard let axis = (2..<p1.order.count).first(where: { g in
            swapped = Array(0..<p1.order.count)
            swapped.swapAt(1, g)
            return swapped == p1.order
        }) else { return nil }
        return (before, after, axis)
    }

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .batchNorm(let p) = node.op else { return }
        var x: KerasExportBinding
        var graftAxis = 1
        var outputValue = node.outputs[0]
        if let pattern = permutedPattern(node, b) {
            x = try b.input(pattern.before)
            graftAxis = pattern.axis
            outputValue = pattern.after.outputs[0]
            b.absorbed.insert(pattern.after.name)
        } else {
            x = try b.input(node)
        }
        if case .flattenedChannelsFirst = x.layout { x = b.keras(x) }
        guard let axis = x.kerasAxis(ofGraftAxis: graftAxis) else { throw b.unsupported(node, "no feature axis in \(x.shape)") }
        let mean = try b.weight(node, "mean"), variance = try b.weight(node, "variance")
        let y: KerasExportBinding
        if p.epsilon == 0, !p.hasScale, !p.hasShift {
            y = b.emit("Normalization", name: node.name,
                       config: [("axis", KerasConfigValue.int(axis)), ("mean", KerasConfigValue.floats(mean.scalars)),
                                ("variance", KerasConfigValue.floats(variance.scalars)), ("invert", .bool(false))],
                       inputs: [x], shape: x.shape, layout: x.layout)
        } else {
            var weights: [KerasExportLayer.Weight] = []
            if p.hasScale { weights.append(.init(name: "gamma", shape: [mean.elementCount], values: try b.weight(node, "scale").scalars)) }
            if p.hasShift { weights.append(.init(name: "beta", shape: [mean.elementCount], values: try b.weight(node, "shift").scalars)) }
            weights.append(.init(name: "moving_mean", shape: [mean.elementCount], values: mean.scalars))
            weights.append(.init(name: "moving_variance", shape: [mean.elementCount], values: variance.scalars))
            y = b.emit("BatchNormalization", name: node.name,
                       config: [("axis", KerasConfigValue.int(axis)), ("momentum", KerasConfigValue.float(p.momentum)),
                                ("epsilon", KerasConfigValue.float(p.epsilon)), ("center", .bool(p.hasShift)),
                                ("scale", .bool(p.hasScale))],
                       inputs: [x], weights: weights, trainable: b.isTrainable([node]), shape: x.shape, layout: x.layout)
        }
        b.bind(outputValue, y)
    }
}

/// Caffe's per-channel Scale and Bias on an image: a 1x1 DepthwiseConv2D computes `x * s + b`
/// (and `x * 1 + b`) exactly.
private func depthwiseAffine(_ node: Node, axis: Int, axisCount: Int, scale: Tensor?, bias: Tensor?,
                             _ b: inout KerasExportBuilder) throws(KerasExportError) {
    guard node.inputs.count == 1 else { throw b.unsupported(node, "a scale taken from a second input") }
    // A channels-last DepthwiseConv2D scales the last Keras axis: Graft's axis 1 of an image, or
    // axis 3 of a tensor kept in Keras's layout (ConvNeXt's LayerScale after a Dense).
    let x = try b.input(node)
    guard axisCount == 1, x.shape.rank == 4, x.kerasAxis(ofGraftAxis: axis) == 3 else {
        throw b.unsupported(node, "an affine map over axes \(axis)..<\(axis + axisCount) of \(x.shape)")
    }
    let channels = x.shape[axis]
    var weights: [KerasExportLayer.Weight] = [
        .init(name: "depthwise_kernel", shape: [1, 1, channels, 1], values: scale?.scalars ?? Array(repeating: 1, count: channels)),
    ]
    if let bias { weights.append(.init(name: "bias", shape: [channels], values: bias.scalars)) }
    let config: [(key: String, value: JSONValue)] = [
        ("kernel_size", KerasConfigValue.ints([1, 1])), ("strides", KerasConfigValue.ints([1, 1])), ("padding", .string("valid")),
        ("data_format", .string("channels_last")), ("dilation_rate", KerasConfigValue.ints([1, 1])),
        ("depth_multiplier", KerasConfigValue.int(1)), ("use_bias", .bool(bias != nil)), ("activation", .string("linear")),
    ]
    let y = b.emit("DepthwiseConv2D", name: node.name, config: config, inputs: [x], weights: weights,
                   trainable: b.isTrainable([node]), shape: x.shape, layout: x.layout)
    b.bind(node.outputs[0], y)
}

/// LayerNormalization over the Keras axes of the Graft axes (one axis in any layout; several only
/// in Keras's own layout, where the parameters are in Keras's order).
enum LayerNormExporter: KerasOpExporter {
    static let kind = OpKind.layerNorm

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .layerNorm(let p) = node.op else { return }
        var x = try b.input(node)
        if case .flattenedChannelsFirst = x.layout { x = b.keras(x) }
        guard let first = x.shape.normalizedAxis(p.axis), let last = x.shape.normalizedAxis(p.endAxis),
              first == last || x.layout == .keras else {
            throw b.unsupported(node, "normalisation over several axes of a channels-first tensor")
        }
        // Several axes are merged into one around the layer: Keras 3's reader of Keras 2 files
        // drops an `axis` list of more than one element (legacy saving_utils), and the merged
        // axis normalises the same elements with the parameters in the same order.
        let input = x
        let merged = first < last
        if merged {
            let count = x.shape.dims[first...last].reduce(1, *)
            let target = Array(x.shape.dims[1..<first]) + [count] + Array(x.shape.dims[(last + 1)...])
            x = b.emit("Reshape", name: node.name + "_merge", config: [("target_shape", KerasConfigValue.ints(target))],
                       inputs: [x], shape: Shape([x.shape[0]] + target), layout: .keras)
        }
        guard let axis = x.kerasAxis(ofGraftAxis: first) else { throw b.unsupported(node, "no Keras axis for axis \(first)") }
        let shape = [x.shape[first]]
        var weights: [KerasExportLayer.Weight] = []
        if p.hasScale { weights.append(.init(name: "gamma", shape: shape, values: try b.weight(node, "scale").scalars)) }
        if p.hasShift { weights.append(.init(name: "beta", shape: shape, values: try b.weight(node, "shift").scalars)) }
        var y = b.emit("LayerNormalization", name: node.name,
                       config: [("axis", KerasConfigValue.ints([axis])), ("epsilon", KerasConfigValue.float(p.epsilon)),
                                ("center", .bool(p.hasShift)), ("scale", .bool(p.hasScale))],
                       inputs: [x], weights: weights, trainable: b.isTrainable([node]), shape: x.shape, layout: x.layout)
        if merged {
            y = b.emit("Reshape", name: node.name + "_split", config: [("target_shape", KerasConfigValue.ints(Array(input.shape.dims.dropFirst())))],
                       inputs: [y], shape: input.shape, layout: .keras)
        }
        b.bind(node.outputs[0], y)
    }
}

enum ScaleExporter: KerasOpExporter {
    static let kind = OpKind.scale

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .scale(let p) = node.op else { return }
        try depthwiseAffine(node, axis: p.axis, axisCount: p.axisCount, scale: try b.weight(node, "scale"),
                            bias: p.hasBias ? try b.weight(node, "bias") : nil, &b)
    }
}

enum BiasExporter: KerasOpExporter {
    static let kind = OpKind.bias

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .bias(let p) = node.op else { return }
        guard try b.input(node).shape.rank == 4 else { throw b.unsupported(node, "a per-feature bias of a non-image tensor") }
        try depthwiseAffine(node, axis: p.axis, axisCount: p.axisCount, scale: nil, bias: try b.weight(node, "bias"), &b)
    }
}

enum DropoutExporter: KerasOpExporter {
    static let kind = OpKind.dropout

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .dropout(let p) = node.op else { return }
        try sameShape("Dropout", node, config: [("rate", KerasConfigValue.float(p.ratio))], &b)
    }
}

enum EltwiseExporter: KerasOpExporter {
    static let kind = OpKind.eltwise

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .eltwise(let p) = node.op else { return }
        var inputs: [KerasExportBinding] = []
        for i in node.inputs.indices { inputs.append(try b.input(node, i)) }
        inputs = b.common(inputs)
        let className: String
        switch p.operation {
        case .sum where p.coefficients.allSatisfy({ $0 == 1 }): className = "Add"
        case .sum where p.coefficients == [1, -1]: className = "Subtract"
        case .sum where p.coefficients == Array(repeating: 1 / Float(inputs.count), count: inputs.count): className = "Average"
        case .sum:
            // A weighted sum: each input with a coefficient other than 1 through a Rescaling first.
            for (i, c) in p.coefficients.enumerated() where c != 1 {
                inputs[i] = b.emit("Rescaling", name: "\(node.name)_scale\(i)",
                                   config: [("scale", KerasConfigValue.float(c)), ("offset", KerasConfigValue.float(0))],
                                   inputs: [inputs[i]], shape: inputs[i].shape, layout: inputs[i].layout)
            }
            className = "Add"
        case .product: className = "Multiply"
        case .max: className = "Maximum"
        }
        // With broadcasting the output is the broadcast shape, not the first input's.
        let shape = b.shapes[node.outputs[0]] ?? inputs[0].shape
        let y = b.emit(className, name: node.name, config: [], inputs: inputs, shape: shape, layout: inputs[0].layout)
        b.bind(node.outputs[0], y)
    }
}

enum ConcatExporter: KerasOpExporter {
    static let kind = OpKind.concat

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        guard case .concat(let p) = node.op else { return }
        var inputs: [KerasExportBinding] = []
        for i in node.inputs.indices { inputs.append(try b.input(node, i)) }
        inputs = b.common(inputs)
        if inputs[0].kerasAxis(ofGraftAxis: p.axis) == nil { inputs = inputs.map { b.keras($0) } }
        guard let axis = inputs[0].kerasAxis(ofGraftAxis: p.axis), axis >= 1 else {
            throw b.unsupported(node, "concatenation along axis \(p.axis)")
        }
        let y = b.emit("Concatenate", name: node.name, config: [("axis", KerasConfigValue.int(axis == inputs[0].shape.rank - 1 ? -1 : axis))],
                       inputs: inputs, shape: try b.shape(node.outputs[0]), layout: inputs[0].layout)
        b.bind(node.outputs[0], y)
    }
}

/// Keras has no layer for SSD's Normalize: UnitNormalization clamps the sum of squares at a fixed
/// epsilon instead of adding the model's, has no learned scale, and older Keras lacks it.
enum L2NormExporter: KerasOpExporter {
    static let kind = OpKind.l2Norm

    static func export(_ node: Node, _ b: inout KerasExportBuilder) throws(KerasExportError) {
        throw b.unsupported(node, "L2 normalisation with a learned scale (SSD's Normalize); Keras has no such layer "
                            + "(UnitNormalization clamps the sum of squares instead of adding epsilon, and has no scale)")
    }
}
