/// Parses protobuf text format into a ``TextMessage`` tree, schema-free.
///
/// Accepts what protobuf's own parsers accept: `name: value`, `name { ... }`, `name: { ... }`,
/// `name < ... >`, lists `name: [a, b]` (and `name [{...}, {...}]` for messages), `,` or `;`
/// after any field, `-` before numbers and `inf`/`nan`, and adjacent strings joined.
public struct TextParser {
    /// Protobuf's C++ parser stops at 100 levels too; deeper input is a bug or an attack.
    public static let defaultMaxDepth = 100
    /// Real prototxts are kilobytes; 64 MiB leaves room and bounds memory.
    public static let defaultMaxBytes = 64 << 20

    /// The name errors give the input.
    public let file: String
    let maxDepth: Int
    var tokens: [TextToken]
    var index = 0

    /// Parses `bytes` (`file` only names the source in errors).
    public static func parse(_ bytes: [UInt8], file: String, maxDepth: Int = defaultMaxDepth,
                             maxBytes: Int = defaultMaxBytes) throws(TextFormatError) -> TextMessage {
        guard bytes.count <= maxBytes else {
            throw TextFormatError(file: file, line: 1, column: 1, reason: .tooLarge(bytes: bytes.count, limit: maxBytes))
        }
        var tokenizer = TextTokenizer(bytes: bytes, file: file)
        var parser = TextParser(file: file, maxDepth: maxDepth, tokens: try tokenizer.tokenize())
        return try parser.parseMessage(closing: nil, depth: 0, start: TextPosition(line: 1, column: 1, offset: 0))
    }

    /// Parses a string (see ``parse(_:file:maxDepth:maxBytes:)``).
    public static func parse(_ text: String, file: String) throws(TextFormatError) -> TextMessage {
        try parse(Array(text.utf8), file: file)
    }

    init(file: String, maxDepth: Int, tokens: [TextToken]) {
        self.file = file
        self.maxDepth = maxDepth
        self.tokens = tokens
    }

    var current: TextToken { tokens[index] }

    func error(_ reason: TextFormatError.Reason, at token: TextToken) -> TextFormatError {
        TextFormatError(file: file, line: token.start.line, column: token.start.column, reason: reason)
    }

    func isSymbol(_ s: String) -> Bool { current.kind == .symbol && current.text == s }

    mutating func trySymbol(_ s: String) -> Bool {
        guard isSymbol(s) else { return false }
        index += 1
        return true
    }

    mutating func parseMessage(closing: String?, depth: Int, start: TextPosition) throws(TextFormatError) -> TextMessage {
        var message = TextMessage(position: start)
        while true {
            if let closing, trySymbol(closing) { return message }
            if current.kind == .endOfFile || (closing != nil && (isSymbol("}") || isSymbol(">"))) {
                guard let closing else { return message }
                throw error(.expected("'\(closing)'", found: current.quoted), at: current)
            }
            try parseField(into: &message, depth: depth)
            _ = trySymbol(",") || trySymbol(";")
        }
    }

    mutating func parseField(into message: inout TextMessage, depth: Int) throws(TextFormatError) {
        let nameToken = current
        guard nameToken.kind == .identifier else {
            throw error(.expected("a field name", found: nameToken.quoted), at: nameToken)
        }
        index += 1
        let colon = trySymbol(":")
        var values: [TextValue] = []
        if isSymbol("{") || isSymbol("<") {
            values = [.message(try parseNested(depth: depth))]
        } else if isSymbol("[") {
            values = try parseList(depth: depth, scalarsAllowed: colon)
        } else if colon {
            values = [.scalar(try parseScalar())]
        } else {
            throw error(.expected("':' or '{'", found: current.quoted), at: current)
        }
        let end = tokens[index - 1].end
        for value in values {
            message.fields.append(TextField(name: nameToken.text, position: nameToken.start, value: value,
                                            sourceRange: nameToken.start.offset..<end))
        }
    }

    mutating func parseNested(depth: Int) throws(TextFormatError) -> TextMessage {
        let open = current
        guard depth + 1 <= maxDepth else { throw error(.tooDeep(limit: maxDepth), at: open) }
        index += 1
        return try parseMessage(closing: open.text == "{" ? "}" : ">", depth: depth + 1, start: open.start)
    }

    mutating func parseList(depth: Int, scalarsAllowed: Bool) throws(TextFormatError) -> [TextValue] {
        index += 1  // "["
        var values: [TextValue] = []
        if trySymbol("]") { return values }
        while true {
            if isSymbol("{") || isSymbol("<") {
                values.append(.message(try parseNested(depth: depth)))
            } else if scalarsAllowed {
                values.append(.scalar(try parseScalar()))
            } else {
                throw error(.expected("'{'", found: current.quoted), at: current)
            }
            if trySymbol("]") { return values }
            guard trySymbol(",") else { throw error(.expected("',' or ']'", found: current.quoted), at: current) }
        }
    }

    mutating func parseScalar() throws(TextFormatError) -> TextScalar {
        let first = current
        if trySymbol("-") {
            let token = current
            guard token.kind == .number || token.kind == .identifier else {
                throw error(.expected("a number after '-'", found: token.quoted), at: token)
            }
            index += 1
            return TextScalar(kind: token.kind == .number ? .number : .identifier, text: "-" + token.text, negative: true,
                              position: first.start, isFloatLiteral: token.isFloatLiteral)
        }
        switch first.kind {
        case .identifier:
            index += 1
            return TextScalar(kind: .identifier, text: first.text, position: first.start)
        case .number:
            index += 1
            return TextScalar(kind: .number, text: first.text, position: first.start, isFloatLiteral: first.isFloatLiteral)
        case .string:
            var bytes: [UInt8] = []
            while current.kind == .string {
                bytes += current.bytes
                index += 1
            }
            return TextScalar(kind: .string, text: first.text, bytes: bytes, position: first.start)
        case .symbol, .endOfFile:
            throw error(.expected("a value", found: first.quoted), at: first)
        }
    }
}
