/// A `.npy` or `.npz` file that cannot be read or written. Every case names the file (and the
/// array inside an `.npz`).
public enum NumPyError: Error, Equatable, Sendable {
    /// The file could not be opened, read or written.
    case io(path: String, reason: String)
    /// The file does not start with `\x93NUMPY`.
    case badMagic(path: String)
    /// A `.npy` format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// The file ends before the `needed` bytes.
    case truncated(path: String, needed: Int, available: Int)
    /// The header dictionary cannot be read.
    case badHeader(path: String, reason: String)
    /// A dtype other than floats, ints, uint8 and bool (`descr` as the header spells it).
    case unsupportedDType(path: String, descr: String)
    /// A header, array or `.npz` member (or the archive's total) larger than its limit.
    case tooLarge(path: String, bytes: UInt64, limit: UInt64)
    /// An `.npz` that is not a readable zip archive.
    case notAnArchive(path: String, reason: String)
    /// An `.npz` without an array called `name`.
    case missingArray(path: String, name: String)
}

extension NumPyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let p, let r): "\(p): \(r)"
        case .badMagic(let p): "\(p): not a NumPy .npy array (magic \\x93NUMPY missing)"
        case .unsupportedVersion(let p, let a, let b): "\(p): .npy format version \(a).\(b) is not supported (1.0, 2.0, 3.0 are)"
        case .truncated(let p, let n, let a): "\(p): truncated: needs \(n) bytes, has \(a)"
        case .badHeader(let p, let r): "\(p): bad .npy header: \(r)"
        case .unsupportedDType(let p, let d): "\(p): dtype '\(d)' is not supported (floats, ints, uint8, bool are)"
        case .tooLarge(let p, let b, let l): "\(p): \(b) bytes exceeds the limit of \(l)"
        case .notAnArchive(let p, let r): "\(p): not a readable .npz (zip) archive: \(r)"
        case .missingArray(let p, let n): "\(p): has no array named '\(n)'"
        }
    }
}
