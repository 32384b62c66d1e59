import GraftCore

// InputLayer, Flatten, Reshape, Permute, Dropout, ZeroPadding2D, Cropping2D.

/// An InputLayer is turned into a graph input by the importer; called on a tensor (a nested
/// functional input), it passes it on.
enum InputLayerMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.inputLayer

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        try context.singleInput()
    }
}

/// Flatten. Keras's channels-last Flatten orders the vector H, W, C. When only Dense layers read
/// it, Graft flattens its NCHW value C, H, W (`order: .channelsFirst`, a plain copy) and records
/// that order in the binding, so the Dense layers permute their rows instead of the graph
/// permuting activations; otherwise it flattens in Keras's order (`order: .channelsLast`).
enum FlattenMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.flatten

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .flatten(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        guard let shape = x.shape else { throw .needsInputShape }
        if shape.rank <= 2 { return x }
        let flatten = Op.flatten(Flatten(axis: 1, endAxis: -1, order: .channelsFirst))
        switch (x.layout, c.dataFormat) {
        case (.channelsFirst, .channelsLast) where shape.rank == 4, (.keras, .channelsFirst) where shape.rank == 4:
            // Either way Keras orders the vector H, W, C of an NCHW-held image.
            let (channels, height, width) = (shape[1], shape[2], shape[3])
            guard context.outputFeedsOnlyDense else {
                return try graph.bind(context.name, .flatten(Flatten(axis: 1, endAxis: -1, order: .channelsLast)),
                                      inputs: [x.value], layout: .keras)
            }
            let y = try graph.add(context.name, flatten, inputs: [x.value])
            if KerasGraphBuilder.isMemoryOrderPreserved([1, channels, height, width], order: [0, 2, 3, 1]) {
                return KerasTensorBinding(value: y.value, shape: y.shape, layout: .keras)
            }
            graph.notes.append("flatten '\(context.name)': Keras flattens in H, W, C order; Graft flattens C, H, W "
                               + "(the order the layers reading it were converted for)")
            return KerasTensorBinding(value: y.value, shape: y.shape,
                                      layout: .flattenedChannelsFirst(channels: channels, height: height, width: width))
        default:
            var k = try graph.keras(x)
            if c.dataFormat == .channelsFirst, let rank = k.shape?.rank, rank >= 3 {
                // Keras moves the channel axis (1) last before flattening.
                let order = [0] + Array(2..<rank) + [1]
                k = try graph.bind(context.name + "/channels_last", .permute(Permute(order: order)), inputs: [k.value], layout: .keras)
            }
            return try graph.bind(context.name, flatten, inputs: [k.value], layout: .keras)
        }
    }
}

/// Reshape acts on the Keras element order: the input is brought to it (free when only unit
/// axes move), then reshaped with the batch kept (`0`).
enum ReshapeMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.reshape

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .reshape(let target) = context.layer.configuration else { throw context.wrongConfiguration }
        guard target.allSatisfy({ $0 >= 1 || $0 == -1 }) else { throw .invalid("target_shape \(target) has a dimension below 1") }
        var x = try context.singleInput()
        guard let shape = x.shape else { throw .needsInputShape }
        switch x.layout {
        case .keras: break
        case .channelsFirst where KerasGraphBuilder.isMemoryOrderPreserved(shape.dims, order: [0, 2, 3, 1]): break
        case .flattenedChannelsFirst(let c, let h, let w) where KerasGraphBuilder.isMemoryOrderPreserved([1, c, h, w], order: [0, 2, 3, 1]): break
        default: x = try graph.keras(x)
        }
        return try graph.bind(context.name, .reshape(Reshape(shape: [0] + target)), inputs: [x.value], layout: .keras)
    }
}

enum DropoutMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.dropout

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .dropout(let rate) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        return try graph.bind(context.name, .dropout(Dropout(ratio: Float(rate))), inputs: [x.value], layout: x.layout)
    }
}

enum ZeroPadding2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.zeroPadding2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .zeroPadding2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        let p = c.padding
        return try graph.bind(context.name, .pad(Pad(padBegin: [p.top, p.left], padEnd: [p.bottom, p.right])),
                              inputs: [x.value], layout: outputLayout(c.dataFormat))
    }
}

enum Cropping2DMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.cropping2D

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .cropping2D(let c) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try graph.image(try context.singleInput(), format: c.dataFormat)
        let k = c.cropping
        return try graph.bind(context.name, .crop(Crop(axis: 2, offsets: [k.top, k.left], endCrops: [k.bottom, k.right])),
                              inputs: [x.value], layout: outputLayout(c.dataFormat))
    }
}

/// Permute reorders Keras axes. Switching an image between NHWC and NCHW only changes how Graft
/// holds it (no node); any other order is a Permute of the Keras-ordered tensor.
enum PermuteMapper: KerasLayerMapper {
    static let layerClass = KerasLayerClass.permute

    static func map(_ context: KerasMappingContext, _ graph: inout KerasGraphBuilder) throws(KerasMappingFailure) -> KerasTensorBinding {
        guard case .permute(let dims) = context.layer.configuration else { throw context.wrongConfiguration }
        let x = try context.singleInput()
        guard let rank = x.shape?.rank else { throw .needsInputShape }
        guard dims.count == rank - 1 else { throw .invalid("dims \(dims) do not fit a rank-\(rank) input") }
        if x.layout == .channelsFirst, dims == [3, 1, 2] { return KerasTensorBinding(value: x.value, shape: x.shape, layout: .keras) }
        if x.layout == .keras, rank == 4, dims == [2, 3, 1] {
            return KerasTensorBinding(value: x.value, shape: x.shape, layout: .channelsFirst)
        }
        let k = try graph.keras(x)
        return try graph.bind(context.name, .permute(Permute(order: [0] + dims)), inputs: [k.value], layout: .keras)
    }
}
