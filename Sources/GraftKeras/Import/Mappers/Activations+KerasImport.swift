import GraftCore

/// Keras activation functions as Graft ops: the `activation` of Activation layers and the one
/// fused into Conv2D, Dense and friends (which becomes a node of its own after the layer's).
enum KerasActivationMapping {
    /// Applies `activation` to `x` with a node called `name`; `linear` adds nothing.
    static func apply(_ activation: KerasActivation, to x: KerasTensorBinding, name: String,
                      context: KerasMappingContext, graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        func node(_ op: Op) throws(KerasMappingFailure) -> KerasTensorBinding {
            try graph.bind(name, op, inputs: [x.value], layout: x.layout)
        }
        switch activation {
        case .linear: return x
        case .relu: return try node(.relu(ReLU()))
        case .relu6: return try node(.relu(ReLU(maxValue: 6)))
        // keras.activations.leaky_relu's default slope.
        case .leakyRelu: return try node(.relu(ReLU(negativeSlope: 0.2)))
        case .elu: return try node(.activation(.elu(alpha: 1)))
        case .selu: return try node(.activation(.selu))
        case .sigmoid: return try node(.activation(.sigmoid))
        case .tanh: return try node(.activation(.tanh))
        case .silu: return try node(.activation(.swish))
        case .softplus: return try node(.activation(.softplus))
        case .hardSigmoid:
            guard let major = context.kerasMajorVersion else {
                graph.warnings.append(.hardSigmoidVersionAssumed(layer: context.layer.name))
                return try node(.activation(.hardSigmoid))
            }
            return try node(.activation(major >= 3 ? .hardSigmoidOneSixth : .hardSigmoid))
        case .softmax:
            // Over the last Keras axis; a flattened vector's order does not matter to it.
            var input = x
            var axis = input.graftAxis(ofKerasAxis: -1)
            if axis == nil, case .flattenedChannelsFirst = input.layout { axis = 1 }
            if axis == nil {
                input = try graph.keras(x)
                axis = input.graftAxis(ofKerasAxis: -1)
            }
            guard let axis else { throw .needsInputShape }
            return try graph.bind(name, .softmax(Softmax(axis: axis)), inputs: [input.value], layout: input.layout)
        case .hardSilu: return try node(.activation(.hardSwish))
        case .gelu: return try node(.activation(.gelu(approximate: false)))
        case .softsign, .exponential, .mish, .logSoftmax:
            // No Graft op: an opaque element-wise node, shape preserved so the graph goes on.
            let input = try graph.keras(x)
            graph.warnings.append(.unsupportedLayer(layer: context.layer.name, className: "Activation",
                                                    reason: "activation '\(activation.rawValue)' has no Graft operation; never executed"))
            let opaque = Opaque(framework: "keras", type: "Activation",
                                rawParameters: "{\"activation\":\"\(activation.rawValue)\"}",
                                outputShapes: input.shape.map { [$0] } ?? [])
            return try graph.bind(name, .opaque(opaque), inputs: [input.value], layout: .keras)
        }
    }

    /// The name of the node of an activation fused into layer `layer`.
    static func fusedName(_ layer: String, _ activation: KerasActivation) -> String {
        "\(layer)/\(activation.rawValue)"
    }
}

enum ActivationMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.activation

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .activation(let activation) = context.layer.configuration else { throw context.wrongConfiguration }
        return try KerasActivationMapping.apply(activation, to: try context.singleInput(), name: context.name,
                                                context: context, graph: &graph)
    }
}

enum ReLUMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.relu

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .relu(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        let op = ReLU(negativeSlope: Float(c.negativeSlope), maxValue: c.maxValue.map(Float.init), threshold: Float(c.threshold))
        return try graph.bind(context.name, .relu(op), inputs: [x.value], layout: x.layout)
    }
}

enum LeakyReLUMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.leakyReLU

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .leakyReLU(let slope) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        return try graph.bind(context.name, .relu(ReLU(negativeSlope: Float(slope))), inputs: [x.value], layout: x.layout)
    }
}

enum ELUMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.elu

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .elu(let alpha) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        return try graph.bind(context.name, .activation(.elu(alpha: Float(alpha))), inputs: [x.value], layout: x.layout)
    }
}

enum SoftmaxMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.softmax

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .softmax(let axis) = context.layer.configuration else { throw context.wrongConfiguration }
        var x = try context.singleInput()
        guard x.shape != nil else { throw .needsInputShape }
        var graftAxis = x.graftAxis(ofKerasAxis: axis)
        if graftAxis == nil, case .flattenedChannelsFirst = x.layout, axis == -1 || axis == 1 { graftAxis = 1 }
        if graftAxis == nil {
            x = try graph.keras(x)
            graftAxis = x.graftAxis(ofKerasAxis: axis)
        }
        guard let graftAxis else { throw .invalid("axis \(axis) is out of range for input \(x.kerasShape.map { "\($0)" } ?? "?")") }
        return try graph.bind(context.name, .softmax(Softmax(axis: graftAxis)), inputs: [x.value], layout: x.layout)
    }
}

enum PReLUMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.prelu

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .prelu = context.layer.configuration else { throw context.wrongConfiguration }
        var x = try context.singleInput()
        if case .flattenedChannelsFirst = x.layout { x = try graph.keras(x) }
        guard let kerasShape = x.kerasShape else { throw .needsInputShape }
        let alpha = try context.weight("alpha")
        // alpha has the input's shape after the batch, with the shared axes of size 1.
        let dims = alpha.shape.dims
        guard dims.count == kerasShape.rank - 1, zip(dims, kerasShape.dims.dropFirst()).allSatisfy({ $0 == 1 || $0 == $1 }) else {
            throw .invalid("alpha has shape \(alpha.shape), which does not fit the input \(kerasShape)")
        }
        let varying = dims.indices.filter { dims[$0] != 1 }
        guard varying.count <= 1 else {
            throw .unsupported("alpha \(alpha.shape) varies over several axes (Graft's PReLU has one slope per channel)",
                               preservesShape: true)
        }
        if let index = varying.first {
            // The Keras axis alpha varies over must be Graft's channel axis 1.
            let axis = index + 1
            if x.graftAxis(ofKerasAxis: axis) != 1 {
                if kerasShape.rank == 4, axis == 3 {
                    x = try graph.image(x, format: .channelsLast)
                } else {
                    x = try graph.keras(x)
                }
            }
            guard x.graftAxis(ofKerasAxis: axis) == 1 else {
                throw .unsupported("alpha varies over axis \(axis), which is not a channel axis", preservesShape: true)
            }
        }
        return try graph.bind(context.name, .prelu(PReLU(channelShared: varying.isEmpty)), inputs: [x.value],
                              parameters: [("slope", Tensor(shape: [alpha.values.count], scalars: alpha.values))],
                              layout: x.layout)
    }
}
