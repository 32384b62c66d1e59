/// A whole model in memory: the graph, its weights by tensor name (`<node>.<param>`) and the
/// metadata a `.graft` file carries.
public struct Model: Sendable {
    public var graph: Graph
    public var weights: [String: Tensor]
    public var preprocessing: Preprocessing?
    public var provenance: Provenance
    public var training: TrainingMetadata?

    public init(graph: Graph, weights: [String: Tensor], preprocessing: Preprocessing? = nil,
                provenance: Provenance, training: TrainingMetadata? = nil) {
        self.graph = graph
        self.weights = weights
        self.preprocessing = preprocessing
        self.provenance = provenance
        self.training = training
    }
}

extension Model {
    /// The recorded preprocessing, or ``Preprocessing/neutral(for:)`` for the first graph input.
    public var effectivePreprocessing: Preprocessing {
        preprocessing ?? .neutral(for: graph.inputs[0])
    }
}
