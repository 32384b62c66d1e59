/// One token of protobuf text format.
public struct TextToken: Equatable, Sendable {
    /// What kind of token.
    public enum Kind: Equatable, Sendable {
        /// `[A-Za-z_][A-Za-z0-9_]*`: field names, enum values, `true`, `inf`, ...
        case identifier
        /// A number as written, without sign: `12`, `0x1F`, `017`, `1.5e-3`, `1.0f`, `.5`.
        case number
        /// One quoted string, escapes resolved into `bytes`.
        case string
        /// One of `{ } < > [ ] : , ; -`.
        case symbol
        /// The end of the input.
        case endOfFile
    }

    /// The token's kind.
    public var kind: Kind
    /// The source text of the token (for strings: with quotes and escapes as written).
    public var text: String
    /// The decoded bytes of a string token; empty otherwise.
    public var bytes: [UInt8]
    /// Where the token starts.
    public var start: TextPosition
    /// Byte offset just past the token.
    public var end: Int

    /// How an error message names this token: "'}'", "identifier 'foo'", "end of file".
    public var quoted: String {
        switch kind {
        case .endOfFile: "end of file"
        case .identifier: "identifier '\(text)'"
        case .number: "number \(text)"
        case .string: "string \(text)"
        case .symbol: "'\(text)'"
        }
    }

    /// True for a number written with a fraction, an exponent or an `f` suffix (not hex).
    public var isFloatLiteral: Bool {
        guard kind == .number, !text.hasPrefix("0x"), !text.hasPrefix("0X") else { return false }
        return text.contains { $0 == "." || $0 == "e" || $0 == "E" || $0 == "f" || $0 == "F" }
    }
}
