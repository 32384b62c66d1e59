import GraftCore

// BatchNormalization, Normalization → BatchNorm; Rescaling → Power.

/// A BatchNorm over Keras axis `axis` of `x`. Graft normalises axis 1; any other axis is moved
/// there and back with two Permute nodes (`<name>/to_axis1`, `<name>/from_axis1`).
func batchNorm(_ op: BatchNorm, over axis: Int, of input: KerasTensorBinding, name: String,
               parameters: [(String, Tensor)], graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
    var x = input
    if case .flattenedChannelsFirst = x.layout { x = try graph.keras(x) }
    guard let rank = x.shape?.rank else { throw .needsInputShape }
    guard rank >= 2 else { throw .invalid("needs an input with a feature axis, found rank \(rank)") }
    guard var graftAxis = x.graftAxis(ofKerasAxis: axis) else {
        throw .invalid("axis \(axis) is out of range for input \(x.kerasShape.map { "\($0)" } ?? "?")")
    }
    if graftAxis == 0 { throw .unsupported("normalizes over the batch axis", preservesShape: true) }
    // A 4-D channels-last tensor held as Keras NHWC: switch to NCHW if that brings the axis to 1.
    if graftAxis != 1, rank == 4, x.layout == .keras, axis == -1 || axis == 3 {
        let image = try graph.image(x, format: .channelsLast)
        if image.graftAxis(ofKerasAxis: axis) == 1 { x = image; graftAxis = 1 }
    }
    if graftAxis == 1 {
        return try graph.bind(name, .batchNorm(op), inputs: [x.value], parameters: parameters, layout: x.layout)
    }
    var order = Array(0..<rank)
    order.swapAt(1, graftAxis)
    let moved = try graph.add(name + "/to_axis1", .permute(Permute(order: order)), inputs: [x.value])
    let normalized = try graph.add(name, .batchNorm(op), inputs: [moved.value], parameters: parameters)
    graph.notes.append("batch normalization '\(name)' is over Keras axis \(axis), Graft axis \(graftAxis): "
                       + "moved to axis 1 and back by two Permute nodes")
    return try graph.bind(name + "/from_axis1", .permute(Permute(order: order)), inputs: [normalized.value], layout: x.layout)
}

enum BatchNormalizationMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.batchNormalization

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .batchNormalization(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        let mean = try context.vector("moving_mean")
        let count = mean.elementCount
        var parameters = [("mean", mean), ("variance", try context.vector("moving_variance", count: count))]
        if c.scale { parameters.append(("scale", try context.vector("gamma", count: count))) }
        if c.center { parameters.append(("shift", try context.vector("beta", count: count))) }
        let op = BatchNorm(epsilon: Float(c.epsilon), hasScale: c.scale, hasShift: c.center, momentum: Float(c.momentum))
        return try batchNorm(op, over: c.axis, of: x, name: context.name, parameters: parameters, graph: &graph)
    }
}

/// Normalization: `(x - mean) / sqrt(variance)` per feature is a BatchNorm with epsilon 0 and no
/// scale or shift, which keeps the statistics bit for bit.
enum NormalizationMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.normalization

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .normalization(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        guard !c.invert else { throw .unsupported("invert (de-normalization)", preservesShape: true) }
        guard let axes = c.axis, axes.count == 1 else {
            throw .unsupported("normalization over \(c.axis.map { "axes \($0)" } ?? "all axes at once")", preservesShape: true)
        }
        let x = try context.singleInput()
        let mean: [Float], variance: [Float]
        if let m = c.mean, let v = c.variance {
            mean = m.map(Float.init)
            variance = v.map(Float.init)
        } else {
            mean = try context.weight("mean").values
            variance = try context.weight("variance").values
        }
        guard let kerasShape = x.kerasShape else { throw .needsInputShape }
        let axis = axes[0] < 0 ? axes[0] + kerasShape.rank : axes[0]
        guard (1..<kerasShape.rank).contains(axis) else { throw .invalid("axis \(axes[0]) is out of range for \(kerasShape)") }
        let features = kerasShape[axis]
        func broadcast(_ values: [Float], _ what: String) throws(KerasMappingFailure) -> Tensor {
            if values.count == features { return Tensor(shape: [features], scalars: values) }
            if values.count == 1 { return Tensor(shape: [features], repeating: values[0]) }
            throw .invalid("\(what) has \(values.count) values for \(features) features")
        }
        let parameters = [("mean", try broadcast(mean, "mean")), ("variance", try broadcast(variance, "variance"))]
        return try batchNorm(BatchNorm(epsilon: 0), over: axis, of: x, name: context.name, parameters: parameters, graph: &graph)
    }
}

/// Rescaling: `x * scale + offset` is Caffe's Power with power 1.
enum RescalingMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.rescaling

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .rescaling(let scale, let offset) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        return try graph.bind(context.name, .power(Power(power: 1, scale: Float(scale), shift: Float(offset))),
                              inputs: [x.value], layout: x.layout)
    }
}

/// LayerNormalization → LayerNormalization over the Graft axes the Keras axes become: one axis
/// anywhere (ConvNeXt's channels are axis 1 of the NCHW tensor), several only in Keras's own
/// layout, where they must be contiguous and in order.
enum LayerNormalizationMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.layerNormalization

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .layerNormalization(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        var x = try context.singleInput()
        guard x.shape != nil else { throw .needsInputShape }
        func graftAxes(_ b: KerasTensorBinding) -> [Int]? {
            let mapped = c.axes.map { b.graftAxis(ofKerasAxis: $0) }
            guard mapped.allSatisfy({ $0 != nil && $0! > 0 }) else { return nil }
            let axes = mapped.map { $0! }
            return axes.count == 1 || axes == Array(axes[0]..<(axes[0] + axes.count)) ? axes : nil
        }
        if c.axes.count > 1 || graftAxes(x) == nil { x = try graph.keras(x) }
        guard let axes = graftAxes(x), let shape = x.shape else {
            throw .invalid("axes \(c.axes) are not normalisable axes of input \(x.kerasShape.map { "\($0)" } ?? "?")")
        }
        let op = LayerNormalization(axis: axes[0], endAxis: axes[axes.count - 1], epsilon: Float(c.epsilon),
                                    hasScale: c.scale, hasShift: c.center)
        let expected = Array(shape.dims[axes[0]...axes[axes.count - 1]])
        var parameters: [(String, Tensor)] = []
        for (role, name, present) in [("gamma", "scale", c.scale), ("beta", "shift", c.center)] where present {
            let w = try context.weight(role, expected: expected)
            parameters.append((name, Tensor(shape: Shape(expected), scalars: w.values)))
        }
        return try graph.bind(context.name, .layerNorm(op), inputs: [x.value], parameters: parameters, layout: x.layout)
    }
}

/// ConvNeXt's LayerScale → Scale along the channel axis (weight `gamma`).
enum LayerScaleMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.layerScale

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .layerScale(let dim) = context.layer.configuration else { throw context.wrongConfiguration }
        var x = try context.singleInput()
        if case .flattenedChannelsFirst = x.layout { x = try graph.keras(x) }
        guard let axis = x.graftAxis(ofKerasAxis: -1), let shape = x.shape else { throw .needsInputShape }
        if let dim, shape[axis] != dim {
            throw .invalid("projection_dim \(dim) does not match the input's \(shape[axis]) channels")
        }
        let gamma = try context.vector("gamma", count: shape[axis])
        return try graph.bind(context.name, .scale(Scale(axis: axis, axisCount: 1)), inputs: [x.value],
                              parameters: [("scale", gamma)], layout: x.layout)
    }
}
