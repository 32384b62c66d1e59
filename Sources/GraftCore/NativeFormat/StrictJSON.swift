/// A JSON value as ``StrictJSON`` parses it.
///
/// Objects keep their members in file order (keys are unique: the parser rejects duplicates), and
/// numbers keep their literal text so that a caller that needs an integer can refuse `1.0` or
/// `1e3` instead of silently rounding.
public enum JSONValue: Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// The number's literal text, already checked against the JSON number grammar.
    case number(String)
    /// A string, escapes decoded.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object's members, in file order.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The value of an integer literal (`-?[0-9]+`) that fits in `Int`; nil for fractions,
    /// exponents, overflow and non-numbers.
    public var integerValue: Int? {
        guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            return nil
        }
        return Int(text)
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The member named `key` of an object (nil for a missing key or a non-object).
    public subscript(key: String) -> JSONValue? {
        objectValue?.first { $0.key == key }?.value
    }

    /// Compact JSON text; object members in their stored order, so equal values give equal bytes.
    public var serialized: String {
        var out = ""
        serialize(into: &out)
        return out
    }

    private func serialize(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.appendQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.serialize(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.appendQuoted(member.key, to: &out)
                out += ":"
                member.value.serialize(into: &out)
            }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal (quotes, escapes, control characters as \\u00XX).
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Why ``StrictJSON`` refused a document. Offsets count bytes from the start of the parsed bytes.
public enum StrictJSONError: Error, Equatable, Sendable {
    /// Bytes that are not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// Text that is not JSON (or trails after the document).
    case invalidJSON(offset: Int, reason: String)
    /// An object holding `key` twice.
    case duplicateKey(key: String, offset: Int)
    /// Arrays and objects nested deeper than `limit`.
    case nestingTooDeep(offset: Int, limit: Int)
}

/// A small, strict JSON parser (RFC 8259) for untrusted headers.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` accept duplicate object keys (the last one
/// wins), so two readers of the same file could disagree on its meaning. This parser rejects
/// duplicates at every depth, invalid UTF-8, anything after the document except whitespace, and
/// nesting deeper than `maxDepth` (so hostile input cannot exhaust the stack).
public struct StrictJSON {
    /// The default cap on array/object nesting.
    public static let defaultMaxDepth = 64

    /// Parses one JSON document from `bytes`, or says where and why it is refused.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(StrictJSONError) -> JSONValue {
        if let bad = firstInvalidUTF8Offset(bytes) { throw .invalidUTF8(offset: bad) }
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw .invalidJSON(offset: parser.position, reason: "unexpected data after the JSON document")
        }
        return value
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and code points above U+10FFFF are ill-formed), or nil if all are valid.
    public static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // Allowed range of the second byte.
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + 1 < n, (low...high).contains(bytes[i + 1]) else { return i }
            for k in 2..<length {
                guard i + k < n, (0x80...0xBF).contains(bytes[i + k]) else { return i }
            }
            i += length
        }
        return nil
    }
}

/// Recursive-descent parser over bytes already known to be valid UTF-8.
private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var position = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func fail(_ reason: String, at offset: Int? = nil) -> StrictJSONError {
        .invalidJSON(offset: offset ?? position, reason: reason)
    }

    mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
    }

    mutating func parseValue(depth: Int) throws(StrictJSONError) -> JSONValue {
        guard let c = current else { throw fail("unexpected end of data, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected character \(describe(c)), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(StrictJSONError) {
        let start = position
        let text = literal.utf8Start
        for k in 0..<literal.utf8CodeUnitCount {
            guard current == text[k] else { throw fail("invalid literal, expected '\(literal)'", at: start) }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(StrictJSONError) -> JSONValue {
        guard depth <= maxDepth else { throw .nestingTooDeep(offset: position, limit: maxDepth) }
        position += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw .duplicateKey(key: key, offset: keyOffset) }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            case nil: throw fail("unexpected end of data inside an object")
            case let c?: throw fail("unexpected character \(describe(c)), expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(StrictJSONError) -> JSONValue {
        guard depth <= maxDepth else { throw .nestingTooDeep(offset: position, limit: maxDepth) }
        position += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            case nil: throw fail("unexpected end of data inside an array")
            case let c?: throw fail("unexpected character \(describe(c)), expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws(StrictJSONError) -> String {
        let start = position
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position  // Start of a run of plain bytes copied as UTF-8.
        func flushRun(_ end: Int) {
            if end > runStart {
                // The bytes are valid UTF-8 (checked up front) and the run never splits a sequence.
                scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard let c = current else { throw fail("unterminated string", at: start) }
            switch c {
            case UInt8(ascii: "\""):
                flushRun(position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRun(position)
                scalars.append(try parseEscape())
                runStart = position
            case 0x00..<0x20:
                throw fail("unescaped control character \(describe(c)) in string")
            default:
                position += 1
            }
        }
    }

    /// Parses one escape sequence starting at the backslash.
    private mutating func parseEscape() throws(StrictJSONError) -> Unicode.Scalar {
        let start = position
        position += 1  // backslash
        guard let c = current else { throw fail("unterminated escape", at: start) }
        position += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHex4()
            if (0xDC00...0xDFFF).contains(first) { throw fail("lone low surrogate in \\u escape", at: start) }
            guard (0xD800...0xDBFF).contains(first) else { return Unicode.Scalar(first)! }
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                throw fail("high surrogate not followed by a low surrogate", at: start)
            }
            position += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw fail("high surrogate not followed by a low surrogate", at: start)
            }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        default:
            throw fail("invalid escape: backslash followed by \(describe(c))", at: start)
        }
    }

    private mutating func parseHex4() throws(StrictJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw fail("unexpected end of data in \\u escape") }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit \(describe(c)) in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as its text.
    private mutating func parseNumber() throws(StrictJSONError) -> String {
        let start = position
        func isDigit(_ c: UInt8?) -> Bool { c.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
        if current == UInt8(ascii: "-") { position += 1 }
        guard isDigit(current) else { throw fail("invalid number", at: start) }
        if current == UInt8(ascii: "0") {
            position += 1
            if isDigit(current) { throw fail("leading zero in number", at: start) }
        } else {
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard isDigit(current) else { throw fail("expected a digit after '.'", at: start) }
            while isDigit(current) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard isDigit(current) else { throw fail("expected a digit in the exponent", at: start) }
            while isDigit(current) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
