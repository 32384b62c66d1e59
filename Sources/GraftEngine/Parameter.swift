import GraftCore

/// One weight tensor the engine owns (copied from the caller's dictionary), updated in place by
/// training, with a gradient buffer of the same shape when it is trained.
final class Parameter {
    /// The file key, `<node>.<parameter>`.
    let key: String
    let shape: Shape
    let storage: FloatBuffer
    /// The loss gradient, allocated by a training session for trainable parameters only; nil for
    /// frozen ones, which backward passes then skip.
    var gradient: FloatBuffer?

    init(key: String, tensor: Tensor) {
        self.key = key
        self.shape = tensor.shape
        self.storage = FloatBuffer(copying: tensor.scalars)
    }

    var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    var count: Int { storage.count }
    /// The gradient's pointer when this parameter is trained.
    var gradientPointer: UnsafeMutablePointer<Float>? { gradient?.pointer }
}

/// Looks up and checks a node's weights against the parameter specs shape inference validated.
///
/// When `releasing`, each tensor leaves the dictionary as it is handed out, so that a plan given
/// the only reference to a model's weights holds one copy of them at a time instead of two (the
/// layers copy or transform each tensor once).
final class WeightBinder {
    private var weights: [String: Tensor]
    private let releasing: Bool
    private var released: Set<String> = []

    init(weights: consuming [String: Tensor], releasing: Bool = false) {
        self.weights = weights
        self.releasing = releasing
    }

    /// The parameter `name` of `node`, copied; nil when the node does not declare it.
    func parameter(_ name: String, of node: Node) throws(ExecutionError) -> Parameter? {
        try tensor(name, of: node).map { Parameter(key: node.tensorName(name), tensor: $0) }
    }

    /// The caller's tensor for parameter `name` of `node`, checked against its spec (not copied);
    /// nil when the node does not declare it.
    func tensor(_ name: String, of node: Node) throws(ExecutionError) -> Tensor? {
        guard let spec = node.parameter(name) else { return nil }
        let key = node.tensorName(name)
        precondition(!released.contains(key), "WeightBinder: \(key) asked for twice while releasing")
        guard let tensor = releasing ? weights.removeValue(forKey: key) : weights[key] else {
            throw .missingWeight(node: node.name, key: key)
        }
        if releasing { released.insert(key) }
        guard tensor.shape == spec.shape else {
            throw .weightShapeMismatch(node: node.name, key: key, expected: spec.shape, actual: tensor.shape)
        }
        return tensor
    }

    /// Like ``parameter(_:of:)`` for a parameter the op always has.
    func required(_ name: String, of node: Node) throws(ExecutionError) -> Parameter {
        guard let parameter = try parameter(name, of: node) else {
            // Shape inference checked the node's specs against its op, so this is a graph built
            // without `deriveParameterSpecs`.
            throw .missingWeight(node: node.name, key: node.tensorName(name))
        }
        return parameter
    }
}
