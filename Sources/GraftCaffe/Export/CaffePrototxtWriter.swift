/// Writes a ``CaffeNet`` as prototxt text (V2 `layer` blocks), through ``TextMessage`` and its
/// formatter, so strings are quoted with C escapes and the output parses back to the same net
/// (blobs aside: prototxts carry no weights). Fields equal to caffe.proto's defaults are left
/// out (the parameter tables, `CaffeFields`, say what each field's default is); fields Graft's
/// schema does not know (`rawUnknown`) are written back verbatim.
public enum CaffePrototxtWriter {
    /// The whole net: name, then each layer.
    public static func text(_ net: CaffeNet) -> String {
        var b = TextBuilder()
        if !net.name.isEmpty { b.string("name", net.name) }
        // Net-level inputs that no Input layer declares (V1 style) are written as input + input_shape.
        let declaredByLayers = Set(net.layers.filter { $0.type == "Input" }.flatMap(\.tops))
        for input in net.inputs where !declaredByLayers.contains(input.name) {
            b.string("input", input.name)
        }
        for input in net.inputs where !declaredByLayers.contains(input.name) {
            if let shape = input.shape { b.message("input_shape") { $0.ints("dim", shape) } }
        }
        var out = b.message.formatted()
        for raw in net.rawUnknown { out += raw + "\n" }
        for layer in net.layers { out += "layer {\n" + indent(layerBody(layer)) + "}\n" }
        return out
    }

    /// One layer's fields (without the enclosing `layer { }`).
    public static func layerBody(_ layer: CaffeLayer) -> String {
        var b = TextBuilder()
        b.string("name", layer.name)
        b.string("type", layer.type)
        for bottom in layer.bottoms { b.string("bottom", bottom) }
        for top in layer.tops { b.string("top", top) }
        for w in layer.lossWeights { b.float("loss_weight", w) }
        for spec in layer.params { b.message("param") { $0.fields(of: spec) } }
        for rule in layer.include { b.message("include") { $0.fields(of: rule) } }
        for rule in layer.exclude { b.message("exclude") { $0.fields(of: rule) } }
        return b.message.formatted() + parametersText(of: layer)
    }

    /// The layer's `*_param` blocks and unknown fields as prototxt text: what an opaque node keeps
    /// as its raw parameters.
    public static func parametersText(of layer: CaffeLayer) -> String {
        var b = TextBuilder()
        b.fields(CaffeLayerParameters.fields, of: layer.parameters)
        var out = b.message.formatted()
        for raw in layer.rawUnknown where !raw.hasPrefix("LayerParameter.") { out += raw + "\n" }
        return out
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }
            .joined(separator: "\n")
    }
}

/// Builds a ``TextMessage`` field by field.
struct TextBuilder {
    var message = TextMessage(position: TextPosition(line: 1, column: 1, offset: 0))
    private static let here = TextPosition(line: 1, column: 1, offset: 0)

    private mutating func scalar(_ name: String, _ kind: TextScalar.Kind, _ text: String, bytes: [UInt8] = []) {
        message.fields.append(TextField(name: name, position: Self.here,
                                        value: .scalar(TextScalar(kind: kind, text: text, bytes: bytes, position: Self.here)),
                                        sourceRange: 0..<0))
    }

    mutating func string(_ name: String, _ value: String) { scalar(name, .string, value, bytes: Array(value.utf8)) }
    mutating func int(_ name: String, _ value: Int) { scalar(name, .number, String(value)) }
    mutating func ints(_ name: String, _ values: [Int]) { for v in values { int(name, v) } }
    mutating func bool(_ name: String, _ value: Bool) { scalar(name, .identifier, value ? "true" : "false") }
    mutating func enumeration<E: CaffeEnum>(_ name: String, _ value: E) { scalar(name, .identifier, value.protoName) }

    /// Shortest text that reads back as the same float (`1e-05`, `0.75`, `inf`, `nan`).
    mutating func float(_ name: String, _ value: Float) {
        let text: String
        if value.isNaN { text = "nan" } else if value.isInfinite { text = value < 0 ? "-inf" : "inf" }
        else if value == value.rounded(), abs(value) < 1e15 { text = String(Int64(value)) }
        else { text = "\(value)" }
        scalar(name, .number, text)
    }

    mutating func floats(_ name: String, _ values: [Float]) { for v in values { float(name, v) } }

    mutating func message(_ name: String, _ build: (inout TextBuilder) -> Void) {
        var inner = TextBuilder()
        build(&inner)
        message.fields.append(TextField(name: name, position: Self.here, value: .message(inner.message), sourceRange: 0..<0))
    }

    /// The fields `fields` lists of `value`, each as its table entry says (non-default ones only;
    /// an empty block is kept as an empty block, so its presence survives).
    mutating func fields<M>(_ fields: CaffeFields<M>, of value: M) {
        for field in fields.all { field.writeText(value, &self) }
    }

    mutating func fields<M: CaffeMessage>(of value: M) { fields(M.fields, of: value) }
}
