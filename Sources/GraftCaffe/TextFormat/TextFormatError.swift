/// A protobuf text-format file that cannot be parsed, or whose values do not fit the schema,
/// at a 1-based line and column (columns count bytes; a tab is one column).
public struct TextFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Something else was needed: `expected` and what was `found` ("end of file", "'}'", ...).
        case expected(String, found: String)
        case unterminatedString
        case invalidEscape(String)
        case invalidNumber(String)
        case unexpectedCharacter(String)
        /// Messages nested deeper than the parser's cap.
        case tooDeep(limit: Int)
        case tooLarge(bytes: Int, limit: Int)
        /// A field the schema does not know (an error only in strict mode).
        case unknownField(name: String, message: String)
        /// A non-repeated field given twice (protobuf's C++ parser rejects this too).
        case duplicateField(String)
        /// A value of the wrong kind or out of range for its field.
        case invalidValue(field: String, reason: String)
    }

    public var file: String
    public var line: Int
    public var column: Int
    public var reason: Reason

    public init(file: String, line: Int, column: Int, reason: Reason) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var message: String {
        switch reason {
        case .expected(let e, let f): "expected \(e) but found \(f)"
        case .unterminatedString: "unterminated string"
        case .invalidEscape(let s): "invalid escape sequence '\(s)'"
        case .invalidNumber(let s): "invalid number '\(s)'"
        case .unexpectedCharacter(let c): "unexpected character \(c)"
        case .tooDeep(let l): "messages nested deeper than \(l) levels"
        case .tooLarge(let b, let l): "\(b) bytes exceeds the limit of \(l)"
        case .unknownField(let n, let m): "unknown field '\(n)' in \(m)"
        case .duplicateField(let n): "non-repeated field '\(n)' is given more than once"
        case .invalidValue(let f, let r): "invalid value for '\(f)': \(r)"
        }
    }

    /// "net.prototxt:3:14: expected '}' but found end of file".
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A place in a text file: 1-based line and column, and the byte offset for slicing.
public struct TextPosition: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}
