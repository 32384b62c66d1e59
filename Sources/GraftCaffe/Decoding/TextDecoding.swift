/// The state of one schema-driven decode of a ``TextMessage``: the source (to keep unknown
/// fields as their original text), strictness, and what was tolerated.
struct TextDecoding {
    let file: String
    let source: [UInt8]
    let strict: Bool
    var warnings: [CaffeWarning] = []
    /// Unknown fields met since the caller last took them (a layer takes its own).
    var unknownTexts: [String] = []
    /// The layer being decoded, named in warnings about its nested blocks.
    var layerName: String?
    private var lastUnknownRange: Range<Int>?

    init(file: String, source: [UInt8], strict: Bool) {
        self.file = file
        self.source = source
        self.strict = strict
    }

    func error(_ reason: TextFormatError.Reason, at p: TextPosition) -> TextFormatError {
        TextFormatError(file: file, line: p.line, column: p.column, reason: reason)
    }

    /// Decodes `message` as `M`: every known field through its spec, unknown ones kept as text
    /// (or an error when strict), non-repeated fields at most once.
    mutating func decode<M: CaffeMessage>(_ type: M.Type, from message: TextMessage,
                                           context: String? = nil) throws(TextFormatError) -> M {
        var result = M()
        var seen: Set<String> = []
        for field in message.fields {
            guard let spec = M.fields[field.name] else {
                try unknown(field, in: M.protoMessageName, context: context)
                continue
            }
            if !spec.repeated, !seen.insert(field.name).inserted {
                throw error(.duplicateField(field.name), at: field.position)
            }
            try spec.readText(&result, field, &self)
        }
        return result
    }

    mutating func unknown(_ field: TextField, in messageName: String, context: String?) throws(TextFormatError) {
        if strict { throw error(.unknownField(name: field.name, message: messageName), at: field.position) }
        guard field.sourceRange != lastUnknownRange else { return }  // the other elements of one list
        lastUnknownRange = field.sourceRange
        let where_ = (context ?? layerName.map { "of layer '\($0)'" }).map { "\(messageName) \($0)" } ?? messageName
        warnings.append(CaffeWarning(file: file, line: field.position.line, column: field.position.column,
                                     message: "unknown field '\(field.name)' in \(where_) kept as text"))
        unknownTexts.append(String(decoding: source[field.sourceRange], as: UTF8.self))
    }

    /// Takes the unknown-field texts collected so far.
    mutating func takeUnknown() -> [String] {
        defer { unknownTexts = [] }
        return unknownTexts
    }
}
