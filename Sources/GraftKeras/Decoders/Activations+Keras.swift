// Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax.

enum ActivationDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.activation

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .activation(try c.activation(required: true)), weights: [])
    }
}

enum ReLUDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.relu

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let config = KerasLayerConfiguration.ReLU(maxValue: try c.optionalDouble(["max_value"]),
                                                  negativeSlope: try c.double(["negative_slope"], default: 0),
                                                  threshold: try c.double(["threshold"], default: 0))
        if let maxValue = config.maxValue, maxValue < 0 {
            throw .invalid(field: "max_value", reason: "negative: \(maxValue)")
        }
        return KerasDecodedLayer(configuration: .relu(config), weights: [])
    }
}

enum LeakyReLUDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.leakyReLU

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        // Keras 3 writes negative_slope (default 0.2), Keras 1/2 alpha (default 0.3).
        var slope = try c.double(["alpha"], default: 0.3)
        if let negativeSlope = try c.optionalDouble(["negative_slope"]) { slope = negativeSlope }
        return KerasDecodedLayer(configuration: .leakyReLU(negativeSlope: slope), weights: [])
    }
}

enum PReLUDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.prelu

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        // alpha's shape is the input's (minus shared axes), which the config does not state.
        KerasDecodedLayer(configuration: .prelu(sharedAxes: try c.optionalIntList(["shared_axes"]) ?? []),
                          weights: [KerasWeightSpec("alpha", aliases: ["alphas"], shape: nil)])
    }
}

enum ELUDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.elu

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .elu(alpha: try c.double(["alpha"], default: 1)), weights: [])
    }
}

enum SoftmaxDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.softmax

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        // Keras writes one axis as a number; a list of several axes is a joint softmax.
        var axis = -1
        if let (_, value) = c.value(["axis"]) {
            if let single = value.intValue {
                axis = single
            } else if let list = try c.optionalIntList(["axis"]) {
                guard list.count == 1 else { throw .unsupported(field: "axis", reason: "softmax over several axes \(list)") }
                axis = list[0]
            }
        }
        return KerasDecodedLayer(configuration: .softmax(axis: axis), weights: [])
    }
}
