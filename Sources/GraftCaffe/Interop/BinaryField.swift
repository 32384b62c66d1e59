internal import CCaffeProto
internal import CProtobufC
import GraftProtobufC

// The generic side of the binary reader and writer: any `*_param` message is copied from and to
// protobuf-c's struct through its runtime descriptors, field by field as its ``CaffeFields``
// table lists them. Each field's descriptor gives where the value lives in the struct (`offset`),
// where its presence or count lives (`quantifier_offset`: `has_*` for an optional scalar, `n_*`
// for a repeated field) and its C type; strings and messages are pointers (NULL when absent).

/// A protobuf-c message struct in memory (read from an unpacked message, or being built for a
/// pack in a ``ProtobufArena``). Every such struct starts with `ProtobufCMessage`, whose
/// `descriptor` describes it.
struct BinaryMessage {
    let pointer: UnsafeMutableRawPointer
    /// The arena new nested messages, arrays and strings go in (writing only).
    let arena: ProtobufArena?

    init<M>(_ message: UnsafeMutablePointer<M>, arena: ProtobufArena? = nil) {
        self.init(raw: UnsafeMutableRawPointer(message), arena: arena)
    }

    fileprivate init(raw: UnsafeMutableRawPointer, arena: ProtobufArena?) {
        pointer = raw
        self.arena = arena
    }

    fileprivate var base: ProtobufCMessage { pointer.load(as: ProtobufCMessage.self) }

    fileprivate var descriptor: UnsafePointer<ProtobufCMessageDescriptor> { base.descriptor }

    /// The field `name` of this message. Every name a table lists for binary use is in caffe.proto
    /// (a test reads and writes every table), so a missing one is a programming error.
    func field(_ name: String) -> BinaryField {
        guard let field = protobuf_c_message_descriptor_get_field_by_name(descriptor, name) else {
            preconditionFailure("\(String(cString: descriptor.pointee.name)) has no field '\(name)' in caffe.proto")
        }
        return BinaryField(message: self, descriptor: field)
    }

    /// Fills the fields `fields` lists from `value` (a `*_param` block, or a layer's blocks).
    func write<M>(_ fields: CaffeFields<M>, of value: M) {
        for field in fields.all where field.binary { field.writeBinary(value, self.field(field.name)) }
    }

    func write<M: CaffeMessage>(_ value: M) { write(M.fields, of: value) }
}

/// One field of a ``BinaryMessage``: its value read or written with the C type its descriptor
/// gives, so a table entry needs only the field's name.
struct BinaryField {
    let owner: BinaryMessage
    fileprivate let descriptor: UnsafePointer<ProtobufCFieldDescriptor>

    fileprivate init(message: BinaryMessage, descriptor: UnsafePointer<ProtobufCFieldDescriptor>) {
        owner = message
        self.descriptor = descriptor
    }

    private var type: ProtobufCType { descriptor.pointee.type }
    private var name: String { String(cString: descriptor.pointee.name) }
    private var value: UnsafeMutableRawPointer { owner.pointer + Int(descriptor.pointee.offset) }
    private var quantifier: UnsafeMutableRawPointer { owner.pointer + Int(descriptor.pointee.quantifier_offset) }
    private var isPointer: Bool { type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_MESSAGE }
    private var arena: ProtobufArena {
        guard let arena = owner.arena else { preconditionFailure("writing field '\(name)' of a message read from a file") }
        return arena
    }

    /// Whether an optional field is set: its `has_*` flag, or for a string or message a pointer
    /// (other than a string's default).
    var isPresent: Bool {
        if isPointer {
            guard let p = value.load(as: UnsafeRawPointer?.self) else { return false }
            return p != descriptor.pointee.default_value
        }
        return quantifier.load(as: protobuf_c_boolean.self) != 0
    }

    // MARK: Reading

