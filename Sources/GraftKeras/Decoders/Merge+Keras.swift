// Add, Multiply, Subtract, Maximum, Average, Concatenate.

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

enum SubtractDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.subtract

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .subtract, weights: [])
    }
}

enum MaximumDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.maximum

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .maximum, weights: [])
    }
}

enum CustomScaleDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.customScaleLayer

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let scale = try c.double(["scale"])
        guard scale.isFinite else { throw .invalid(field: "scale", reason: "not finite: \(scale)") }
        return KerasDecodedLayer(configuration: .customScale(scale: scale), weights: [])
    }
}

enum AverageDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.average

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        KerasDecodedLayer(configuration: .average, weights: [])
    }
}
