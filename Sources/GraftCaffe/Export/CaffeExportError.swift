/// Why a Graft model cannot be written as a Caffe net. Every case names the node.
public enum CaffeExportError: Error, Equatable, Sendable {
    /// The node's operation, or one of its attributes, has no Caffe equivalent (asymmetric
    /// padding, ReLU6, channels-last flatten, an opaque layer from another framework, ...).
    case notRepresentable(node: String, reason: String)
    /// The model lacks a weight the node needs, or has it in another shape.
    case missingWeight(node: String, tensor: String)
    /// Layers that learn weights (by their parameter blocks) but have none, e.g. opaque layers
    /// imported from a prototxt alone: "name (Type, convolution_param)". Export with
    /// `allowMissingWeights` to write them without.
    case layersWithoutWeights([String])
    /// The graph itself is unsound.
    case invalidGraph(String)
    /// Writing a file failed (nothing is left behind: the writes are atomic).
    case io(path: String, reason: String)
}

extension CaffeExportError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notRepresentable(let n, let r): "node '\(n)' cannot be written as a Caffe layer: \(r)"
        case .missingWeight(let n, let t): "node '\(n)' needs tensor '\(t)', which the model lacks"
        case .layersWithoutWeights(let layers):
            "\(layers.count) layer(s) should have weights but have none, so the caffemodel would lack them: "
                + layers.joined(separator: ", ") + " (import them with the caffemodel that holds them, or force the export)"
        case .invalidGraph(let r): "the graph cannot be exported: \(r)"
        case .io(let p, let r): "\(p): \(r)"
        }
    }
}
