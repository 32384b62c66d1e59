import GraftCore

/// A fork layer's parameter block (`shuffle_channel_param`, `norm_param`, `prior_box_param`):
/// not in BVLC's schema, so read from the text the prototxt decoder kept. Only a prototxt has it.
struct CaffeForkParameters {
    let block: TextMessage
    let context: CaffeLayerContext
    let field: String
    /// The block's text, which nested messages are decoded against.
    let text: String

    /// The block `field`, or nil when the layer has none.
    init?(_ context: CaffeLayerContext, field: String) throws(CaffeImportError) {
        guard let text = context.layer.rawUnknown.first(where: { $0.hasPrefix(field) }) else { return nil }
        let message: TextMessage
        do { message = try TextParser.parse(text, file: context.file) } catch {
            throw context.invalid("\(field) cannot be read: \(error.message)")
        }
        guard case .message(let block)? = message.fields.first?.value else { throw context.invalid("\(field) is not a message") }
        self.block = block
        self.context = context
        self.field = field
        self.text = text
    }

    /// Whether the layer came from a `.caffemodel` that has the block as fork field `number`,
    /// which Graft's schema cannot read (only a prototxt keeps fork fields as text).
    static func onlyInBinary(_ context: CaffeLayerContext, number: Int) -> Bool {
        context.layer.rawUnknown.contains { $0.hasPrefix("LayerParameter.field \(number) ") }
    }

    /// The names of the block's fields that are not in `known`, each once, in order.
    func fields(besides known: Set<String>) -> [String] {
        var seen = Set<String>()
        return block.fields.map(\.name).filter { !known.contains($0) && seen.insert($0).inserted }
    }

    /// Every number given for `name`.
    func numbers(_ name: String) throws(CaffeImportError) -> [Double] {
        var values: [Double] = []
        for f in block.fields(named: name) {
            guard case .scalar(let s) = f.value, s.kind == .number, let v = Double(s.text) else {
                throw context.invalid("\(field) \(name) must be a number")
            }
            values.append(v)
        }
        return values
    }

    func number(_ name: String) throws(CaffeImportError) -> Double? { try numbers(name).last }

    func bool(_ name: String) throws(CaffeImportError) -> Bool? {
        guard let f = block.fields(named: name).last else { return nil }
        guard case .scalar(let s) = f.value else { throw context.invalid("\(field) \(name) must be true or false") }
        switch s.text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw context.invalid("\(field) \(name) must be true or false, not \(s.text)")
        }
    }

    /// A nested message, e.g. `scale_filler`.
    func message(_ name: String) -> TextMessage? {
        guard case .message(let m)? = block.fields(named: name).last?.value else { return nil }
        return m
    }

    /// A nested `FillerParameter` (`scale_filler`), decoded like BVLC's fillers; nil when absent.
    func filler(_ name: String) throws(CaffeImportError) -> CaffeParam.Filler? {
        guard let m = message(name) else { return nil }
        var decoding = TextDecoding(file: context.file, source: Array(text.utf8), strict: true)
        do { return try decoding.decode(CaffeParam.Filler.self, from: m) } catch {
            throw context.invalid("\(field) \(name) cannot be read: \(error.message)")
        }
    }
}

/// SENet's `Axpy`: `a·x + y` with `a` `[N, C, 1, 1]`; an element-wise product broadcast over the
/// image, then a sum. No parameters.
struct AxpyMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.axpy

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(3...3)
        let (a, x, y) = (context.inputShapes[0], context.inputShapes[1], context.inputShapes[2])
        guard x == y, x.rank == 4, a.dims == [x[0], x[1], 1, 1] else {
            throw context.invalid("bottoms \(a), \(x), \(y) are not [N, C, 1, 1], [N, C, H, W], [N, C, H, W]")
        }
        return .composite([
            CaffeMappedNode(suffix: "scale", op: .eltwise(Eltwise(operation: .product)), inputs: [.bottom(0), .bottom(1)]),
            CaffeMappedNode(suffix: "", op: .eltwise(Eltwise(operation: .sum)), inputs: [.node(0), .bottom(2)]),
        ])
    }
}

/// ShuffleNet's `ShuffleChannel` (`group`, default 1): reshape `[N, g, C/g, H, W]`, swap the two
/// channel axes, reshape back — what the fork's layer computes.
struct ShuffleChannelMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.shuffleChannel

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let x = context.input
        guard x.rank == 4 else { throw context.invalid("needs an [N, C, H, W] input, got \(x)") }
        let group = try CaffeForkParameters(context, field: "shuffle_channel_param")?.number("group").map { Int($0) } ?? 1
        guard group >= 1, x[1] % group == 0 else { throw context.invalid("group \(group) does not divide \(x[1]) channels") }
        return .composite([
            CaffeMappedNode(suffix: "split", op: .reshape(Reshape(shape: [0, group, x[1] / group, x[2], x[3]])), inputs: [.bottom(0)]),
            CaffeMappedNode(suffix: "transpose", op: .permute(Permute(order: [0, 2, 1, 3, 4])), inputs: [.node(0)]),
            CaffeMappedNode(suffix: "", op: .reshape(Reshape(shape: [0, x[1], x[2], x[3]])), inputs: [.node(1)]),
        ])
    }
}
