import Foundation

/// The safetensors layer of a `.graft` file: the length prefix, the header JSON, and the tensor
/// table checked against the data section. Knows nothing about graphs.
struct SafetensorsHeader {
    /// The raw `__metadata__` map.
    var metadata: [String: String]?
    /// Tensors in data order (ascending offsets), which is also the order they tile the data.
    var tensors: [TensorEntry]
    /// N, the header's byte length (padding included).
    var headerSize: Int

    /// Reads and checks the header of the file in `data`. Reads no tensor data.
    static func parse(_ data: Data, path: String) throws(NativeFormatError) -> SafetensorsHeader {
        let fileSize = data.count
        guard fileSize >= 8 else { throw .fileTooSmall(path: path, size: fileSize) }
        let declared = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        // Both limits are checked before anything is allocated for the header.
        guard declared <= UInt64(NativeFormat.maxHeaderSize) else {
            throw .headerTooLarge(path: path, size: declared, limit: NativeFormat.maxHeaderSize)
        }
        guard declared <= UInt64(fileSize - 8) else {
            throw .headerOutOfBounds(path: path, headerSize: declared, fileSize: fileSize)
        }
        let headerSize = Int(declared)
        let bytes = [UInt8](data[data.startIndex + 8 ..< data.startIndex + 8 + headerSize])

        let root: JSONValue
        do { root = try StrictJSON.parse(bytes) } catch { throw error.nativeError(path: path, baseOffset: 8) }
        // safetensors refuses a header that does not start with '{' (no leading whitespace).
        guard bytes.first == UInt8(ascii: "{"), let members = root.objectValue else {
            throw .invalidJSON(path: path, offset: 8, reason: "the header must be a JSON object starting with '{'")
        }

        var metadata: [String: String]?
        var entries: [TensorEntry] = []
        let dataStart = 8 + headerSize
        for (key, value) in members {
            if key == NativeFormat.metadataKey {
                metadata = try parseMetadata(value, path: path)
            } else {
                entries.append(try parseEntry(name: key, value, dataStart: dataStart, path: path))
            }
        }
        let ordered = try checkLayout(entries, dataSize: fileSize - dataStart, fileSize: fileSize, path: path)
        return SafetensorsHeader(metadata: metadata, tensors: ordered, headerSize: headerSize)
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws(NativeFormatError) -> [String: String] {
        guard let members = value.objectValue else {
            throw .badHeader(path: path, reason: "'\(NativeFormat.metadataKey)' must be an object of strings")
        }
        var result: [String: String] = [:]
        for (key, item) in members {
            guard let string = item.stringValue else {
                throw .badHeader(path: path, reason: "'\(NativeFormat.metadataKey)' value for '\(key)' is not a string")
            }
            result[key] = string
        }
        return result
    }

    private static func parseEntry(name: String, _ value: JSONValue, dataStart: Int,
                                   path: String) throws(NativeFormatError) -> TensorEntry {
        guard !name.isEmpty else { throw .badHeader(path: path, reason: "a tensor has an empty name") }
        guard let fields = value.objectValue else {
            throw .badHeader(path: path, reason: "entry for tensor '\(name)' is not an object")
        }
        for (key, _) in fields where !["dtype", "shape", "data_offsets"].contains(key) {
            throw .badHeader(path: path, reason: "entry for tensor '\(name)' has unknown field '\(key)'")
        }
        guard let dtypeName = value["dtype"]?.stringValue else {
            throw .badHeader(path: path, reason: "tensor '\(name)' lacks a string 'dtype'")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let dimValues = value["shape"]?.arrayValue else {
            throw .badHeader(path: path, reason: "tensor '\(name)' lacks a 'shape' array")
        }
        var dims: [Int] = []
        for dim in dimValues {
            guard let d = dim.integerValue else {
                throw .badShape(path: path, tensor: name, reason: "dimension \(dim.serialized) is not an integer")
            }
            guard d >= 0 else { throw .badShape(path: path, tensor: name, reason: "dimension \(d) is negative") }
            dims.append(d)
        }
        let shape = Shape(dims)
        guard let count = shape.checkedElementCount,
              case (let bytes, false) = count.multipliedReportingOverflow(by: dtype.byteSize) else {
            throw .badShape(path: path, tensor: name, reason: "byte size of \(shape) \(dtypeName) overflows")
        }
        guard let offsets = value["data_offsets"]?.arrayValue else {
            throw .badHeader(path: path, reason: "tensor '\(name)' lacks a 'data_offsets' array")
        }
        guard offsets.count == 2, let begin = offsets[0].integerValue, let end = offsets[1].integerValue else {
            throw .badOffsets(path: path, tensor: name,
                              reason: "expected two integers, found \(JSONValue.array(offsets).serialized)")
        }
        guard begin >= 0, begin <= end else {
            throw .badOffsets(path: path, tensor: name, reason: "[\(begin), \(end)] is not an ordered non-negative range")
        }
        guard end - begin == bytes else {
            throw .sizeMismatch(path: path, tensor: name, expected: bytes, actual: end - begin)
        }
        // begin and end are at most Int.max; the file-relative range is checked against the file
        // size in checkLayout before anything reads it.
        let fileBegin = begin.addingReportingOverflow(dataStart)
        let fileEnd = end.addingReportingOverflow(dataStart)
        guard !fileBegin.overflow, !fileEnd.overflow else {
            throw .badOffsets(path: path, tensor: name, reason: "[\(begin), \(end)] overflows")
        }
        return TensorEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end,
                           fileRange: fileBegin.partialValue..<fileEnd.partialValue)
    }

    /// Sorts the entries by offset and checks they tile the data section exactly.
    private static func checkLayout(_ entries: [TensorEntry], dataSize: Int, fileSize: Int,
                                    path: String) throws(NativeFormatError) -> [TensorEntry] {
        let ordered = entries.enumerated().sorted {
            ($0.element.dataOffsets.lowerBound, $0.element.dataOffsets.upperBound, $0.offset)
                < ($1.element.dataOffsets.lowerBound, $1.element.dataOffsets.upperBound, $1.offset)
        }.map(\.element)
        var expected = 0
        for entry in ordered {
            guard entry.dataOffsets.lowerBound == expected else {
                throw .offsetMismatch(path: path, tensor: entry.name, expectedBegin: expected,
                                      found: entry.dataOffsets.lowerBound)
            }
            guard entry.dataOffsets.upperBound <= dataSize else {
                throw .dataTruncated(path: path, tensor: entry.name, end: entry.fileRange.upperBound, fileSize: fileSize)
            }
            expected = entry.dataOffsets.upperBound
        }
        if expected < dataSize { throw .trailingBytes(path: path, count: dataSize - expected) }
        return ordered
    }
}

extension StrictJSONError {
    /// The same error located in a file, `baseOffset` bytes after the file's start.
    func nativeError(path: String, baseOffset: Int) -> NativeFormatError {
        switch self {
        case .invalidUTF8(let offset): .invalidUTF8(path: path, offset: baseOffset + offset)
        case .invalidJSON(let offset, let reason): .invalidJSON(path: path, offset: baseOffset + offset, reason: reason)
        case .duplicateKey(let key, let offset): .duplicateKey(path: path, key: key, offset: baseOffset + offset)
        case .nestingTooDeep(let offset, let limit):
            .invalidJSON(path: path, offset: baseOffset + offset, reason: "nesting deeper than \(limit) levels")
        }
    }

    /// A one-line reason for errors inside a metadata document (offsets relative to the document).
    var reason: String {
        switch self {
        case .invalidUTF8(let offset): "invalid UTF-8 at byte \(offset)"
        case .invalidJSON(let offset, let reason): "invalid JSON at byte \(offset): \(reason)"
        case .duplicateKey(let key, let offset): "duplicate key '\(key)' at byte \(offset)"
        case .nestingTooDeep(let offset, let limit): "nesting deeper than \(limit) levels at byte \(offset)"
        }
    }
}
