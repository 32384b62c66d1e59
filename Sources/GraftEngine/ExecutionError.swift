public import GraftCore

/// Why a graph cannot be planned or run. Every case names the node, value or input concerned.
public enum ExecutionError: Error, Equatable, Sendable {
    /// The graph is malformed or its shapes do not work out for the requested batch size.
    case invalidGraph(GraphError)
    /// A batch size below 1.
    case invalidBatchSize(Int)
    /// An opaque node: Graft keeps it so nothing is lost, but cannot compute it.
    case notExecutable(node: String, framework: String, type: String)
    /// `weights` lacks the tensor `key` (`<node>.<parameter>`).
    case missingWeight(node: String, key: String)
    /// The tensor `key` in `weights` has a shape other than the one the graph declares.
    case weightShapeMismatch(node: String, key: String, expected: Shape, actual: Shape)
    /// A graph input was not given to `run`.
    case missingInput(String)
    /// `run` was given a tensor for a name that is not a graph input.
    case unknownInput(String)
    /// An input tensor's shape differs from the planned one (the batch size is fixed at planning).
    case wrongInputShape(input: String, expected: Shape, actual: Shape)
    /// A requested value is neither a graph input nor a node output.
    case unknownValue(String)
    /// A requested value exists but the executor was planned without keeping it (see
    /// ``ForwardExecutor/Retention``).
    case valueNotRetained(String)
    /// The node's layer has no backward pass yet.
    case backwardNotImplemented(node: String)
    /// A training plan names a node the graph does not have.
    case unknownNode(String)
    /// A training plan names a parameter (`<node>.<parameter>`) the graph does not have.
    case unknownParameter(String)
    /// The loss cannot be set up on this output (unknown, or not `[batch, classes]` logits).
    case invalidLoss(output: String, reason: String)
    /// `step` was given a number of labels other than the batch size.
    case wrongLabelCount(expected: Int, actual: Int)
    /// A label is not a class index of the logits.
    case labelOutOfRange(index: Int, label: Int, classes: Int)
    /// Class weights must be one per class, finite and non-negative.
    case invalidClassWeights(String)
    /// Imported optimizer state does not fit this session.
    case invalidOptimizerState(String)
    /// A feature tensor was given for a value that is not a prefix feature, or one is missing.
    case unknownFeature(String)
    /// ``ModelRunner`` runs graphs with exactly one input; this one has `count`.
    case notSingleInput(count: Int)
}

extension ExecutionError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidGraph(let error): "graph cannot be executed: \(error)"
        case .invalidBatchSize(let n): "batch size \(n) is not positive"
        case .notExecutable(let node, let framework, let type):
            "node '\(node)' is an opaque \(framework) layer of type '\(type)', which Graft cannot execute"
        case .missingWeight(let node, let key): "node '\(node)' needs weight '\(key)', which was not given"
        case .weightShapeMismatch(let node, let key, let expected, let actual):
            "node '\(node)': weight '\(key)' has shape \(actual), expected \(expected)"
        case .missingInput(let name): "graph input '\(name)' was not given"
        case .unknownInput(let name): "'\(name)' is not a graph input"
        case .wrongInputShape(let input, let expected, let actual):
            "graph input '\(input)' has shape \(actual), expected \(expected)"
        case .unknownValue(let name): "no value named '\(name)' in the graph"
        case .valueNotRetained(let name):
            "value '\(name)' was not kept: plan the executor with retaining: .outputs(plus: [\"\(name)\"]) or .everyValue"
        case .backwardNotImplemented(let node): "node '\(node)' has no backward pass yet"
        case .unknownNode(let name): "no node named '\(name)' in the graph"
        case .unknownParameter(let key): "no parameter '\(key)' in the graph"
        case .invalidLoss(let output, let reason): "cannot train on output '\(output)': \(reason)"
        case .wrongLabelCount(let expected, let actual): "\(actual) labels for a batch of \(expected)"
        case .labelOutOfRange(let index, let label, let classes):
            "label \(label) of image \(index) is not a class index (0..<\(classes))"
        case .invalidClassWeights(let reason): "invalid class weights: \(reason)"
        case .invalidOptimizerState(let reason): "optimizer state does not fit: \(reason)"
        case .unknownFeature(let name): "'\(name)' is not a prefix feature of this session"
        case .notSingleInput(let count): "the model has \(count) inputs; a model runner takes models with one"
        }
    }
}
