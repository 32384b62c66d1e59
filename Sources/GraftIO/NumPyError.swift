/// A `.npy` or `.npz` file that cannot be read or written. Every case names the file (and the
/// array inside an `.npz`).
public enum NumPyError: Error, Equatable, Sendable {
    case io(path: String, reason: String)
    case badMagic(path: String)
    case unsupportedVersion(path: String, major: Int, minor: Int)
    case truncated(path: String, needed: Int, available: Int)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, descr: String)
    case tooLarge(path: String, bytes: UInt64, limit: UInt64)
    case notAnArchive(path: String, reason: String)
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
