// MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D.

private func pooling(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> (KerasLayerConfiguration.Pooling2D, [KerasWarning]) {
    let poolSize = try c.size2D(["pool_size"], default: 2)
    let strides = c.value(["strides"]) == nil ? poolSize : try c.size2D(["strides"])
    let (format, _, warnings) = try c.dataFormat()
    return (KerasLayerConfiguration.Pooling2D(poolSize: poolSize, strides: strides, padding: try c.padding(),
                                              dataFormat: format), warnings)
}

private func globalPooling(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> (KerasLayerConfiguration.GlobalPooling2D, [KerasWarning]) {
    let (format, _, warnings) = try c.dataFormat()
    return (KerasLayerConfiguration.GlobalPooling2D(dataFormat: format, keepdims: try c.bool(["keepdims"], default: false)),
            warnings)
}

enum MaxPooling2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.maxPooling2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (config, warnings) = try pooling(c)
        return KerasDecodedLayer(configuration: .maxPooling2D(config), weights: [], warnings: warnings)
    }
}

enum AveragePooling2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.averagePooling2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (config, warnings) = try pooling(c)
        return KerasDecodedLayer(configuration: .averagePooling2D(config), weights: [], warnings: warnings)
    }
}

enum GlobalAveragePooling2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.globalAveragePooling2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (config, warnings) = try globalPooling(c)
        return KerasDecodedLayer(configuration: .globalAveragePooling2D(config), weights: [], warnings: warnings)
    }
}

enum GlobalMaxPooling2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.globalMaxPooling2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (config, warnings) = try globalPooling(c)
        return KerasDecodedLayer(configuration: .globalMaxPooling2D(config), weights: [], warnings: warnings)
    }
}
