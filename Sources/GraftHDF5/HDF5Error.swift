/// A failed HDF5 operation: what was attempted, on which file and object, and the library's own
/// error stack (innermost first), so that nothing has to be printed to stderr to be diagnosed.
public struct HDF5Error: Error, Equatable, Sendable {
    /// Why the operation failed.
    public enum Kind: Equatable, Sendable {
        /// The library returned a negative value; ``HDF5Error/stack`` says why.
        case library
        /// The object does not exist.
        case notFound
        /// A soft or external link, refused because it can point outside the file or loop.
        case refusedLink(HDF5LinkKind)
        /// The object exists but is not what was asked for (a dataset where a group was expected,
        /// a named datatype, ...).
        case wrongObject(expected: String, found: String)
        /// The element type cannot be read as requested (a string where numbers were expected, ...).
        case wrongType(expected: String, found: String)
        /// A size read from the file exceeds a cap or overflows.
        case limitExceeded(what: String, value: String, limit: Int)
        /// A caller-supplied value cannot be written (mismatched element count, empty name, ...).
        case invalidArgument(String)
    }

    /// The function or step that failed, e.g. `H5Fopen` or `read strings`.
    public var operation: String
    /// `file:/object/path`, or just the file for file-level operations.
    public var path: String
    /// The library's error stack, one "function: description" line per frame (empty for errors
    /// detected by Graft itself).
    public var stack: [String]
    /// Why it failed.
    public var kind: Kind

    /// An error of `kind` (by default, one the library reported through `stack`).
    public init(operation: String, path: String, stack: [String], kind: Kind = .library) {
        self.operation = operation
        self.path = path
        self.stack = stack
        self.kind = kind
    }
}

extension HDF5Error: CustomStringConvertible {
    public var description: String {
        let reason: String = switch kind {
        case .library: stack.isEmpty ? "failed" : "failed: " + stack.joined(separator: " <- ")
        case .notFound: "does not exist"
        case .refusedLink(let kind): "is a \(kind) link, which Graft refuses to follow"
        case .wrongObject(let expected, let found): "is a \(found), expected a \(expected)"
        case .wrongType(let expected, let found): "holds \(found), expected \(expected)"
        case .limitExceeded(let what, let value, let limit): "\(what) is \(value), over the limit of \(limit)"
        case .invalidArgument(let why): why
        }
        return "\(path): \(operation) \(reason)"
    }
}
