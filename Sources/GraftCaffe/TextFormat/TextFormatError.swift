/// A protobuf text-format file that cannot be parsed, or whose values do not fit the schema,
/// at a 1-based line and column (columns count bytes; a tab is one column).
public struct TextFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Equatable, Sendable {
        /// Something else was needed: `expected` and what was `found` ("end of file", "'}'", ...).
        case expected(String, found: String)
        /// A string not closed before the end of its line or of the file.
        case unterminatedString
        /// A backslash escape C does not define.
        case invalidEscape(String)
        /// Text that starts as a number but is not one.
        case invalidNumber(String)
        /// A character that starts no token.
        case unexpectedCharacter(String)
        /// Messages nested deeper than the parser's cap.
        case tooDeep(limit: Int)
        /// Input larger than the parser's cap.
        case tooLarge(bytes: Int, limit: Int)
        /// A field the schema does not know (an error only in strict mode).
        case unknownField(name: String, message: String)
        /// A non-repeated field given twice (protobuf's C++ parser rejects this too).
        case duplicateField(String)
        /// A value of the wrong kind or out of range for its field.
        case invalidValue(field: String, reason: String)
    }

    /// The file concerned.
    public var file: String
    /// The line, 1 up.
    public var line: Int
    /// The column in bytes, 1 up.
    public var column: Int
    /// What is wrong there.
    public var reason: Reason

    /// An error at `line` and `column` of `file`.
    public init(file: String, line: Int, column: Int, reason: Reason) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// The reason in words, without the position.
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
    /// The line, 1 up.
    public var line: Int
    /// The column in bytes, 1 up.
    public var column: Int
    /// The byte offset from the start of the input.
    public var offset: Int

    /// A position.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}