    private func integer(at p: UnsafeRawPointer) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_ENUM: Int(p.load(as: Int32.self))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: Int(p.load(as: UInt32.self))
        case PROTOBUF_C_TYPE_BOOL: Int(p.load(as: protobuf_c_boolean.self))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: Int(p.load(as: Int64.self))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: Int(truncatingIfNeeded: p.load(as: UInt64.self))
        default: preconditionFailure("field '\(name)' is not an integer, bool or enum in caffe.proto")
        }
    }

    private var elementSize: Int {
        switch type {
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_UINT64,
             PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_DOUBLE: 8
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_MESSAGE, PROTOBUF_C_TYPE_BYTES: MemoryLayout<UnsafeRawPointer>.stride
        default: 4
        }
    }

    /// The elements of a repeated field: protobuf-c's count and array (nothing when either is
    /// empty), each element's address.
    private func elements() -> [UnsafeRawPointer] {
        let count = quantifier.load(as: Int.self)
        guard count > 0, let array = value.load(as: UnsafeRawPointer?.self) else { return [] }
        let size = elementSize
        return (0..<count).map { array + $0 * size }
    }

    func integer() -> Int { integer(at: value) }

    func integers() -> [Int] { elements().map(integer(at:)) }

    private func float(at p: UnsafeRawPointer) -> Float {
        switch type {
        case PROTOBUF_C_TYPE_FLOAT: p.load(as: Float.self)
        case PROTOBUF_C_TYPE_DOUBLE: Float(p.load(as: Double.self))
        default: preconditionFailure("field '\(name)' is not a float in caffe.proto")
        }
    }

    func float() -> Float { float(at: value) }

    func floats() -> [Float] { elements().map(float(at:)) }

    private func string(at p: UnsafeRawPointer) -> String? {
        precondition(type == PROTOBUF_C_TYPE_STRING, "field '\(name)' is not a string in caffe.proto")
        return p.load(as: UnsafePointer<CChar>?.self).map { String(cString: $0) }
    }

    func string() -> String? { string(at: value) }

    func strings() -> [String] { elements().map { string(at: $0) ?? "" } }

    private func message(at p: UnsafeRawPointer) -> BinaryMessage? {
        precondition(type == PROTOBUF_C_TYPE_MESSAGE, "field '\(name)' is not a message in caffe.proto")
        return p.load(as: UnsafeMutableRawPointer?.self).map { BinaryMessage(raw: $0, arena: owner.arena) }
    }

    /// The nested message of an optional field that ``isPresent``.
    func message() -> BinaryMessage {
        guard let nested = message(at: value) else { preconditionFailure("field '\(name)' is absent") }
        return nested
    }

    /// The nested messages of a repeated field (a NULL element is skipped).
    func messages() -> [BinaryMessage] { elements().compactMap(message(at:)) }

    // MARK: Writing (into a message built in an arena)

    /// Marks an optional scalar as set (strings and messages are set by their pointer).
    private func markPresent() {
        if descriptor.pointee.label == PROTOBUF_C_LABEL_OPTIONAL, !isPointer {
            quantifier.storeBytes(of: 1, as: protobuf_c_boolean.self)
        }
    }

    private func store(integer v: Int, at p: UnsafeMutableRawPointer) {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_ENUM:
            p.storeBytes(of: Int32(truncatingIfNeeded: v), as: Int32.self)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: p.storeBytes(of: UInt32(truncatingIfNeeded: v), as: UInt32.self)
        case PROTOBUF_C_TYPE_BOOL: p.storeBytes(of: v != 0 ? 1 : 0, as: protobuf_c_boolean.self)
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: p.storeBytes(of: Int64(v), as: Int64.self)
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: p.storeBytes(of: UInt64(truncatingIfNeeded: v), as: UInt64.self)
        default: preconditionFailure("field '\(name)' is not an integer, bool or enum in caffe.proto")
        }
    }

    private func store(float v: Float, at p: UnsafeMutableRawPointer) {
        switch type {
        case PROTOBUF_C_TYPE_FLOAT: p.storeBytes(of: v, as: Float.self)
        case PROTOBUF_C_TYPE_DOUBLE: p.storeBytes(of: Double(v), as: Double.self)
        default: preconditionFailure("field '\(name)' is not a float in caffe.proto")
        }
    }

    /// A zeroed array of `count` elements in the arena, recorded as the repeated field's value.
    private func newElements(_ count: Int) -> [UnsafeMutableRawPointer] {
        let size = elementSize
        let words = (count * size + 7) / 8
        guard let array = arena.array([UInt64](repeating: 0, count: words)).1 else { return [] }
        quantifier.storeBytes(of: count, as: Int.self)
        value.storeBytes(of: UnsafeMutableRawPointer(array), as: UnsafeMutableRawPointer.self)
        return (0..<count).map { UnsafeMutableRawPointer(array) + $0 * size }
    }

    func set(integer v: Int) {
        store(integer: v, at: value)
        markPresent()
    }

    func set(integers v: [Int]) { for (p, x) in zip(newElements(v.count), v) { store(integer: x, at: p) } }

    func set(float v: Float) {
        store(float: v, at: value)
        markPresent()
    }

    func set(floats v: [Float]) { for (p, x) in zip(newElements(v.count), v) { store(float: x, at: p) } }

    func set(string v: String) {
        precondition(type == PROTOBUF_C_TYPE_STRING, "field '\(name)' is not a string in caffe.proto")
        value.storeBytes(of: arena.string(v), as: UnsafeMutablePointer<CChar>.self)
    }

    func set(strings v: [String]) {
        precondition(type == PROTOBUF_C_TYPE_STRING, "field '\(name)' is not a string in caffe.proto")
        for (p, s) in zip(newElements(v.count), v) { p.storeBytes(of: arena.string(s), as: UnsafeMutablePointer<CChar>.self) }
    }

    /// A new, initialised message of the field's type in the arena.
    private func newMessageStruct() -> UnsafeMutableRawPointer {
        precondition(type == PROTOBUF_C_TYPE_MESSAGE, "field '\(name)' is not a message in caffe.proto")
        let nested = descriptor.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        let words = (nested.pointee.sizeof_message + 7) / 8
        let memory = UnsafeMutableRawPointer(arena.array([UInt64](repeating: 0, count: words)).1!)
        protobuf_c_message_init(nested, memory)
        return memory
    }

    /// A new message set as the optional field's value, to fill.
    func newMessage() -> BinaryMessage {
        let memory = newMessageStruct()
        value.storeBytes(of: memory, as: UnsafeMutableRawPointer.self)
        return BinaryMessage(raw: memory, arena: arena)
    }

    /// `count` new messages set as the repeated field's value, to fill.
    func newMessages(_ count: Int) -> [BinaryMessage] {
        newElements(count).map { slot in
            let memory = newMessageStruct()
            slot.storeBytes(of: memory, as: UnsafeMutableRawPointer.self)
            return BinaryMessage(raw: memory, arena: arena)
        }
    }
}

