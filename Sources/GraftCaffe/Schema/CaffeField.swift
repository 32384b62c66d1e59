/// A caffe.proto message Graft holds as a Swift struct: a default value (caffe.proto's defaults)
/// plus one ``CaffeField`` per field. The table is the whole schema of the message for the text
/// reader, the binary reader, the prototxt writer and the caffemodel writer.
protocol CaffeMessage: SendableMetatype {
    init()
    /// The caffe.proto message name, for warnings and errors.
    static var protoMessageName: String { get }
    static var fields: CaffeFields<Self> { get }
}

/// The fields of one message, in the order the writers write them (caffe.proto's declaration
/// order), and by name for the readers.
struct CaffeFields<Message>: Sendable {
    let all: [CaffeField<Message>]
    private let index: [String: Int]

    init(_ fields: [CaffeField<Message>]) {
        all = fields
        index = Dictionary(fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in
            preconditionFailure("field '\(fields[first].name)' is listed twice")
        })
    }

    subscript(name: String) -> CaffeField<Message>? { index[name].map { all[$0] } }

    static func + (lhs: Self, rhs: [CaffeField<Message>]) -> Self { Self(lhs.all + rhs) }
}

/// One field of a caffe.proto message, bound to the property of the Swift struct that holds it.
///
/// The closures are made by the kinds in `CaffeField+Kinds.swift` from a key path and the field's
/// protobuf type, so each direction reads or writes the same property:
/// - text: read from a ``TextField`` (range and enum checks, typed errors naming the field);
///   written by ``TextBuilder`` when it differs from the default (or is set, for an optional);
/// - binary: copied from and to protobuf-c's message struct through the field's descriptor
///   (looked up by `name`; see ``BinaryField``), written under the same rule as text.
struct CaffeField<Message>: Sendable {
    typealias ReadText = @Sendable (inout Message, TextField, inout TextDecoding) throws(TextFormatError) -> Void
    typealias WriteText = @Sendable (Message, inout TextBuilder) -> Void
    typealias ReadBinary = @Sendable (inout Message, BinaryField, inout BinaryDecoding) throws(CaffeError) -> Void
    typealias WriteBinary = @Sendable (Message, BinaryField) -> Void

    /// The field's name in caffe.proto.
    let name: String
    /// Whether text may give the field more than once.
    let repeated: Bool
    /// False for a field that only prototxt spells (the forks' `ceil_mode`) or that only the text
    /// reader handles by hand: the binary reader and writer skip it.
    private(set) var binary = true
    let readText: ReadText
    let writeText: WriteText
    let readBinary: ReadBinary
    let writeBinary: WriteBinary

    init(name: String, repeated: Bool, readText: @escaping ReadText, writeText: @escaping WriteText,
         readBinary: @escaping ReadBinary, writeBinary: @escaping WriteBinary) {
        self.name = name
        self.repeated = repeated
        self.readText = readText
        self.writeText = writeText
        self.readBinary = readBinary
        self.writeBinary = writeBinary
    }

    /// A field only the text reader handles, by `read` (the binary side and the writers have
    /// their own code for these: layers, blobs, V0 definitions).
    init(textOnly name: String, repeated: Bool, read: @escaping ReadText) {
        self.init(name: name, repeated: repeated, readText: read, writeText: { _, _ in },
                  readBinary: { (_, _, _) throws(CaffeError) in }, writeBinary: { _, _ in })
        binary = false
    }

    /// This field, absent from the binary schema.
    func textOnly() -> Self {
        var field = self
        field.binary = false
        return field
    }

    /// This field as one of `Outer`, reached through `path` (a layer's `*_param` blocks live in
    /// ``CaffeLayerParameters``, which V1 and V2 layers share).
    func lifted<Outer>(_ path: WritableKeyPath<Outer, Message> & Sendable) -> CaffeField<Outer> {
        let (readText, writeText, readBinary, writeBinary) = (self.readText, self.writeText, self.readBinary, self.writeBinary)
        var field = CaffeField<Outer>(
            name: name, repeated: repeated,
            readText: { (outer, f, d) throws(TextFormatError) in try readText(&outer[keyPath: path], f, &d) },
            writeText: { outer, b in writeText(outer[keyPath: path], &b) },
            readBinary: { (outer, f, d) throws(CaffeError) in try readBinary(&outer[keyPath: path], f, &d) },
            writeBinary: { outer, f in writeBinary(outer[keyPath: path], f) })
        field.binary = binary
        return field
    }
}
