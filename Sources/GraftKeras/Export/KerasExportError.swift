/// Why a Graft model could not be written as a Keras file. Every case names the node (or file)
/// and what Keras would have needed.
public enum KerasExportError: Error, Equatable, Sendable {
    /// An operation, or a setting of one, that no built-in Keras layer computes.
    case noKerasEquivalent(node: String, op: String, reason: String)
    /// Shape inference cannot reach this node (an opaque node without recorded shapes); the
    /// exporter needs every shape.
    case unknownShape(node: String)
    /// The graph or its weights are inconsistent (an invalid graph, a missing tensor).
    case invalidModel(reason: String)
    /// A graph input Keras cannot declare.
    case unsupportedInput(input: String, reason: String)
    /// Writing the file failed (the HDF5 library's reason, or the file system's).
    case io(path: String, reason: String)
}

extension KerasExportError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noKerasEquivalent(let node, let op, let reason): "node '\(node)' (\(op)) has no Keras equivalent: \(reason)"
        case .unknownShape(let node): "node '\(node)': its shapes are unknown, so it cannot be written for Keras"
        case .invalidModel(let reason): "the model cannot be exported: \(reason)"
        case .unsupportedInput(let input, let reason): "input '\(input)' cannot be declared in Keras: \(reason)"
        case .io(let path, let reason): "\(path): \(reason)"
        }
    }
}
