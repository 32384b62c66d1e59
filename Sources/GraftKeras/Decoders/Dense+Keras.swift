// Dense (Keras 1: output_dim, bias, W/b). The kernel stays [input, units].

enum DenseDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.dense

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let units = try c.positiveInt(["units", "output_dim"])
        let config = KerasLayerConfiguration.Dense(units: units, activation: try c.activation(),
                                                   useBias: try c.bool(["use_bias", "bias"], default: true))
        var weights = [KerasWeightSpec("kernel", aliases: ["W"], shape: [nil, units])]
        if config.useBias { weights.append(KerasWeightSpec("bias", aliases: ["b"], shape: [units])) }
        return KerasDecodedLayer(configuration: .dense(config), weights: weights)
    }
}
