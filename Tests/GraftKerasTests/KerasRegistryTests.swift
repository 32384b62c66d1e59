import Testing
@testable import GraftKeras

/// The decoder registry covers every supported class exactly once (the Swift analogue of a
/// static assertion that two tables agree).
struct KerasRegistryTests {
    @Test(arguments: KerasLayerClass.allCases)
    func everyClassHasADecoder(_ layerClass: KerasLayerClass) {
        #expect(KerasLayerDecoders.byClass[layerClass] != nil, "no decoder for \(layerClass)")
    }

    @Test func decodersAreRegisteredOnce() {
        let classes = KerasLayerDecoders.all.map { $0.layerClass }
        #expect(classes.count == Set(classes).count)
        #expect(Set(classes) == Set(KerasLayerClass.allCases))
    }

    @Test func aliasesResolve() {
        #expect(KerasLayerClass(className: "Convolution2D") == .conv2D)
        #expect(KerasLayerClass(className: "SeparableConvolution2D") == .separableConv2D)
        #expect(KerasLayerClass(className: "Deconvolution2D") == .conv2DTranspose)
        #expect(KerasLayerClass(className: "MaxPool2D") == .maxPooling2D)
        #expect(KerasLayerClass(className: "GlobalAvgPool2D") == .globalAveragePooling2D)
        #expect(KerasLayerClass(className: "Lambda") == nil)
        #expect(KerasLayerClass(className: "Custom>CustomScaleLayer") == .customScaleLayer)
        for layerClass in KerasLayerClass.allCases { #expect(KerasLayerClass(className: layerClass.rawValue) == layerClass) }
    }

    /// Each decoder accepts a minimal config of its class (so none is a stub that always fails).
    @Test(arguments: KerasLayerClass.allCases)
    func minimalConfigDecodes(_ layerClass: KerasLayerClass) throws {
        let minimal: [KerasLayerClass: [String: KerasJSON]] = [
            .conv2D: ["filters": .number(2), "kernel_size": .number(3)],
            .separableConv2D: ["filters": .number(2), "kernel_size": .number(3)],
            .conv2DTranspose: ["filters": .number(2), "kernel_size": .number(3)],
            .depthwiseConv2D: ["kernel_size": .number(3)],
            .dense: ["units": .number(2)],
            .activation: ["activation": .string("relu")],
            .dropout: ["rate": .number(0.5)],
            .reshape: ["target_shape": .array([.number(-1)])],
            .rescaling: ["scale": .number(2)],
            .permute: ["dims": .array([.number(2), .number(1)])],
            .customScaleLayer: ["scale": .number(0.17)],
        ]
        let fields = minimal[layerClass] ?? [:]
        let decoded = try KerasLayerDecoders.decode(className: layerClass.rawValue, layerName: "l", config: fields,
                                                    rawJSON: .object(fields), source: "test")
        guard case .unsupported = decoded.configuration else { return }
        Issue.record("\(layerClass) minimal config was not decoded: \(decoded.warnings)")
    }

    @Test func activationNames() {
        #expect(KerasActivation(kerasName: "swish") == .silu)
        #expect(KerasActivation(kerasName: "hard_sigmoid") == .hardSigmoid)
        #expect(KerasActivation(kerasName: "relu6") == .relu6)
        #expect(KerasActivation(kerasName: "nope") == nil)
    }
}
