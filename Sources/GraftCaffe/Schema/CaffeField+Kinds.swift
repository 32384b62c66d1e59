/// How one value of a field's type is read and written in each direction: the text reader's
/// conversion (with its checks), the prototxt writer's spelling, and the copy from and to
/// protobuf-c's struct (single values and repeated ones).
struct CaffeValueCodec<Value>: Sendable {
    let readText: @Sendable (TextField, inout TextDecoding) throws(TextFormatError) -> Value
    let writeText: @Sendable (inout TextBuilder, String, Value) -> Void
    let readBinary: @Sendable (BinaryField, inout BinaryDecoding) throws(CaffeError) -> Value
    let readBinaryAll: @Sendable (BinaryField, inout BinaryDecoding) throws(CaffeError) -> [Value]
    let writeBinary: @Sendable (BinaryField, Value) -> Void
    let writeBinaryAll: @Sendable (BinaryField, [Value]) -> Void
}

extension CaffeValueCodec where Value == Int {
    static func integer(_ type: ProtoIntType) -> Self {
        Self(readText: { (f, d) throws(TextFormatError) in try d.integer(f, type) },
             writeText: { b, name, v in b.int(name, v) },
             readBinary: { (f, _) throws(CaffeError) in f.integer() },
             readBinaryAll: { (f, _) throws(CaffeError) in f.integers() },
             writeBinary: { f, v in f.set(integer: v) },
             writeBinaryAll: { f, v in f.set(integers: v) })
    }
}

extension CaffeValueCodec where Value == Float {
    static let float = Self(readText: { (f, d) throws(TextFormatError) in try d.float(f) },
                            writeText: { b, name, v in b.float(name, v) },
                            readBinary: { (f, _) throws(CaffeError) in f.float() },
                            readBinaryAll: { (f, _) throws(CaffeError) in f.floats() },
                            writeBinary: { f, v in f.set(float: v) },
                            writeBinaryAll: { f, v in f.set(floats: v) })
}

extension CaffeValueCodec where Value == Bool {
    static let bool = Self(readText: { (f, d) throws(TextFormatError) in try d.bool(f) },
                           writeText: { b, name, v in b.bool(name, v) },
                           readBinary: { (f, _) throws(CaffeError) in f.integer() != 0 },
                           readBinaryAll: { (f, _) throws(CaffeError) in f.integers().map { $0 != 0 } },
                           writeBinary: { f, v in f.set(integer: v ? 1 : 0) },
                           writeBinaryAll: { f, v in f.set(integers: v.map { $0 ? 1 : 0 }) })
}

extension CaffeValueCodec where Value == String {
    static let string = Self(readText: { (f, d) throws(TextFormatError) in try d.string(f) },
                             writeText: { b, name, v in b.string(name, v) },
                             readBinary: { (f, _) throws(CaffeError) in f.string() ?? "" },
                             readBinaryAll: { (f, _) throws(CaffeError) in f.strings() },
                             writeBinary: { f, v in f.set(string: v) },
                             writeBinaryAll: { f, v in f.set(strings: v) })
}

extension CaffeValueCodec where Value: CaffeEnum {
    /// An enum: by name (or number) in text, by number in binary, where a number caffe.proto does
    /// not define is an error naming the field.
    static var enumeration: Self {
        Self(readText: { (f, d) throws(TextFormatError) in try d.enumeration(f, Value.self) },
             writeText: { b, name, v in b.enumeration(name, v) },
             readBinary: { (f, d) throws(CaffeError) in try d.enumeration(f.integer(), Value.self) },
             readBinaryAll: { (f, d) throws(CaffeError) in
                 var values: [Value] = []
                 for n in f.integers() { values.append(try d.enumeration(n, Value.self)) }
                 return values
             },
             writeBinary: { f, v in f.set(integer: Int(v.rawValue)) },
             writeBinaryAll: { f, v in f.set(integers: v.map { Int($0.rawValue) }) })
    }
}

extension CaffeValueCodec where Value: CaffeMessage {
    /// A nested message, through its own table in every direction.
    static var message: Self {
        Self(readText: { (f, d) throws(TextFormatError) in try d.decode(Value.self, from: d.message(f)) },
             writeText: { b, name, v in b.message(name) { $0.fields(of: v) } },
             readBinary: { (f, d) throws(CaffeError) in try d.decode(Value.self, from: f.message()) },
             readBinaryAll: { (f, d) throws(CaffeError) in
                 var values: [Value] = []
                 for m in f.messages() { values.append(try d.decode(Value.self, from: m)) }
                 return values
             },
             writeBinary: { f, v in f.newMessage().write(v) },
             writeBinaryAll: { f, v in for (m, value) in zip(f.newMessages(v.count), v) { m.write(value) } })
    }
}

extension CaffeValueCodec {
    /// This codec's values seen as another type (a `BlobShape` message as its dims).
    func map<T>(_ get: @escaping @Sendable (Value) -> T, _ make: @escaping @Sendable (T) -> Value) -> CaffeValueCodec<T> {
        let (readText, writeText, readBinary, readBinaryAll, writeBinary, writeBinaryAll) =
            (self.readText, self.writeText, self.readBinary, self.readBinaryAll, self.writeBinary, self.writeBinaryAll)
        return CaffeValueCodec<T>(
            readText: { (f, d) throws(TextFormatError) in get(try readText(f, &d)) },
            writeText: { b, name, v in writeText(&b, name, make(v)) },
            readBinary: { (f, d) throws(CaffeError) in get(try readBinary(f, &d)) },
            readBinaryAll: { (f, d) throws(CaffeError) in try readBinaryAll(f, &d).map(get) },
            writeBinary: { f, v in writeBinary(f, make(v)) },
            writeBinaryAll: { f, v in writeBinaryAll(f, v.map(make)) })
    }
}

