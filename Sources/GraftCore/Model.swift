/// A whole model in memory: the graph, its weights by tensor name (`<node>.<param>`) and the
/// metadata a `.graft` file carries.
public struct Model: Sendable {
    /// The network.
    public var graph: Graph
    /// Every parameter tensor by `<node>.<param>`, plus any `state.` tensors.
    public var weights: [String: Tensor]
    /// How images are fed, when known.
    public var preprocessing: Preprocessing?
    /// Where the model came from.
    public var provenance: Provenance
    /// Multipliers, frozen flags, class labels and checkpoint state, when present.
    public var training: TrainingMetadata?

    /// A model of these parts; nothing is checked here.
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
