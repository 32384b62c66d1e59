/// Why a NIfTI file could not be read; every case names the file and, for a header problem, the
/// field and what was expected.
public enum NIfTIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Missing, unreadable, or not a NIfTI-1/NIfTI-2 file nifticlib accepts.
    case unreadable(path: String, reason: String)
    /// A header field outside what the format allows (negative or overflowing dims...).
    case invalidHeader(path: String, field: String, value: String, expected: String)
    /// A valid file of a kind Graft does not read (complex or RGB voxels, ANALYZE 7.5).
    case unsupported(path: String, what: String)
    /// The voxel data would exceed the configured limit.
    case tooLarge(path: String, bytes: String, limit: Int)
    /// The voxel data is shorter than the header's dims say.
    case truncated(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): not a readable NIfTI file: \(reason)"
        case let .invalidHeader(path, field, value, expected): "\(path): header field \(field) is \(value); expected \(expected)"
        case let .unsupported(path, what): "\(path): not supported: \(what)"
        case let .tooLarge(path, bytes, limit): "\(path): voxel data of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .truncated(path, expected, found): "\(path): voxel data truncated: expected \(expected), found \(found)"
        }
    }
}
