/// What a layer decoder produces: the typed configuration and the weights the layer must have,
/// in Keras's own order.
struct KerasDecodedLayer: Sendable {
    var configuration: KerasLayerConfiguration
    var weights: [KerasWeightSpec]
    var warnings: [KerasWarning] = []
}

/// One weight a layer expects: its Keras 2 role name, the other names it has been stored under,
/// and the shape its config implies (nil entries: not determined by the config).
struct KerasWeightSpec: Equatable, Sendable {
    var name: String
    var aliases: [String] = []
    /// Nil: any rank (the config does not determine it).
    var shape: [Int?]?

    init(_ name: String, aliases: [String] = [], shape: [Int?]?) {
        self.name = name
        self.aliases = aliases
        self.shape = shape
    }

    /// Every name the weight may be stored under.
    var names: [String] { [name] + aliases }

    func accepts(_ shape: [Int]) -> Bool {
        guard let pattern = self.shape else { return true }
        return pattern.count == shape.count && zip(pattern, shape).allSatisfy { $0 == nil || $0 == $1 }
    }

    var shapeDescription: String {
        guard let shape else { return "any shape" }
        return "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
    }
}

/// Why a decoder could not produce a configuration.
enum LayerDecodingFailure: Error, Sendable {
    /// The config is malformed: a field is missing or has the wrong type or an impossible value.
    case invalid(field: String, reason: String)
    /// The config is valid Keras, but uses a setting Graft does not model (the layer is then kept
    /// as `.unsupported` with a warning).
    case unsupported(field: String, reason: String)
}

/// Decodes one Keras layer class. One conforming type per class, registered in
/// ``KerasLayerDecoders/all`` (a test checks that every ``KerasLayerClass`` has one).
protocol KerasLayerDecoder: Sendable {
    static var layerClass: KerasLayerClass { get }
    static func decode(_ config: LayerConfigReader) throws(LayerDecodingFailure) -> KerasDecodedLayer
}

/// The registry: one decoder per ``KerasLayerClass``.
enum KerasLayerDecoders {
    static let all: [any KerasLayerDecoder.Type] = [
        InputLayerDecoder.self, Conv2DDecoder.self, DepthwiseConv2DDecoder.self, SeparableConv2DDecoder.self,
        Conv2DTransposeDecoder.self, DenseDecoder.self, FlattenDecoder.self, BatchNormalizationDecoder.self,
        ActivationDecoder.self, ReLUDecoder.self, LeakyReLUDecoder.self, PReLUDecoder.self, ELUDecoder.self, SoftmaxDecoder.self,
        MaxPooling2DDecoder.self, AveragePooling2DDecoder.self, GlobalAveragePooling2DDecoder.self,
        GlobalMaxPooling2DDecoder.self, ZeroPadding2DDecoder.self, Cropping2DDecoder.self, AddDecoder.self,
        MultiplyDecoder.self, SubtractDecoder.self, MaximumDecoder.self, AverageDecoder.self, PermuteDecoder.self, ConcatenateDecoder.self, DropoutDecoder.self, ReshapeDecoder.self,
        RescalingDecoder.self, NormalizationDecoder.self, LayerNormalizationDecoder.self, LayerScaleDecoder.self,
        CustomScaleDecoder.self,
    ]

    static let byClass: [KerasLayerClass: any KerasLayerDecoder.Type] =
        Dictionary(all.map { ($0.layerClass, $0) }, uniquingKeysWith: { first, _ in first })

    /// Decodes a layer config. Unknown classes and unsupported settings give `.unsupported` with a
    /// warning; malformed configs of supported classes throw.
    static func decode(className: String, layerName: String, config: [String: KerasJSON], rawJSON: KerasJSON,
                       source: String) throws(KerasError) -> KerasDecodedLayer {
        let unsupported = { (reason: String) in
            KerasDecodedLayer(configuration: .unsupported(className: className, rawJSON: rawJSON.compactText),
                              weights: [],
                              warnings: [.unsupportedLayer(layer: layerName, className: className, reason: reason)])
        }
        guard let layerClass = KerasLayerClass(className: className), let decoder = byClass[layerClass] else {
            return unsupported(className == "Lambda" ? "Lambda layers hold Python code and are never executed"
                                                     : "no decoder for class \(className)")
        }
        let reader = LayerConfigReader(layerName: layerName, className: className, fields: config)
        do {
            return try decoder.decode(reader)
        } catch {
            switch error {
            case .invalid(let field, let reason):
                throw .invalidLayerConfig(source: source, layer: layerName, field: field, reason: reason)
            case .unsupported(let field, let reason):
                return unsupported("\(field): \(reason)")
            }
        }
    }
}
