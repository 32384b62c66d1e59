/// A `NetParameter` as a file stores it, before the steps both readers share (V1 upgrade, input
/// resolution; see ``CaffeUpgrade``).
struct StoredNet: CaffeMessage {
    var name = ""
    var input: [String] = []
    var inputShape: [[Int]] = []
    var inputDim: [Int] = []
    var forceBackward = false
    var state: CaffeNetState?
    var debugInfo = false
    var layer: [CaffeLayer] = []
    var layers: [CaffeV1Layer] = []
    var rawUnknown: [String] = []
    var warnings: [CaffeWarning] = []

    static let protoMessageName = "NetParameter"
    static let fields = CaffeFields<Self>([
        .string("name", \.name), .strings("input", \.input), .shapes("input_shape", \.inputShape),
        .ints("input_dim", \.inputDim, .int32), .bool("force_backward", \.forceBackward),
        .message("state", \.state), .bool("debug_info", \.debugInfo),
        CaffeField(textOnly: "layer", repeated: true) { (net, field, d) throws(TextFormatError) in
            net.layer.append(try d.decodeLayer(CaffeLayer.self, field) { $0.rawUnknown = $1 })
        },
        CaffeField(textOnly: "layers", repeated: true) { (net, field, d) throws(TextFormatError) in
            net.layers.append(try d.decodeLayer(CaffeV1Layer.self, field) { $0.rawUnknown = $1 })
        },
    ])
}

extension TextDecoding {
    /// Decodes one layer block, naming the layer in warnings and giving it the unknown fields
    /// met inside it (net-level ones stay with the net).
    mutating func decodeLayer<L: CaffeMessage>(_ type: L.Type, _ field: TextField,
                                                keep: (inout L, [String]) -> Void) throws(TextFormatError) -> L {
        let block = try message(field)
        let outer = takeUnknown()
        let name = block.fields.first { $0.name == "name" }.flatMap { f -> String? in
            if case .scalar(let s) = f.value, s.kind == .string { return s.string }
            return nil
        }
        layerName = name
        defer { layerName = nil }
        var layer = try decode(L.self, from: block)
        keep(&layer, takeUnknown())
        unknownTexts = outer
        return layer
    }
}

/// `BlobProto` in text. Rare in prototxts, but legal, so it follows the binary reader's rules.
struct BlobText: CaffeMessage {
    var shape: [Int]?
    var data: [Float] = []
    var doubleData: [Float] = []
    var num: Int?
    var channels: Int?
    var height: Int?
    var width: Int?
    var position = TextPosition(line: 1, column: 1, offset: 0)

    static let protoMessageName = "BlobProto"
    static let fields = CaffeFields<Self>([
        .shape("shape", \.shape), .floats("data", \.data), .floats("double_data", \.doubleData),
        CaffeField(textOnly: "diff", repeated: true) { (_, field, d) throws(TextFormatError) in _ = try d.float(field) },
        CaffeField(textOnly: "double_diff", repeated: true) { (_, field, d) throws(TextFormatError) in _ = try d.float(field) },
        .optionalInt("num", \.num, .int32), .optionalInt("channels", \.channels, .int32),
        .optionalInt("height", \.height, .int32), .optionalInt("width", \.width, .int32),
    ])

    static func blobs<L>(_ name: String, _ path: WritableKeyPath<L, [CaffeBlob]> & Sendable) -> CaffeField<L> {
        CaffeField(textOnly: name, repeated: true) { (layer, field, d) throws(TextFormatError) in
            let text = try d.decode(BlobText.self, from: d.message(field))
            let (shape, source) = CaffeBlob.storedShape(blobShape: text.shape, num: text.num, channels: text.channels,
                                                        height: text.height, width: text.width)
            let values = text.data.isEmpty ? text.doubleData : text.data
            guard let count = CaffeBlob.elementCount(shape), count == values.count else {
                throw d.error(.invalidValue(field: "blobs", reason: "\(values.count) values for shape \(shape)"), at: field.position)
            }
            let precision: CaffeBlob.Precision = !text.data.isEmpty ? .float : (text.doubleData.isEmpty ? .none : .double)
            layer[keyPath: path].append(CaffeBlob(shape: shape, shapeSource: source, precision: precision, data: values))
        }
    }
}

extension CaffeLayer: CaffeMessage {
    init() { self.init(name: "", type: "") }
    static let protoMessageName = "LayerParameter"
    static let fields = CaffeFields<Self>([
        .string("name", \.name), .string("type", \.type), .strings("bottom", \.bottoms), .strings("top", \.tops),
        .optionalEnum("phase", \.phase), .floats("loss_weight", \.lossWeights), .messages("param", \.params),
        BlobText.blobs("blobs", \.blobs), .bools("propagate_down", \.propagateDown),
        .messages("include", \.include), .messages("exclude", \.exclude),
    ] + CaffeLayerParameters.fields.all.map { $0.lifted(\.parameters) })
}

extension CaffeV1Layer: CaffeMessage {
    init() { self.init(name: "", type: .none) }
    static let protoMessageName = "V1LayerParameter"
    static let fields = CaffeFields<Self>([
        .strings("bottom", \.bottoms), .strings("top", \.tops), .string("name", \.name),
        .messages("include", \.include), .messages("exclude", \.exclude), .enumeration("type", \.type),
        BlobText.blobs("blobs", \.blobs), .strings("param", \.paramNames), .enums("blob_share_mode", \.blobShareModes),
        .floats("blobs_lr", \.blobsLR), .floats("weight_decay", \.weightDecay), .floats("loss_weight", \.lossWeights),
        CaffeField(textOnly: "layer", repeated: false) { (layer, field, d) throws(TextFormatError) in
            _ = try d.message(field)
            layer.hasV0Definition = true
        },
    ] + CaffeLayerParameters.v1Fields.all.map { $0.lifted(\.parameters) })
}
