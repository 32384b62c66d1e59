import Foundation
import GraftFiles

/// Writes a ``Model`` as a `.graft` file.
///
/// The model is validated with the reader's own rules first, so a written file always opens.
/// Output is byte-deterministic: tensors in graph parameter order, then `state.` tensors by name,
/// all float32; JSON with a fixed key order; the header padded with spaces to a multiple of 8 so
/// the data section is 8-byte aligned. Writing is atomic: a temporary file in the target's
/// directory is synced and renamed over the target, so readers see the old file or the new one,
/// never a partial one.
///
/// The tensor data is written first, straight from each tensor's storage, and the header last
/// (into the space its length reserved), so that a provenance still being computed, such as the
/// digests of large source files, can be completed while the data is written (see
/// ``write(_:to:provenance:)``). Files of ``directIOThreshold`` bytes or more bypass the page
/// cache where the system allows (GraftFiles' `StagedFileWriter`).
public enum NativeWriter {
    /// Files at least this large are written with direct I/O (Linux): for a model of hundreds of
    /// megabytes, copying into the page cache costs more than the device takes to write it.
    public static let directIOThreshold = 16 << 20

    /// Writes `model` to `path` atomically, with float32 tensors.
    public static func write(_ model: Model, to path: String) throws(NativeFormatError) {
        do {
            try write(model, to: path, fault: nil)
        } catch let error as NativeFormatError {
            throw error
        } catch {
            throw .io(path: path, reason: IOErrorText.describe(error))   // unreachable: no provenance closure
        }
    }

    /// Writes `model` with the provenance that `provenance` returns, called only after the tensor
    /// data is written: for provenance that takes as long to compute as the data takes to write,
    /// such as SHA-256 digests of the source files, computed on another thread meanwhile.
    ///
    /// The header's length is fixed by `model.provenance` before any data is written, so the final
    /// provenance must encode to no more bytes: give `model` placeholders of the final length (a
    /// digest of 64 `0`s, the source's byte count). A shorter header is padded with spaces, which
    /// the safetensors format allows.
    ///
    /// - Throws: ``NativeFormatError`` (`.headerTooLarge` when the final header does not fit the
    ///   reserved space), or what `provenance` throws; either way no file is left behind.
    public static func write(_ model: Model, to path: String, provenance: () throws -> Provenance) throws {
        try write(model, to: path, completingProvenance: provenance, fault: nil)
    }

    /// The complete file as bytes (for tests, fuzzing seeds and in-memory use).
    public static func encode(_ model: Model, path: String = "<memory>") throws(NativeFormatError) -> Data {
        let layout = try FileLayout(model, path: path)
        var data = Data(layout.prefixAndHeader)
        for (_, tensor) in layout.tensors { data.append(contentsOf: ScalarConversion.littleEndianBytes(tensor.scalars)) }
        return data
    }

    /// Points where a test can make ``write(_:to:completingProvenance:fault:directIOThreshold:)`` fail, to
    /// prove nothing is left behind.
    enum Fault: Sendable {
        case afterHeader
        case afterTensor(Int)
        case beforeRename
    }

    /// `completingProvenance` returns the final provenance, or nil to keep `model`'s.
    static func write(_ model: Model, to path: String, completingProvenance: () throws -> Provenance? = { nil },
                      fault: Fault?, directIOThreshold: Int = directIOThreshold) throws {
        let layout = try FileLayout(model, path: path)
        let reserved = layout.prefixAndHeader
        let length = reserved.count + layout.dataByteCount
        do {
            try AtomicFile.write(to: path, length: length, headLength: reserved.count, directIO: length >= directIOThreshold,
                                 beforeRename: {
                if case .beforeRename = fault { throw NativeFormatError.io(path: path, reason: "injected fault before rename") }
            }) { writer in
                for (index, (_, tensor)) in layout.tensors.enumerated() {
                    // Straight from the tensor's storage: no second copy of a large weight.
                    #if _endian(little)
                    try tensor.scalars.withUnsafeBytes { try writer.append($0) }
                    #else
                    try ScalarConversion.littleEndianBytes(tensor.scalars).withUnsafeBytes { try writer.append($0) }
                    #endif
                    if case .afterTensor(index) = fault {
                        throw NativeFormatError.io(path: path, reason: "injected fault after tensor \(index)")
                    }
                }
                var head = reserved
                if let provenance = try completingProvenance() {
                    head = try layout.prefixAndHeader(provenance: provenance, reservedSize: reserved.count - 8)
                }
                try writer.finish(head: head)
                if case .afterHeader = fault { throw NativeFormatError.io(path: path, reason: "injected fault after header") }
            }
        } catch let failure as AtomicFile.Failure {
            throw NativeFormatError.io(path: path, reason: failure.reason)
        }
    }
}

