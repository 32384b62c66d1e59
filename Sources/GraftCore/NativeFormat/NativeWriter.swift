import Foundation

/// Writes a ``Model`` as a `.graft` file.
///
/// The model is validated with the reader's own rules first, so a written file always opens.
/// Output is byte-deterministic: tensors in graph parameter order, then `state.` tensors by name,
/// all float32; JSON with a fixed key order; the header padded with spaces to a multiple of 8 so
/// the data section is 8-byte aligned. Writing is atomic: a temporary file in the target's
/// directory is synced and renamed over the target, so readers see the old file or the new one,
/// never a partial one.
public enum NativeWriter {
    public static func write(_ model: Model, to path: String) throws(NativeFormatError) {
        try write(model, to: path, fault: nil)
    }

    /// The complete file as bytes (for tests, fuzzing seeds and in-memory use).
    public static func encode(_ model: Model, path: String = "<memory>") throws(NativeFormatError) -> Data {
        let layout = try FileLayout(model, path: path)
        var data = Data(layout.prefixAndHeader)
        for (_, tensor) in layout.tensors { data.append(contentsOf: ScalarConversion.littleEndianBytes(tensor.scalars)) }
        return data
    }

    /// Points where a test can make ``write(_:to:fault:)`` fail, to prove nothing is left behind.
    enum Fault: Sendable {
        case afterHeader
        case afterTensor(Int)
        case beforeRename
    }

    static func write(_ model: Model, to path: String, fault: Fault?) throws(NativeFormatError) {
        let layout = try FileLayout(model, path: path)
        do {
            try AtomicFile.write(to: path, beforeRename: {
                if case .beforeRename = fault { throw NativeFormatError.io(path: path, reason: "injected fault before rename") }
            }) { handle in
                try handle.write(contentsOf: layout.prefixAndHeader)
                if case .afterHeader = fault { throw NativeFormatError.io(path: path, reason: "injected fault after header") }
                for (index, (_, tensor)) in layout.tensors.enumerated() {
                    // Straight from the tensor's storage: no second copy of a large weight.
                    #if _endian(little)
                    try tensor.scalars.withUnsafeBytes { try handle.write(contentsOf: $0) }
                    #else
                    try handle.write(contentsOf: ScalarConversion.littleEndianBytes(tensor.scalars))
                    #endif
                    if case .afterTensor(index) = fault {
                        throw NativeFormatError.io(path: path, reason: "injected fault after tensor \(index)")
                    }
                }
            }
        } catch let error as NativeFormatError {
            throw error
        } catch let failure as AtomicFile.Failure {
            throw .io(path: path, reason: failure.reason)
        } catch {
            throw .io(path: path, reason: IOErrorText.describe(error))
        }
    }
}

/// Everything a `.graft` file holds except the tensor bytes themselves, computed and validated
/// before a single byte is written.
private struct FileLayout {
    /// The 8-byte length prefix followed by the padded header.
    var prefixAndHeader: [UInt8]
    /// Tensors in the order their bytes follow the header.
    var tensors: [(name: String, tensor: Tensor)]

    init(_ model: Model, path: String) throws(NativeFormatError) {
        try ModelConsistency.checkGraph(model.graph, path: path)
        let parameterNames = model.graph.parameterTensors.map(\.key)
        let referenced = Set(parameterNames)
        let extras = model.weights.keys.filter { !referenced.contains($0) }.sorted()
        try ModelConsistency.checkTensors(of: model.graph, shapes: model.weights.mapValues(\.shape),
                                          tensorNames: parameterNames + extras, path: path)
        // checkTensors guarantees every name has a weight.
        tensors = (parameterNames + extras).map { ($0, model.weights[$0]!) }

        typealias Key = NativeFormat.MetadataKey
        var metadata: [(String, String)] = [(Key.format, String(NativeFormat.version))]
        do {
            metadata.append((Key.graph, try MetadataDocument.encode(model.graph)))
        } catch {
            throw .badGraph(path: path, reason: error.reason)
        }
        func add<T: Encodable>(_ key: String, _ value: T?) throws(NativeFormatError) {
            guard let value else { return }
            do {
                metadata.append((key, try MetadataDocument.encode(value)))
            } catch {
                throw .badMetadata(path: path, key: key, reason: error.reason)
            }
        }
        try add(Key.preprocessing, model.preprocessing)
        try add(Key.provenance, model.provenance)
        try add(Key.training, model.training)
        metadata.sort { $0.0 < $1.0 }

        var header: [(key: String, value: JSONValue)] = [
            (NativeFormat.metadataKey, .object(metadata.map { ($0.0, JSONValue.string($0.1)) })),
        ]
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.elementCount * DType.float32.byteSize
            header.append((name, .object([
                ("dtype", .string(DType.float32.rawValue)),
                ("shape", .array(tensor.shape.dims.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(offset)), .number(String(end))])),
            ])))
            offset = end
        }
        var headerBytes = Array(JSONValue.object(header).serialized.utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))
        guard headerBytes.count <= NativeFormat.maxHeaderSize else {
            throw .headerTooLarge(path: path, size: UInt64(headerBytes.count), limit: NativeFormat.maxHeaderSize)
        }
        prefixAndHeader = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes
    }
}
