import GraftCore

// Add, Multiply, Subtract, Maximum, Average, Concatenate → Eltwise, Concat.

/// The inputs in one common layout: as they are when they already agree, else all in Keras order.
private func common(_ inputs: [KerasTensorBinding], _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> [KerasTensorBinding] {
    guard inputs.count >= 2 else { throw .invalid("merges at least two tensors, is called on \(inputs.count)") }
    if inputs.allSatisfy({ $0.layout == inputs[0].layout }) { return inputs }
    var result: [KerasTensorBinding] = []
    for input in inputs { result.append(try graph.keras(input)) }
    return result
}

/// An element-wise node over the call's inputs (broadcasting as Keras does).
func eltwise(_ operation: Eltwise.Operation, coefficients: (Int) -> [Float] = { _ in [] },
                     _ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
    var inputs = try common(context.inputs, &graph)
    // Keras broadcasts in its own layout, aligned on the last (channels) axis. Rank-4 tensors
    // transposed alike broadcast the same way; anything else is broadcast in Keras's order.
    let shapes = inputs.map(\.shape)
    let sameShape = shapes.allSatisfy { $0 != nil && $0 == shapes[0] }
    let allImages = inputs.allSatisfy { $0.layout == .channelsFirst && $0.shape?.rank == 4 }
    if !sameShape && !allImages {
        var converted: [KerasTensorBinding] = []
        for input in inputs { converted.append(try graph.keras(input)) }
        inputs = converted
    }
    return try graph.bind(context.name, .eltwise(Eltwise(operation: operation, coefficients: coefficients(inputs.count))),
                          inputs: inputs.map(\.value), layout: inputs[0].layout)
}

enum AddMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.add

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .add = context.layer.configuration else { throw context.wrongConfiguration }
        return try eltwise(.sum, context, &graph)
    }
}

enum MultiplyMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.multiply

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .multiply = context.layer.configuration else { throw context.wrongConfiguration }
        return try eltwise(.product, context, &graph)
    }
}

enum ConcatenateMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.concatenate

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .concatenate(let axis) = context.layer.configuration else { throw context.wrongConfiguration }
        var inputs = try common(context.inputs, &graph)
        guard inputs.allSatisfy({ $0.shape != nil }) else { throw .needsInputShape }
        var graftAxis = inputs[0].graftAxis(ofKerasAxis: axis)
        if graftAxis == nil {
            var converted: [KerasTensorBinding] = []
            for input in inputs { converted.append(try graph.keras(input)) }
            inputs = converted
            graftAxis = inputs[0].graftAxis(ofKerasAxis: axis)
        }
        guard let graftAxis else {
            throw .invalid("axis \(axis) is out of range for input \(inputs[0].kerasShape.map { "\($0)" } ?? "?")")
        }
        return try graph.bind(context.name, .concat(Concat(axis: graftAxis)), inputs: inputs.map(\.value),
                              layout: inputs[0].layout)
    }
}

/// Subtract: `a - b`, a sum with coefficients 1 and -1.
enum SubtractMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.subtract

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .subtract = context.layer.configuration else { throw context.wrongConfiguration }
        guard context.inputs.count == 2 else { throw .invalid("subtracts two tensors, is called on \(context.inputs.count)") }
        return try eltwise(.sum, coefficients: { _ in [1, -1] }, context, &graph)
    }
}

enum MaximumMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.maximum

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .maximum = context.layer.configuration else { throw context.wrongConfiguration }
        return try eltwise(.max, context, &graph)
    }
}

/// InceptionResNetV2's CustomScaleLayer: `a + b · scale`, a sum with coefficients 1 and `scale`.
enum CustomScaleMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.customScaleLayer

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .customScale(let scale) = context.layer.configuration else { throw context.wrongConfiguration }
        guard context.inputs.count == 2 else { throw .invalid("scales and adds two tensors, is called on \(context.inputs.count)") }
        return try eltwise(.sum, coefficients: { _ in [1, Float(scale)] }, context, &graph)
    }
}

/// Average: a sum with every coefficient `1 / n`.
enum AverageMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.average

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .average = context.layer.configuration else { throw context.wrongConfiguration }
        return try eltwise(.sum, coefficients: { Array(repeating: 1 / Float($0), count: $0) }, context, &graph)
    }
}