/// Everything a `.graft` file holds except the tensor bytes themselves, computed and validated
/// before a single byte is written.
private struct FileLayout {
    let path: String
    /// The 8-byte length prefix followed by the padded header.
    var prefixAndHeader: [UInt8] = []
    /// Tensors in the order their bytes follow the header.
    var tensors: [(name: String, tensor: Tensor)]
    /// The bytes of all tensors.
    var dataByteCount = 0
    /// `__metadata__` entries other than the provenance, and the tensor table, in header order.
    private var metadata: [(String, String)] = []
    private var entries: [(key: String, value: JSONValue)] = []

    init(_ model: Model, path: String) throws(NativeFormatError) {
        self.path = path
        try ModelConsistency.checkGraph(model.graph, path: path)
        let parameterNames = model.graph.parameterTensors.map(\.key)
        let referenced = Set(parameterNames)
        let extras = model.weights.keys.filter { !referenced.contains($0) }.sorted()
        try ModelConsistency.checkTensors(of: model.graph, shapes: model.weights.mapValues(\.shape),
                                          tensorNames: parameterNames + extras, path: path)
        // checkTensors guarantees every name has a weight.
        tensors = (parameterNames + extras).map { ($0, model.weights[$0]!) }

        typealias Key = NativeFormat.MetadataKey
        metadata = [(Key.format, String(NativeFormat.version))]
        do {
            metadata.append((Key.graph, try MetadataDocument.encode(model.graph)))
        } catch {
            throw .badGraph(path: path, reason: error.reason)
        }
        try add(Key.preprocessing, model.preprocessing)
        try add(Key.training, model.training)

        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.elementCount * DType.float32.byteSize
            entries.append((name, .object([
                ("dtype", .string(DType.float32.rawValue)),
                ("shape", .array(tensor.shape.dims.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(offset)), .number(String(end))])),
            ])))
            offset = end
        }
        dataByteCount = offset
        prefixAndHeader = try prefixAndHeader(provenance: model.provenance, reservedSize: nil)
    }

    private mutating func add<T: Encodable>(_ key: String, _ value: T?) throws(NativeFormatError) {
        guard let value else { return }
        metadata.append((key, try Self.encode(value, key: key, path: path)))
    }

    private static func encode<T: Encodable>(_ value: T, key: String, path: String) throws(NativeFormatError) -> String {
        do {
            return try MetadataDocument.encode(value)
        } catch {
            throw .badMetadata(path: path, key: key, reason: error.reason)
        }
    }

    /// The length prefix and the header holding `provenance`, padded with spaces to a multiple of 8,
    /// or to exactly `reservedSize` bytes when given (an error if it does not fit).
    func prefixAndHeader(provenance: Provenance, reservedSize: Int?) throws(NativeFormatError) -> [UInt8] {
        typealias Key = NativeFormat.MetadataKey
        var metadata = self.metadata
        metadata.append((Key.provenance, try Self.encode(provenance, key: Key.provenance, path: path)))
        metadata.sort { $0.0 < $1.0 }
        let header: [(key: String, value: JSONValue)] = [
            (NativeFormat.metadataKey, .object(metadata.map { ($0.0, JSONValue.string($0.1)) })),
        ] + entries
        var headerBytes = Array(JSONValue.object(header).serialized.utf8)
        let size = reservedSize ?? headerBytes.count + (8 - headerBytes.count % 8) % 8
        guard headerBytes.count <= size else {
            throw .headerTooLarge(path: path, size: UInt64(headerBytes.count), limit: size)
        }
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: size - headerBytes.count))
        guard headerBytes.count <= NativeFormat.maxHeaderSize else {
            throw .headerTooLarge(path: path, size: UInt64(headerBytes.count), limit: NativeFormat.maxHeaderSize)
        }
        return withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes
    }
}
