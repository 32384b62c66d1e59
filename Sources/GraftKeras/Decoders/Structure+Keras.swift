// InputLayer, Flatten, Reshape, Permute, Dropout, ZeroPadding2D, Cropping2D.

enum InputLayerDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.inputLayer

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        // Keras 3 writes batch_shape, Keras 1/2 batch_input_shape; input_shape lacks the batch.
        var shape: [Int?]?
        var batch: Int?
        if let full = try c.optionalShape(["batch_shape", "batch_input_shape"]) {
            guard !full.isEmpty else { throw .invalid(field: "batch_shape", reason: "empty (no batch dimension)") }
            batch = full[0]
            shape = Array(full.dropFirst())
        } else {
            shape = try c.optionalShape(["input_shape", "shape"])
        }
        let input = KerasLayerConfiguration.Input(shape: shape, batchSize: batch,
                                                  dtype: try c.optionalString(["dtype", "input_dtype"]),
                                                  sparse: try c.bool(["sparse"], default: false))
        if input.sparse { throw .unsupported(field: "sparse", reason: "sparse inputs") }
        return KerasDecodedLayer(configuration: .inputLayer(input), weights: [])
    }
}

enum FlattenDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.flatten

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (format, _, warnings) = try c.dataFormat()
        return KerasDecodedLayer(configuration: .flatten(.init(dataFormat: format)), weights: [], warnings: warnings)
    }
}

enum ReshapeDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.reshape

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        guard let target = try c.optionalIntList(["target_shape", "dims"]) else {
            throw .invalid(field: "target_shape", reason: "missing")
        }
        guard target.allSatisfy({ $0 >= 1 || $0 == -1 }), target.filter({ $0 == -1 }).count <= 1 else {
            throw .invalid(field: "target_shape", reason: "dimensions must be positive, with at most one -1: \(target)")
        }
        return KerasDecodedLayer(configuration: .reshape(targetShape: target), weights: [])
    }
}

enum DropoutDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.dropout

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let rate = try c.double(["rate", "p"])
        guard (0...1).contains(rate) else { throw .invalid(field: "rate", reason: "must be in [0, 1], found \(rate)") }
        return KerasDecodedLayer(configuration: .dropout(rate: rate), weights: [])
    }
}

enum ZeroPadding2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.zeroPadding2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (format, _, warnings) = try c.dataFormat()
        return KerasDecodedLayer(configuration: .zeroPadding2D(.init(padding: try c.insets(["padding"], default: 1),
                                                                     dataFormat: format)),
                                 weights: [], warnings: warnings)
    }
}

enum Cropping2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.cropping2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let (format, _, warnings) = try c.dataFormat()
        return KerasDecodedLayer(configuration: .cropping2D(.init(cropping: try c.insets(["cropping"], default: 0),
                                                                  dataFormat: format)),
                                 weights: [], warnings: warnings)
    }
}

enum PermuteDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.permute

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        guard let dims = try c.optionalIntList(["dims"]) else { throw .invalid(field: "dims", reason: "missing") }
        guard dims.sorted() == Array(1...max(dims.count, 1)), !dims.isEmpty else {
            throw .invalid(field: "dims", reason: "must be a permutation of 1...\(dims.count), found \(dims)")
        }
        return KerasDecodedLayer(configuration: .permute(dims: dims), weights: [])
    }
}
