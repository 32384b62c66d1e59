import GraftHDF5

extension KerasError {
    /// Translates an interop error into the Keras error naming the same file and object.
    init(_ error: HDF5Error, file: String) {
        let prefix = file + ":"
        let object = error.path.hasPrefix(prefix) ? String(error.path.dropFirst(prefix.count)) : error.path
        switch error.kind {
        case .refusedLink(let kind):
            self = .linkRefused(path: file, object: object, kind: kind.description)
        case .wrongObject(let expected, let found):
            self = .wrongObject(path: file, object: object, expected: expected, found: found)
        case .notFound:
            self = .missingGroup(path: file, group: object)
        case .wrongType(let expected, let found):
            self = .badValue(path: file, object: object, expected: expected, found: found)
        case .limitExceeded(let what, let value, let limit):
            self = .limitExceeded(path: error.path, what: what, value: value, limit: limit)
        case .library where error.stack.contains(where: { $0.contains("truncated file") }):
            self = .truncated(path: file, detail: error.stack.first { $0.contains("truncated file") } ?? "")
        case .library, .invalidArgument:
            self = .hdf5(path: file, reason: "\(error.operation) failed on \(object)", stack: error.stack)
        }
    }
}

/// Runs interop calls, translating their errors for `file`.
func interop<T>(_ file: String, _ body: () throws(HDF5Error) -> T) throws(KerasError) -> T {
    do { return try body() } catch { throw KerasError(error, file: file) }
}
