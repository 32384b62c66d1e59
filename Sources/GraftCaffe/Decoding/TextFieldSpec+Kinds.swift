/// The field kinds caffe.proto uses, each writing through a key path. A table of these per
/// message is the whole text schema (see ``TextDecodable``).
extension TextFieldSpec {
    typealias Path<T> = WritableKeyPath<Message, T> & Sendable

    static func int(_ path: Path<Int>, _ type: ProtoIntType) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.integer(f, type) }
    }

    static func optionalInt(_ path: Path<Int?>, _ type: ProtoIntType) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.integer(f, type) }
    }

    static func ints(_ path: Path<[Int]>, _ type: ProtoIntType) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.integer(f, type)) }
    }

    static func float(_ path: Path<Float>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.float(f) }
    }

    static func floats(_ path: Path<[Float]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.float(f)) }
    }

    static func bool(_ path: Path<Bool>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.bool(f) }
    }

    static func optionalBool(_ path: Path<Bool?>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.bool(f) }
    }

    static func bools(_ path: Path<[Bool]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.bool(f)) }
    }

    static func string(_ path: Path<String>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.string(f) }
    }

    static func optionalString(_ path: Path<String?>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.string(f) }
    }

    static func strings(_ path: Path<[String]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.string(f)) }
    }

    static func enumeration<E: CaffeEnum>(_ path: Path<E>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.enumeration(f, E.self) }
    }

    static func optionalEnum<E: CaffeEnum>(_ path: Path<E?>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.enumeration(f, E.self) }
    }

    static func enums<E: CaffeEnum>(_ path: Path<[E]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.enumeration(f, E.self)) }
    }

    static func message<N: TextDecodable>(_ path: Path<N?>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.decode(N.self, from: d.message(f)) }
    }

    static func messages<N: TextDecodable>(_ path: Path<[N]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.decode(N.self, from: d.message(f))) }
    }

    /// A `BlobShape` block, stored as its dims.
    static func shape(_ path: Path<[Int]?>) -> Self {
        Self(repeated: false) { (m, f, d) throws(TextFormatError) in m[keyPath: path] = try d.decode(BlobShapeText.self, from: d.message(f)).dim }
    }

    /// Repeated `BlobShape` blocks.
    static func shapes(_ path: Path<[[Int]]>) -> Self {
        Self(repeated: true) { (m, f, d) throws(TextFormatError) in m[keyPath: path].append(try d.decode(BlobShapeText.self, from: d.message(f)).dim) }
    }
}

/// `BlobShape` in text (prototxts carry shapes, not data).
struct BlobShapeText: TextDecodable {
    var dim: [Int] = []
    static let protoMessageName = "BlobShape"
    static let textFields: [String: TextFieldSpec<Self>] = ["dim": .ints(\.dim, .int64)]
}