/// The field kinds caffe.proto uses, each bound to a key path. A table of these per message is the
/// whole schema (see ``CaffeMessage``). Writers leave out a plain field equal to its default (the
/// value in `Message()`, caffe.proto's) unless `always`, an optional one that is nil, and an empty
/// repeated one.
extension CaffeField where Message: CaffeMessage {
    typealias Path<T> = WritableKeyPath<Message, T> & Sendable

    /// A plain (non-optional) field. `binaryValue` is what the caffemodel writer writes when that
    /// is not the stored property (Pooling's `round_mode` carries the rounding in effect there).
    static func plain<V: Equatable & Sendable>(_ name: String, _ path: Path<V>, _ codec: CaffeValueCodec<V>, always: Bool = false,
                                               binaryValue: (KeyPath<Message, V> & Sendable)? = nil) -> Self {
        let fallback = Message()[keyPath: path]
        let written = binaryValue ?? path
        return Self(name: name, repeated: false,
                    readText: { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try codec.readText(f, &d) },
                    writeText: { m, b in
                        let v = m[keyPath: path]
                        if always || v != fallback { codec.writeText(&b, name, v) }
                    },
                    readBinary: { (m, f, d) throws(CaffeError) in m[keyPath: path] = try codec.readBinary(f, &d) },
                    writeBinary: { m, f in
                        let v = m[keyPath: written]
                        if always || v != fallback { codec.writeBinary(f, v) }
                    })
    }

    /// An optional field: nil when the file does not give it.
    static func optional<V: Sendable>(_ name: String, _ path: Path<V?>, _ codec: CaffeValueCodec<V>) -> Self {
        Self(name: name, repeated: false,
             readText: { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try codec.readText(f, &d) },
             writeText: { m, b in if let v = m[keyPath: path] { codec.writeText(&b, name, v) } },
             readBinary: { (m, f, d) throws(CaffeError) in if f.isPresent { m[keyPath: path] = try codec.readBinary(f, &d) } },
             writeBinary: { m, f in if let v = m[keyPath: path] { codec.writeBinary(f, v) } })
    }

    /// A repeated field.
    static func repeated<V: Sendable>(_ name: String, _ path: Path<[V]>, _ codec: CaffeValueCodec<V>) -> Self {
        Self(name: name, repeated: true,
             readText: { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try codec.readText(f, &d)) },
             writeText: { m, b in for v in m[keyPath: path] { codec.writeText(&b, name, v) } },
             readBinary: { (m, f, d) throws(CaffeError) in m[keyPath: path] = try codec.readBinaryAll(f, &d) },
             writeBinary: { m, f in
                 let values = m[keyPath: path]
                 if !values.isEmpty { codec.writeBinaryAll(f, values) }
             })
    }

    static func int(_ name: String, _ path: Path<Int>, _ type: ProtoIntType, always: Bool = false) -> Self {
        plain(name, path, .integer(type), always: always)
    }

    static func optionalInt(_ name: String, _ path: Path<Int?>, _ type: ProtoIntType) -> Self { optional(name, path, .integer(type)) }

    static func ints(_ name: String, _ path: Path<[Int]>, _ type: ProtoIntType) -> Self { repeated(name, path, .integer(type)) }

    static func float(_ name: String, _ path: Path<Float>) -> Self { plain(name, path, .float) }

    static func floats(_ name: String, _ path: Path<[Float]>) -> Self { repeated(name, path, .float) }

    static func bool(_ name: String, _ path: Path<Bool>) -> Self { plain(name, path, .bool) }

    static func optionalBool(_ name: String, _ path: Path<Bool?>) -> Self { optional(name, path, .bool) }

    static func bools(_ name: String, _ path: Path<[Bool]>) -> Self { repeated(name, path, .bool) }

    static func string(_ name: String, _ path: Path<String>) -> Self { plain(name, path, .string) }

    static func optionalString(_ name: String, _ path: Path<String?>) -> Self { optional(name, path, .string) }

    static func strings(_ name: String, _ path: Path<[String]>) -> Self { repeated(name, path, .string) }

    static func enumeration<E: CaffeEnum>(_ name: String, _ path: Path<E>, binaryValue: (KeyPath<Message, E> & Sendable)? = nil) -> Self {
        plain(name, path, .enumeration, binaryValue: binaryValue)
    }

    static func optionalEnum<E: CaffeEnum>(_ name: String, _ path: Path<E?>) -> Self { optional(name, path, .enumeration) }

    static func enums<E: CaffeEnum>(_ name: String, _ path: Path<[E]>) -> Self { repeated(name, path, .enumeration) }

    static func message<N: CaffeMessage & Sendable>(_ name: String, _ path: Path<N?>) -> Self { optional(name, path, .message) }

    static func messages<N: CaffeMessage & Sendable>(_ name: String, _ path: Path<[N]>) -> Self { repeated(name, path, .message) }

    /// A `BlobShape` block, stored as its dims.
    static func shape(_ name: String, _ path: Path<[Int]?>) -> Self { optional(name, path, BlobShapeText.dims) }

    /// Repeated `BlobShape` blocks.
    static func shapes(_ name: String, _ path: Path<[[Int]]>) -> Self { repeated(name, path, BlobShapeText.dims) }
}

/// `BlobShape` (prototxts carry shapes, not data).
struct BlobShapeText: CaffeMessage, Sendable {
    var dim: [Int] = []
    static let protoMessageName = "BlobShape"
    static let fields = CaffeFields<Self>([.ints("dim", \.dim, .int64)])

    /// The message as its dims.
    static let dims = CaffeValueCodec<Self>.message.map { $0.dim } _: { BlobShapeText(dim: $0) }
}
