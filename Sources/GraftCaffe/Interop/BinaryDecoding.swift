import Foundation
import GraftFiles
import GraftCore
internal import CCaffeProto
internal import CProtobufC

/// Copies an unpacked protobuf-c `NetParameter` into plain Swift values. One instance per file:
/// it knows the file (for errors), the layer being copied, and collects unknown fields.
struct BinaryDecoding {
    let file: String
    let strict: Bool
    var layer = ""
    var warnings: [CaffeWarning] = []
    var unknownTexts: [String] = []
    /// The fields from the layer (or net) down to the one being copied, naming it in errors
    /// ("pooling_param.pool").
    var fieldPath: [String] = []
    /// Frees each blob's C `data` array once it is copied (only on a message this decode owns), so
    /// a large net is never held twice in full.
    var releasesBlobData = false

    init(file: String, strict: Bool) {
        self.file = file
        self.strict = strict
    }

    // MARK: Scalars and arrays

    func string(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    func strings(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let p, n > 0 else { return [] }
        return (0..<n).map { string(p[$0]) }
    }

    func ints<T: BinaryInteger>(_ n: Int, _ p: UnsafeMutablePointer<T>?) -> [Int] {
        guard let p, n > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: n).map { Int($0) }
    }

    /// One `memcpy` into a fresh array: blob data can be hundreds of megabytes, and a generic
    /// sequence initialiser is element by element in unoptimised builds. A large array is advised
    /// to use huge pages first (one page fault per 2 MiB instead of per 4 KiB).
    func floats(_ n: Int, _ p: UnsafeMutablePointer<Float>?) -> [Float] {
        guard let p, n > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), byteCount: n * MemoryLayout<Float>.stride)
            memcpy(buffer.baseAddress!, p, n * MemoryLayout<Float>.stride)
            initialized = n
        }
    }

    func bools(_ n: Int, _ p: UnsafeMutablePointer<protobuf_c_boolean>?) -> [Bool] {
        guard let p, n > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: n).map { $0 != 0 }
    }

    func optional<T: BinaryInteger>(_ has: protobuf_c_boolean, _ value: T) -> Int? { has != 0 ? Int(value) : nil }

    /// A C enum value as the Swift enum, or an error naming the field when the file holds a
    /// number caffe.proto does not define (protobuf-c does not check).
    func enumeration<E: CaffeEnum, C: RawRepresentable>(_ value: C, _ type: E.Type, field: String) throws(CaffeError) -> E
    where C.RawValue: BinaryInteger {
        let number = Int32(truncatingIfNeeded: value.rawValue)
        guard let result = E(rawValue: number) else {
            throw .invalidEnum(file: file, layer: layer, field: field, value: number)
        }
        return result
    }

    /// Repeated nested messages, each converted by `convert`.
    mutating func each<C, T>(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?,
                             _ convert: (inout BinaryDecoding, UnsafeMutablePointer<C>) throws(CaffeError) -> T) throws(CaffeError) -> [T] {
        guard let p, n > 0 else { return [] }
        var result: [T] = []
        result.reserveCapacity(n)
        for i in 0..<n {
            guard let item = p[i] else { continue }
            result.append(try convert(&self, item))
        }
        return result
    }

    /// Repeated nested messages of a type with a table, the field `name` of the layer or net.
    mutating func each<C, M: CaffeMessage>(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, as type: M.Type,
                                           field name: String) throws(CaffeError) -> [M] {
        try each(n, p) { (d, item) throws(CaffeError) in try d.decode(M.self, from: item, field: name) }
    }

    // MARK: Unknown fields

    /// Records fields of `base` that Graft's schema does not know: kept as a description on the
    /// layer, reported as a warning, or an error when strict.
    mutating func unknown(_ base: ProtobufCMessage, in messageName: String) throws(CaffeError) {
        guard base.n_unknown_fields > 0, let fields = base.unknown_fields else { return }
        let descriptions = (0..<Int(base.n_unknown_fields)).map { i in
            let f = fields[i]
            return "field \(f.tag) (\(Self.wireTypeName(f.wire_type)), \(f.len) bytes)"
        }
        let location = layer.isEmpty ? messageName : "\(messageName) of layer '\(layer)'"
        if strict { throw .unknownFields(file: file, location: location, fields: descriptions) }
        warnings.append(CaffeWarning(file: file, message: "\(location) has fields unknown to Graft's schema, kept as "
                                     + "descriptions: \(descriptions.joined(separator: ", "))"))
        unknownTexts += descriptions.map { "\(messageName).\($0)" }
    }

    static func wireTypeName(_ type: ProtobufCWireType) -> String {
        switch type {
        case PROTOBUF_C_WIRE_TYPE_VARINT: "varint"
        case PROTOBUF_C_WIRE_TYPE_64BIT: "64-bit"
        case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: "length-delimited"
        case PROTOBUF_C_WIRE_TYPE_32BIT: "32-bit"
        default: "wire type \(type.rawValue)"
        }
    }
}