extension BinaryDecoding {
    /// Decodes `message` as `M` through its table: every field caffe.proto gives it, nested ones
    /// named by their path in errors; unknown fields as ``unknown(_:in:)`` says.
    mutating func decode<M: CaffeMessage>(_ type: M.Type, from message: BinaryMessage) throws(CaffeError) -> M {
        try unknown(message.base, in: M.protoMessageName)
        var result = M()
        try read(M.fields, into: &result, from: message)
        return result
    }

    /// ``decode(_:from:)`` for a message reached through the field `name` (for its error path).
    mutating func decode<M: CaffeMessage, C>(_ type: M.Type, from message: UnsafeMutablePointer<C>, field name: String) throws(CaffeError) -> M {
        fieldPath.append(name)
        defer { fieldPath.removeLast() }
        return try decode(type, from: BinaryMessage(message))
    }

    /// Reads the fields `fields` lists from `message` into `value`.
    mutating func read<M>(_ fields: CaffeFields<M>, into value: inout M, from message: BinaryMessage) throws(CaffeError) {
        for field in fields.all where field.binary {
            fieldPath.append(field.name)
            defer { fieldPath.removeLast() }
            try field.readBinary(&value, message.field(field.name), &self)
        }
    }

    /// A stored enum number as `E`, or an error naming the field's path when caffe.proto does not
    /// define it (protobuf-c does not check).
    func enumeration<E: CaffeEnum>(_ number: Int, _ type: E.Type) throws(CaffeError) -> E {
        let raw = Int32(truncatingIfNeeded: number)
        guard let value = E(rawValue: raw) else {
            throw .invalidEnum(file: file, layer: layer, field: fieldPath.joined(separator: "."), value: raw)
        }
        return value
    }
}
