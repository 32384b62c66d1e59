/// A parsed text-format message before any schema is applied: its fields in file order, each
/// with its position, so a schema-driven decoder can report errors where they are and keep
/// fields it does not know as their original text.
public struct TextMessage: Equatable, Sendable {
    /// Where the message starts: its opening brace, or the start of the file.
    public var position: TextPosition
    /// The fields in file order.
    public var fields: [TextField]

    /// A message starting at `position`.
    public init(position: TextPosition, fields: [TextField] = []) {
        self.position = position
        self.fields = fields
    }

    /// The fields called `name`, in order.
    public func fields(named name: String) -> [TextField] { fields.filter { $0.name == name } }
}

/// One field occurrence. A list (`dim: [1, 2]`) becomes one occurrence per element, all with
/// the list's source range.
public struct TextField: Equatable, Sendable {
    /// The field's name.
    public var name: String
    /// Where the field's name is.
    public var position: TextPosition
    /// The field's value.
    public var value: TextValue
    /// Byte range of the whole field in the source, from its name to the end of its value.
    public var sourceRange: Range<Int>

    /// A field occurrence.
    public init(name: String, position: TextPosition, value: TextValue, sourceRange: Range<Int>) {
        self.name = name
        self.position = position
        self.value = value
        self.sourceRange = sourceRange
    }
}

/// A field's value: one scalar or a nested message.
public enum TextValue: Equatable, Sendable {
    /// `name: value`.
    case scalar(TextScalar)
    /// `name { ... }`.
    case message(TextMessage)
}

/// A scalar value as written: an identifier (enum value, `true`, `inf`), a number, or one or
/// more adjacent strings (concatenated). The schema decides what it means.
public struct TextScalar: Equatable, Sendable {
    /// How a scalar was written.
    public enum Kind: Equatable, Sendable {
        /// An identifier: an enum value, `true`, `inf`, ...
        case identifier
        /// A number.
        case number
        /// One or more adjacent quoted strings.
        case string
    }

    /// How the value was written.
    public var kind: Kind
    /// As written, with a leading "-" when negative; for strings the first quoted token.
    public var text: String
    /// Whether a `-` preceded the value.
    public var negative: Bool
    /// The decoded bytes of a string (all adjacent parts joined); empty otherwise.
    public var bytes: [UInt8]
    /// Where the value starts.
    public var position: TextPosition
    /// True for numbers written as floats (`1.5`, `1e3`, `2f`).
    public var isFloatLiteral: Bool

    /// A scalar as written.
    public init(kind: Kind, text: String, negative: Bool = false, bytes: [UInt8] = [], position: TextPosition,
                isFloatLiteral: Bool = false) {
        self.kind = kind
        self.text = text
        self.negative = negative
        self.bytes = bytes
        self.position = position
        self.isFloatLiteral = isFloatLiteral
    }

    /// The string value (invalid UTF-8 is replaced, as Caffe's names are plain ASCII in practice).
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}
