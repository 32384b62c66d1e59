/// Why a `.graft` file could not be read or written. Every case names the file, and the tensor,
/// node, metadata key or byte offset involved, so a message alone locates the damage.
///
/// Byte offsets are absolute offsets in the file (the 8-byte length prefix included), so they can
/// be looked up directly in a hex dump.
public enum NativeFormatError: Error, Equatable, Sendable {
    /// The file could not be opened, read, created or renamed.
    case io(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length prefix.
    case fileTooSmall(path: String, size: Int)
    /// The header length prefix exceeds what this reader accepts.
    case headerTooLarge(path: String, size: UInt64, limit: Int)
    /// The header length prefix points past the end of the file.
    case headerOutOfBounds(path: String, headerSize: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 (offset of the first bad byte).
    case invalidUTF8(path: String, offset: Int)
    /// The header is not valid JSON.
    case invalidJSON(path: String, offset: Int, reason: String)
    /// A JSON object in the header holds `key` twice.
    case duplicateKey(path: String, key: String, offset: Int)
    /// The header is valid JSON but not a safetensors header (wrong types, missing fields).
    case badHeader(path: String, reason: String)
    /// A required `__metadata__` entry (or `__metadata__` itself) is absent.
    case missingMetadata(path: String, key: String)
    /// A metadata document is not valid JSON or does not decode.
    case badMetadata(path: String, key: String, reason: String)
    /// A `graft.format` version this build cannot read.
    case unsupportedVersion(path: String, found: String, supported: String)
    /// A dtype that is not one of ``DType``'s.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// Negative or non-integer dimensions, or a byte size that overflows.
    case badShape(path: String, tensor: String, reason: String)
    /// `data_offsets` that are not two non-negative integers with begin <= end.
    case badOffsets(path: String, tensor: String, reason: String)
    /// Tensors must tile the data section from 0 in offset order: a gap (found > expected) or an
    /// overlap (found < expected).
    case offsetMismatch(path: String, tensor: String, expectedBegin: Int, found: Int)
    /// The tensor's byte range does not match its dtype and shape.
    case sizeMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// Bytes after the last tensor.
    case trailingBytes(path: String, count: Int)
    /// The file ends before a tensor's data does.
    case dataTruncated(path: String, tensor: String, end: Int, fileSize: Int)
    /// The graph does not decode, or fails structural validation or shape inference.
    case badGraph(path: String, reason: String)
    /// A node parameter has no tensor (or, when writing, no weight).
    case missingTensor(path: String, name: String, node: String)
    /// A tensor's shape differs from the shape its node parameter declares.
    case tensorShapeMismatch(path: String, name: String, graphShape: Shape, fileShape: Shape)
    /// A tensor no node parameter refers to (only `state.` tensors may be extra).
    case unreferencedTensor(path: String, name: String)
    /// ``NativeFile/tensor(_:)`` was asked for a name the file does not hold.
    case noSuchTensor(path: String, name: String)
}

extension NativeFormatError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .fileTooSmall(let path, let size):
            "\(path): file is \(size) bytes, too small for a .graft file (needs at least the 8-byte header length)"
        case .headerTooLarge(let path, let size, let limit):
            "\(path): header length \(size) exceeds the limit of \(limit) bytes"
        case .headerOutOfBounds(let path, let headerSize, let fileSize):
            "\(path): header length \(headerSize) runs past the end of the \(fileSize)-byte file"
        case .invalidUTF8(let path, let offset): "\(path): header is not valid UTF-8 at byte \(offset)"
        case .invalidJSON(let path, let offset, let reason): "\(path): invalid header JSON at byte \(offset): \(reason)"
        case .duplicateKey(let path, let key, let offset): "\(path): duplicate key '\(key)' in header at byte \(offset)"
        case .badHeader(let path, let reason): "\(path): invalid header: \(reason)"
        case .missingMetadata(let path, let key): "\(path): header metadata lacks '\(key)'"
        case .badMetadata(let path, let key, let reason): "\(path): metadata '\(key)': \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            "\(path): format version \(found) is not supported (this build reads \(supported))"
        case .unknownDType(let path, let tensor, let dtype): "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .badShape(let path, let tensor, let reason): "\(path): tensor '\(tensor)' has an invalid shape: \(reason)"
        case .badOffsets(let path, let tensor, let reason): "\(path): tensor '\(tensor)' has invalid data_offsets: \(reason)"
        case .offsetMismatch(let path, let tensor, let expected, let found):
            "\(path): tensor '\(tensor)' starts at data offset \(found), expected \(expected) "
                + (found > expected ? "(gap before it)" : "(overlaps the previous tensor)")
        case .sizeMismatch(let path, let tensor, let expected, let actual):
            "\(path): tensor '\(tensor)' occupies \(actual) bytes, its dtype and shape need \(expected)"
        case .trailingBytes(let path, let count): "\(path): \(count) unexpected byte(s) after the last tensor"
        case .dataTruncated(let path, let tensor, let end, let fileSize):
            "\(path): file is truncated: tensor '\(tensor)' ends at byte \(end) but the file has \(fileSize)"
        case .badGraph(let path, let reason): "\(path): invalid graph: \(reason)"
        case .missingTensor(let path, let name, let node):
            "\(path): node '\(node)' needs tensor '\(name)', which is missing"
        case .tensorShapeMismatch(let path, let name, let graphShape, let fileShape):
            "\(path): tensor '\(name)' has shape \(fileShape), the graph expects \(graphShape)"
        case .unreferencedTensor(let path, let name):
            "\(path): tensor '\(name)' is not a parameter of any node (only 'state.' tensors may be extra)"
        case .noSuchTensor(let path, let name): "\(path): no tensor named '\(name)'"
        }
    }
}
