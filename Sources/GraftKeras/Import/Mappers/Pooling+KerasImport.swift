import GraftCore

// MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D → Pooling.

private func pooling(_ method: Pooling.Method, _ c: KerasLayerConfiguration.Pooling2D, _ context: KerasMappingContext,
                     _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
    try context.checkSpatial([("pool_size", c.poolSize), ("strides", c.strides)])
    let x = try graph.image(try context.singleInput(), format: c.dataFormat)
    let pads = try kerasPads(c.padding, input: x, kernel: c.poolSize, strides: c.strides, dilation: KerasSize2D(1, 1))
    // TensorFlow's `same` averages over the in-image part of each window only.
    let op = Pooling(method: method, kernel: [c.poolSize.height, c.poolSize.width], stride: [c.strides.height, c.strides.width],
                     padBegin: pads.begin, padEnd: pads.end, rounding: .floor,
                     averageDivisor: c.padding == .same ? .excludePadding : .includePadding)
    return try graph.bind(context.name, .pooling(op), inputs: [x.value], layout: outputLayout(c.dataFormat))
}

/// Global pooling keeps `[N, C, 1, 1]`; without `keepdims` Keras returns `[N, C]`, which a
/// Flatten (`<name>/flatten`) gives.
private func globalPooling(_ method: Pooling.Method, _ c: KerasLayerConfiguration.GlobalPooling2D,
                           _ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
    let x = try graph.image(try context.singleInput(), format: c.dataFormat)
    let pooled = try graph.bind(context.name, .pooling(Pooling(method: method, global: true)), inputs: [x.value],
                                layout: outputLayout(c.dataFormat))
    if c.keepdims { return pooled }
    return try graph.bind(context.name + GlobalPooling.flattenSuffix, .flatten(Flatten()), inputs: [pooled.value], layout: .keras)
}

enum GlobalPooling {
    static let flattenSuffix = "/flatten"
}

enum MaxPooling2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.maxPooling2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .maxPooling2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        return try pooling(.max, c, context, &graph)
    }
}

enum AveragePooling2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.averagePooling2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .averagePooling2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        return try pooling(.average, c, context, &graph)
    }
}

enum GlobalAveragePooling2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.globalAveragePooling2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .globalAveragePooling2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        return try globalPooling(.average, c, context, &graph)
    }
}

enum GlobalMaxPooling2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.globalMaxPooling2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .globalMaxPooling2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        return try globalPooling(.max, c, context, &graph)
    }
}
