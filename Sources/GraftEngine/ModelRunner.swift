public import GraftCore

/// Runs a single-input model on whole batches: what `graft run` and `graft verify` do, for a Swift
/// caller. The executor is planned for each batch size met and kept, so repeated calls with the
/// same batch size reuse it.
public final class ModelRunner {
    /// The model the runner runs.
    public let model: Model
    private var executors: [Int: ForwardExecutor] = [:]
    private let retained: [String]

    /// - Parameters:
    ///   - model: the model to run; its graph must have exactly one input
    ///     (else ``ExecutionError/notSingleInput(count:)``).
    ///   - retaining: Values besides the graph's outputs that ``run(_:values:)`` may be asked for.
    public init(model: Model, retaining: [String] = []) throws(ExecutionError) {
        guard model.graph.inputs.count == 1 else { throw .notSingleInput(count: model.graph.inputs.count) }
        self.model = model
        retained = retaining
    }

    /// Loads the model's weights from a `.graft` file.
    public convenience init(file: NativeFile, retaining: [String] = []) throws {
        try self.init(model: file.loadModel(), retaining: retaining)
    }

    /// The graph's input: its shape (batch first) is what ``run(_:values:)`` takes, with any batch size.
    public var input: GraphInput { model.graph.inputs[0] }

    /// Runs the model on one NCHW batch; returns `values` (default: the graph's outputs) in order.
    public func run(_ batch: Tensor, values: [String] = []) throws(ExecutionError) -> [(name: String, tensor: Tensor)] {
        let expected = Array(input.shape.dims.dropFirst())
        guard batch.shape.rank == input.shape.rank, batch.shape[0] >= 1, Array(batch.shape.dims.dropFirst()) == expected else {
            throw .wrongInputShape(input: input.name, expected: Shape([max(batch.shape.rank > 0 ? batch.shape[0] : 1, 1)] + expected),
                                   actual: batch.shape)
        }
        let batchSize = batch.shape[0]
        let executor: ForwardExecutor
        if let planned = executors[batchSize] {
            executor = planned
        } else {
            executor = try ForwardExecutor(graph: model.graph, weights: model.weights, batchSize: batchSize,
                                           retaining: .outputs(plus: retained))
            executors[batchSize] = executor
        }
        let names = values.isEmpty ? model.graph.outputs : values
        let outputs = try executor.run(inputs: [input.name: batch], outputs: names)
        return names.map { ($0, outputs[$0]!) }
    }
}
