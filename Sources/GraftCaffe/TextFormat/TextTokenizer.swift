/// Splits protobuf text format into tokens, tracking line and column. Follows the rules of
/// protobuf's own tokenizer: `#` comments to end of line, strings in single or double quotes
/// that may not cross a line, C escapes, and numbers in decimal, hex, octal and float spellings.
public struct TextTokenizer: Sendable {
    /// The name errors give the input.
    public let file: String
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0

    /// A tokenizer over `bytes`, which errors call `file`.
    public init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    var position: TextPosition { TextPosition(line: line, column: index - lineStart + 1, offset: index) }

    func error(_ reason: TextFormatError.Reason, at p: TextPosition) -> TextFormatError {
        TextFormatError(file: file, line: p.line, column: p.column, reason: reason)
    }

    /// All tokens up to and including the end-of-file token.
    public mutating func tokenize() throws(TextFormatError) -> [TextToken] {
        var tokens: [TextToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .endOfFile { return tokens }
        }
    }

    /// The next token, after whitespace and comments.
    public mutating func next() throws(TextFormatError) -> TextToken {
        skipWhitespaceAndComments()
        let start = position
        guard index < bytes.count else {
            return TextToken(kind: .endOfFile, text: "", bytes: [], start: start, end: index)
        }
        let c = bytes[index]
        if Self.isIdentifierStart(c) {
            while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
            return token(.identifier, from: start)
        }
        if Self.isDigit(c) || (c == UInt8(ascii: ".") && index + 1 < bytes.count && Self.isDigit(bytes[index + 1])) {
            return try number(from: start)
        }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
            return try string(quote: c, from: start)
        }
        if "{}<>[]:,;-".utf8.contains(c) {
            index += 1
            return token(.symbol, from: start)
        }
        let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x" + String(c, radix: 16)
        throw error(.unexpectedCharacter(shown), at: start)
    }

    private func token(_ kind: TextToken.Kind, from start: TextPosition, bytes decoded: [UInt8] = []) -> TextToken {
        TextToken(kind: kind, text: String(decoding: bytes[start.offset..<index], as: UTF8.self),
                  bytes: decoded, start: start, end: index)
    }

    private mutating func skipWhitespaceAndComments() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            default:
                return
            }
        }
    }

    /// Decimal, `0x` hex, leading-zero octal, or float (`1.`, `.5`, `1e-3`, `1.5E+2`, `1.0f`, `2f`).
    private mutating func number(from start: TextPosition) throws(TextFormatError) -> TextToken {
        func digits(_ accept: (UInt8) -> Bool) -> Int {
            let first = index
            while index < bytes.count, accept(bytes[index]) { index += 1 }
            return index - first
        }
        let c = bytes[index]
        if c == UInt8(ascii: "0"), index + 1 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            index += 2
            if digits(Self.isHexDigit) == 0 { return try rejectNumber(from: start) }
        } else {
            _ = digits(Self.isDigit)
            var isFloat = false
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                isFloat = true
                _ = digits(Self.isDigit)
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                if digits(Self.isDigit) == 0 { return try rejectNumber(from: start) }
                isFloat = true
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "f") {
                index += 1
                isFloat = true
            }
            // An octal literal must hold octal digits only (`09` is not a number).
            if !isFloat, c == UInt8(ascii: "0"), bytes[start.offset..<index].contains(where: { $0 > UInt8(ascii: "7") }) {
                return try rejectNumber(from: start)
            }
        }
        if index < bytes.count, Self.isIdentifierPart(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
            return try rejectNumber(from: start)
        }
        return token(.number, from: start)
    }

    private mutating func rejectNumber(from start: TextPosition) throws(TextFormatError) -> TextToken {
        while index < bytes.count, Self.isIdentifierPart(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
        throw error(.invalidNumber(String(decoding: bytes[start.offset..<index], as: UTF8.self)), at: start)
    }

    private mutating func string(quote: UInt8, from start: TextPosition) throws(TextFormatError) -> TextToken {
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else {
                throw error(.unterminatedString, at: start)
            }
            let c = bytes[index]
            if c == quote {
                index += 1
                return token(.string, from: start, bytes: decoded)
            }
            if c != UInt8(ascii: "\\") {
                decoded.append(c)
                index += 1
                continue
            }
            let escapeStart = position
            index += 1
            guard index < bytes.count else { throw error(.unterminatedString, at: start) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "a"): decoded.append(0x07)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "v"): decoded.append(0x0B)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "?"): decoded.append(e)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(e - UInt8(ascii: "0"))
                var count = 1
                while count < 3, index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                    count += 1
                }
                guard value <= 0xFF else {
                    throw error(.invalidEscape(String(decoding: bytes[escapeStart.offset..<index], as: UTF8.self)), at: escapeStart)
                }
                decoded.append(UInt8(value))
            case UInt8(ascii: "x"), UInt8(ascii: "X"):
                var value = 0
                var count = 0
                while count < 2, index < bytes.count, Self.isHexDigit(bytes[index]) {
                    value = value * 16 + Self.hexValue(bytes[index])
                    index += 1
                    count += 1
                }
                guard count > 0 else {
                    throw error(.invalidEscape(String(decoding: bytes[escapeStart.offset..<index], as: UTF8.self)), at: escapeStart)
                }
                decoded.append(UInt8(value))
            default:
                let shown = e == UInt8(ascii: "\n") ? "\\" : String(decoding: bytes[escapeStart.offset..<index], as: UTF8.self)
                throw error(.invalidEscape(shown), at: escapeStart)
            }
        }
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    static func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f")) }
    static func hexValue(_ c: UInt8) -> Int { isDigit(c) ? Int(c - UInt8(ascii: "0")) : Int((c | 0x20) - UInt8(ascii: "a")) + 10 }
    static func isIdentifierStart(_ c: UInt8) -> Bool { (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "_") }
    static func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
}
