// Convolutions: Conv2D (Keras 1 Convolution2D), DepthwiseConv2D, SeparableConv2D, Conv2DTranspose.
// Kernels stay in Keras's layout (HWIO; OIHW for Keras 1 "th"); the mapper converts them.

private func bias(_ useBias: Bool, _ count: Int?) -> [KerasWeightSpec] {
    useBias ? [KerasWeightSpec("bias", aliases: ["b"], shape: [count])] : []
}

enum Conv2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.conv2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let filters = try c.positiveInt(["filters", "nb_filter"])
        let kernel = try c.kernelSize()
        let (format, layout, warnings) = try c.dataFormat()
        let config = KerasLayerConfiguration.Conv2D(
            filters: filters, kernelSize: kernel, strides: try c.size2D(["strides", "subsample"], default: 1),
            padding: try c.padding(), dataFormat: format,
            dilationRate: try c.size2D(["dilation_rate", "atrous_rate"], default: 1),
            groups: try c.positiveInt(["groups"], default: 1), activation: try c.activation(),
            useBias: try c.bool(["use_bias", "bias"], default: true), kernelLayout: layout)
        guard filters % config.groups == 0 else {
            throw .invalid(field: "groups", reason: "\(config.groups) groups do not divide \(filters) filters")
        }
        let kernelShape: [Int?] = layout == .hwio ? [kernel.height, kernel.width, nil, filters]
                                                  : [filters, nil, kernel.height, kernel.width]
        return KerasDecodedLayer(
            configuration: .conv2D(config),
            weights: [KerasWeightSpec("kernel", aliases: ["W"], shape: kernelShape)] + bias(config.useBias, filters),
            warnings: warnings)
    }
}

enum DepthwiseConv2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.depthwiseConv2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let kernel = try c.kernelSize()
        let (format, _, warnings) = try c.dataFormat()
        let config = KerasLayerConfiguration.DepthwiseConv2D(
            kernelSize: kernel, strides: try c.size2D(["strides", "subsample"], default: 1), padding: try c.padding(),
            depthMultiplier: try c.positiveInt(["depth_multiplier"], default: 1), dataFormat: format,
            dilationRate: try c.size2D(["dilation_rate"], default: 1), activation: try c.activation(),
            useBias: try c.bool(["use_bias", "bias"], default: true))
        // Keras 3 names the depthwise kernel "kernel".
        let kernelSpec = KerasWeightSpec("depthwise_kernel", aliases: ["kernel"],
                                         shape: [kernel.height, kernel.width, nil, config.depthMultiplier])
        return KerasDecodedLayer(configuration: .depthwiseConv2D(config),
                                 weights: [kernelSpec] + bias(config.useBias, nil), warnings: warnings)
    }
}

enum SeparableConv2DDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.separableConv2D

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let filters = try c.positiveInt(["filters", "nb_filter"])
        let kernel = try c.kernelSize()
        let (format, layout, warnings) = try c.dataFormat()
        guard layout == .hwio else {
            throw .unsupported(field: "dim_ordering", reason: "Keras 1 'th' separable kernels are not modelled")
        }
        let config = KerasLayerConfiguration.SeparableConv2D(
            filters: filters, kernelSize: kernel, strides: try c.size2D(["strides", "subsample"], default: 1),
            padding: try c.padding(), depthMultiplier: try c.positiveInt(["depth_multiplier"], default: 1),
            dataFormat: format, dilationRate: try c.size2D(["dilation_rate"], default: 1),
            activation: try c.activation(), useBias: try c.bool(["use_bias", "bias"], default: true))
        let weights = [
            KerasWeightSpec("depthwise_kernel", shape: [kernel.height, kernel.width, nil, config.depthMultiplier]),
            KerasWeightSpec("pointwise_kernel", shape: [1, 1, nil, filters]),
        ] + bias(config.useBias, filters)
        return KerasDecodedLayer(configuration: .separableConv2D(config), weights: weights, warnings: warnings)
    }
}

enum Conv2DTransposeDecoder: KerasLayerDecoder {
    static let layerClass = KerasLayerClass.conv2DTranspose

    static func decode(_ c: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer {
        let filters = try c.positiveInt(["filters", "nb_filter"])
        let kernel = try c.kernelSize()
        let (format, layout, warnings) = try c.dataFormat()
        guard layout == .hwio else {
            throw .unsupported(field: "dim_ordering", reason: "Keras 1 'th' deconvolution kernels are not modelled")
        }
        let outputPadding: KerasSize2D? = c.value(["output_padding"]) == nil
            ? nil : try c.size2D(["output_padding"], minimum: 0)
        let config = KerasLayerConfiguration.Conv2DTranspose(
            filters: filters, kernelSize: kernel, strides: try c.size2D(["strides", "subsample"], default: 1),
            padding: try c.padding(), outputPadding: outputPadding, dataFormat: format,
            dilationRate: try c.size2D(["dilation_rate"], default: 1), activation: try c.activation(),
            useBias: try c.bool(["use_bias", "bias"], default: true))
        // A transposed kernel is [h, w, output channels, input channels].
        let kernelSpec = KerasWeightSpec("kernel", aliases: ["W"], shape: [kernel.height, kernel.width, filters, nil])
        return KerasDecodedLayer(configuration: .conv2DTranspose(config),
                                 weights: [kernelSpec] + bias(config.useBias, filters), warnings: warnings)
    }
}
