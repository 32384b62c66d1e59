// BatchNormalization, Normalization, Rescaling, LayerNormalization, LayerScale.

enum BatchNormalizationDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.batchNormalization

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        if let mode = try c.optionalInt(["mode"]), mode != 0 {
            throw .unsupported(field: "mode", reason: "Keras 1 batch normalization mode \(mode) (only 0, feature-wise, is modelled)")
        }
        let axis: Int
        if let single = c.value(["axis"])?.value.intValue {
            axis = single
        } else if let list = try c.optionalIntList(["axis"]) {
            guard list.count == 1 else {
                throw .unsupported(field: "axis", reason: "normalization over several axes \(list)")
            }
            axis = list[0]
        } else {
            axis = -1
        }
        if try c.bool(["renorm"], default: false) {
            throw .unsupported(field: "renorm", reason: "batch renormalization")
        }
        let config = KerasLayerConfiguration.BatchNormalization(
            axis: axis, epsilon: try c.double(["epsilon"], default: 1e-3),
            momentum: try c.double(["momentum"], default: 0.99),
            center: try c.bool(["center"], default: true), scale: try c.bool(["scale"], default: true))
        guard config.epsilon >= 0 else { throw .invalid(field: "epsilon", reason: "negative: \(config.epsilon)") }
        var weights: [KerasWeightSpec] = []
        if config.scale { weights.append(KerasWeightSpec("gamma", shape: [nil])) }
        if config.center { weights.append(KerasWeightSpec("beta", shape: [nil])) }
        weights.append(KerasWeightSpec("moving_mean", aliases: ["running_mean"], shape: [nil]))
        weights.append(KerasWeightSpec("moving_variance", aliases: ["running_std", "running_variance"], shape: [nil]))
        return KerasDecodedLayer(configuration: .batchNormalization(config), weights: weights)
    }
}

enum NormalizationDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.normalization

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let axis: [Int]?
        if let (_, value) = c.value(["axis"]) {
            if let single = value.intValue { axis = [single] } else { axis = try c.optionalIntList(["axis"]) }
        } else {
            axis = c.fields["axis"] == .null ? nil : [-1]
        }
        let mean = try c.optionalDoubleList(["mean"])
        let variance = try c.optionalDoubleList(["variance"])
        guard (mean == nil) == (variance == nil) else {
            throw .invalid(field: mean == nil ? "mean" : "variance", reason: "mean and variance must be given together")
        }
        let config = KerasLayerConfiguration.Normalization(axis: axis, mean: mean, variance: variance,
                                                           invert: try c.bool(["invert"], default: false))
        // Adapted statistics are weights (Keras 3 adds an integer count); fixed ones are config.
        let weights = mean != nil ? [] : [
            KerasWeightSpec("mean", shape: nil), KerasWeightSpec("variance", shape: nil),
            KerasWeightSpec("count", shape: []),
        ]
        return KerasDecodedLayer(configuration: .normalization(config), weights: weights)
    }
}

enum RescalingDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.rescaling

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        for field in ["scale", "offset"] where c.value([field])?.value.arrayValue != nil {
            throw .unsupported(field: field, reason: "per-channel rescaling")
        }
        return KerasDecodedLayer(configuration: .rescaling(scale: try c.double(["scale"]),
                                                           offset: try c.double(["offset"], default: 0)),
                                 weights: [])
    }
}

enum LayerNormalizationDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.layerNormalization

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let axes: [Int]
        if let single = c.value(["axis"])?.value.intValue {
            axes = [single]
        } else {
            axes = try c.optionalIntList(["axis"]) ?? [-1]
        }
        guard !axes.isEmpty else { throw .invalid(field: "axis", reason: "no axes") }
        if try c.bool(["rms_scaling"], default: false) {
            throw .unsupported(field: "rms_scaling", reason: "RMS normalisation")
        }
        let config = KerasLayerConfiguration.LayerNormalization(
            axes: axes, epsilon: try c.double(["epsilon"], default: 1e-3),
            center: try c.bool(["center"], default: true), scale: try c.bool(["scale"], default: true))
        guard config.epsilon >= 0 else { throw .invalid(field: "epsilon", reason: "negative: \(config.epsilon)") }
        var weights: [KerasWeightSpec] = []
        if config.scale { weights.append(KerasWeightSpec("gamma", shape: nil)) }
        if config.center { weights.append(KerasWeightSpec("beta", shape: nil)) }
        return KerasDecodedLayer(configuration: .layerNormalization(config), weights: weights)
    }
}

enum LayerScaleDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.layerScale

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let dim = try c.optionalInt(["projection_dim"])
        if let dim, dim < 1 { throw .invalid(field: "projection_dim", reason: "must be positive, got \(dim)") }
        return KerasDecodedLayer(configuration: .layerScale(projectionDim: dim), weights: [KerasWeightSpec("gamma", shape: [dim])])
    }
}
