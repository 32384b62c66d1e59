// Add, Multiply, Concatenate.

enum AddDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.add

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .add, weights: [])
    }
}

enum MultiplyDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.multiply

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .multiply, weights: [])
    }
}

enum ConcatenateDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.concatenate

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .concatenate(axis: try c.int(["axis"], default: -1)), weights: [])
    }
}
