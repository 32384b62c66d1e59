/// A Caffe file that cannot be read. Every case names the file, and the layer and blob where
/// there is one.
public enum CaffeError: Error, Equatable, Sendable {
    /// The file could not be opened or read.
    case io(file: String, reason: String)
    /// Refused before reading: bigger than the reader's cap.
    case tooLarge(file: String, bytes: UInt64, limit: UInt64)
    /// protobuf-c could not unpack the bytes as a NetParameter (truncated, garbage, wrong file).
    case undecodable(file: String, byteCount: Int)
    /// A prototxt syntax error, or a value of the wrong kind, with its line and column.
    case text(TextFormatError)
    /// A blob's values do not fill its shape.
    case blobSizeMismatch(file: String, layer: String, blob: Int, shape: [Int], count: Int)
    /// A blob's shape has a negative dimension or too many elements.
    case invalidBlobShape(file: String, layer: String, blob: Int, shape: [Int])
    /// An enum field holds a number caffe.proto does not define.
    case invalidEnum(file: String, layer: String, field: String, value: Int32)
    /// Well-formed protobuf that is not a usable net (e.g. `input_dim` not 4 per input).
    case invalidNet(file: String, reason: String)
    /// A generation Graft does not read (V0, 2013).
    case unsupported(file: String, reason: String)
    /// `strict` reading met fields Graft's schema does not know.
    case unknownFields(file: String, location: String, fields: [String])
}

extension CaffeError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let f, let r): "\(f): \(r)"
        case .tooLarge(let f, let b, let l): "\(f): \(b) bytes exceeds the limit of \(l)"
        case .undecodable(let f, let n): "\(f): \(n) bytes are not a Caffe NetParameter (truncated or not a .caffemodel)"
        case .text(let e): e.description
        case .blobSizeMismatch(let f, let l, let b, let s, let c):
            "\(f): layer '\(l)' blob \(b) has \(c) values for shape \(s.map(String.init).joined(separator: "x"))"
        case .invalidBlobShape(let f, let l, let b, let s): "\(f): layer '\(l)' blob \(b) has invalid shape \(s)"
        case .invalidEnum(let f, let l, let field, let v): "\(f): layer '\(l)' field \(field) has undefined enum value \(v)"
        case .invalidNet(let f, let r): "\(f): \(r)"
        case .unsupported(let f, let r): "\(f): \(r)"
        case .unknownFields(let f, let loc, let fields): "\(f): \(loc) has fields unknown to Graft's schema: \(fields.joined(separator: ", "))"
        }
    }
}
