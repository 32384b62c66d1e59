import GraftCore

/// Dense → InnerProduct. The kernel `[in, units]` becomes `[units, in]`. After a channels-last
/// Flatten, Graft's vector is in C, H, W order while Keras's rows are in H, W, C order, so the
/// rows are permuted: the graph stays channels-first and computes the same function. On inputs
/// of rank above 2 Keras applies the kernel to the last axis, and so does the InnerProduct.
enum DenseMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.dense

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .dense(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        var x = try context.singleInput()
        let kernel = try context.weight("kernel", expected: [nil, c.units])
        let inputs = kernel.shape[0]
        let weight: Tensor
        let axis: Int
        if case .flattenedChannelsFirst(let channels, let height, let width) = x.layout {
            guard channels * height * width == inputs else {
                throw .invalid("kernel \(kernel.shape) expects \(inputs) inputs, the flattened input has \(channels * height * width)")
            }
            weight = KerasWeightLayout.innerProduct(fromKeras: kernel.values, shape: kernel.shape.dims,
                                                    flattened: (channels, height, width))
            axis = 1
            graph.notes.append("dense '\(context.name)': rows permuted from Keras's H, W, C order to Graft's C, H, W order "
                               + "(the flatten before it is channels-first)")
        } else {
            if x.layout == .channelsFirst { x = try graph.keras(x) }
            guard let shape = x.shape else { throw .needsInputShape }
            weight = KerasWeightLayout.innerProduct(fromKeras: kernel.values, shape: kernel.shape.dims, flattened: nil)
            axis = shape.rank - 1
        }
        var parameters = [("weight", weight)]
        if c.useBias { parameters.append(("bias", try context.vector("bias", count: c.units))) }
        let y = try graph.bind(context.name, .innerProduct(InnerProduct(outputCount: c.units, hasBias: c.useBias, axis: axis)),
                               inputs: [x.value], parameters: parameters, layout: .keras)
        return try KerasActivationMapping.apply(c.activation, to: y, name: KerasActivationMapping.fusedName(context.name, c.activation),
                                                context: context, graph: &graph)
    }
}
