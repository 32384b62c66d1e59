public import GraftCore

/// Runs a graph forward (inference) on NCHW float32 batches of a fixed size.
///
/// Planning happens once in `init`: shapes are inferred for the batch size, values get buffers,
/// weights are copied and packed. `run` then only copies the inputs in, executes the layers and
/// copies the requested values out; it never reallocates the value buffers.
///
/// By default only the graph outputs can be read back, and intermediate values share memory
/// (ResNet-50 at batch 8 peaked at twice PyTorch's memory with a buffer per value); plan with
/// ``Retention/everyValue`` or name the values to inspect:
///
/// ```swift
/// let executor = try ForwardExecutor(graph: model.graph, weights: model.weights, batchSize: 1,
///                                    retaining: .outputs(plus: ["conv1"]))
/// let result = try executor.run(inputs: ["data": image], outputs: ["prob", "conv1"])
/// ```
///
/// An executor holds mutable buffers: use it from one task at a time.
public final class ForwardExecutor {
    /// The graph the executor runs.
    public let graph: Graph
    /// The batch size the executor was planned for (the first graph input's first dimension).
    public let batchSize: Int
    /// Internal so that tests can check buffer reuse.
    let plan: ExecutionPlan

    /// Plans `graph` for a batch size.
    ///
    /// - Parameters:
    ///   - graph: the graph to run.
    ///   - weights: tensors keyed `<node>.<parameter>`; extra keys are ignored.
    ///   - batchSize: replaces the batch (first) dimension of every graph input; nil keeps the
    ///     recorded input shapes.
    ///   - retention: which values ``run(inputs:outputs:)`` can return; a name that is not a value
    ///     of the graph throws ``ExecutionError/unknownValue(_:)``.
    /// - Throws: ``ExecutionError/notExecutable(node:framework:type:)`` for an opaque node,
    ///   ``ExecutionError/missingWeight(node:key:)`` or ``ExecutionError/weightShapeMismatch(node:key:expected:actual:)``
    ///   for weights, ``ExecutionError/invalidGraph(_:)`` when shape inference fails.
    public convenience init(graph: Graph, weights: [String: Tensor], batchSize: Int? = nil,
                            retaining retention: Retention = .outputs()) throws(ExecutionError) {
        try self.init(graph: graph, weights: weights, batchSize: batchSize, retaining: retention, releasingWeights: false)
    }

    /// Plans a whole model, taking its weights: each tensor is released as soon as the plan holds
    /// its own copy, so that planning peaks at one copy of the weights (plus the largest tensor)
    /// rather than two. Only memory no one else references is freed: pass a model that is not
    /// kept elsewhere, such as one just loaded (`try ForwardExecutor(taking: file.loadModel())`).
    public convenience init(taking model: consuming Model, batchSize: Int? = nil,
                            retaining retention: Retention = .outputs()) throws(ExecutionError) {
        let graph = model.graph
        let weights = (consume model).weights
        try self.init(graph: graph, weights: consume weights, batchSize: batchSize, retaining: retention, releasingWeights: true)
    }

    private init(graph: Graph, weights: consuming [String: Tensor], batchSize: Int?,
                 retaining retention: Retention, releasingWeights: Bool) throws(ExecutionError) {
        self.graph = graph
        let retained: Set<String>?
        switch retention {
        case .everyValue: retained = nil
        case .outputs(let extra):
            for name in extra where !graph.inputs.contains(where: { $0.name == name })
                && !graph.nodes.contains(where: { $0.outputs.contains(name) }) {
                throw .unknownValue(name)
            }
            retained = Set(graph.outputs + extra)
        }
        let plan = try ExecutionPlan(graph: graph, weights: consume weights, batchSize: batchSize, retaining: retained,
                                     releasingWeights: releasingWeights)
        self.plan = plan
        self.retained = retained
        self.batchSize = plan.graphInputs.first.map { plan.values.shape($0.id)[0] } ?? batchSize ?? 1
    }

    /// Plans a whole model (its graph and weights) for a batch size.
    public convenience init(model: Model, batchSize: Int? = nil, retaining retention: Retention = .outputs()) throws(ExecutionError) {
        try self.init(graph: model.graph, weights: model.weights, batchSize: batchSize, retaining: retention)
    }

    /// Which values ``run(inputs:outputs:)`` can return.
    public enum Retention: Sendable, Equatable {
        /// The graph inputs and outputs and the values named here; every other value shares
        /// memory with values whose lifetimes do not overlap.
        case outputs(plus: [String] = [])
        /// Every value, in a buffer of its own (inspection, layer-by-layer comparisons).
        case everyValue
    }

    /// The values a run can return beyond the graph inputs (nil: all).
    private let retained: Set<String>?

    private var layerTimes: [Duration]?
    private var runs = 0

    /// Whether ``run(inputs:outputs:)`` times every layer (a clock read around each; off by
    /// default). Switching it on resets the totals.
    public var profiling: Bool {
        get { layerTimes != nil }
        set {
            layerTimes = newValue ? Array(repeating: .zero, count: plan.layers.count) : nil
            runs = 0
        }
    }

    /// Per node (graph order), the time its layer took summed over the runs since ``profiling``
    /// was switched on, and the number of runs; nil when profiling is off.
    public var profileReport: (nodes: [(node: String, time: Duration)], runs: Int)? {
        guard let layerTimes else { return nil }
        return (zip(plan.layers, layerTimes).map { ($0.node, $1) }, runs)
    }

    /// The planned shape of a value (graph input or node output), or nil for an unknown name.
    public func shape(of value: String) -> Shape? {
        plan.valueIDs[value].map { plan.values.shape($0) }
    }

    /// Runs the graph on `inputs` (one tensor per graph input, with the planned shapes) and
    /// returns the requested values by name.
    ///
    /// - Parameters:
    ///   - inputs: one tensor per graph input, keyed by input name, with the planned shapes.
    ///   - outputs: names of graph inputs or node outputs to return; nil returns the graph
    ///     outputs. Layers after the last one needed are skipped.
    /// - Throws: ``ExecutionError/missingInput(_:)``, ``ExecutionError/unknownInput(_:)``,
    ///   ``ExecutionError/wrongInputShape(input:expected:actual:)``, ``ExecutionError/unknownValue(_:)``,
    ///   ``ExecutionError/valueNotRetained(_:)`` for a value the plan did not keep.
    public func run(inputs: [String: Tensor], outputs: [String]? = nil) throws(ExecutionError) -> [String: Tensor] {
        let requested = outputs ?? graph.outputs
        var requestedIDs: [(name: String, id: ValueID)] = []
        for name in requested {
            guard let id = plan.valueIDs[name] else { throw .unknownValue(name) }
            if let retained, !retained.contains(name), !plan.graphInputs.contains(where: { $0.name == name }) {
                throw .valueNotRetained(name)
            }
            requestedIDs.append((name, id))
        }
        for name in inputs.keys where !plan.graphInputs.contains(where: { $0.name == name }) {
            throw .unknownInput(name)
        }
        for (name, id) in plan.graphInputs {
            guard let tensor = inputs[name] else { throw .missingInput(name) }
            let expected = plan.values.shape(id)
            guard tensor.shape == expected else { throw .wrongInputShape(input: name, expected: expected, actual: tensor.shape) }
        }

        for (name, id) in plan.graphInputs {
            let destination = plan.values.pointer(id)
            inputs[name]!.scalars.withUnsafeBufferPointer { source in
                destination.update(from: source.baseAddress!, count: source.count)
            }
        }
        let lastNeeded = requestedIDs.compactMap { plan.producer[$0.id] }.max() ?? -1
        if lastNeeded >= 0 {
            let context = plan.forwardContext()
            if layerTimes != nil {
                for (i, layer) in plan.layers[...lastNeeded].enumerated() {
                    let start = ContinuousClock.now
                    layer.forward(context)
                    layerTimes![i] += ContinuousClock.now - start
                }
                runs += 1
            } else {
                for layer in plan.layers[...lastNeeded] { layer.forward(context) }
            }
        }

        var result: [String: Tensor] = [:]
        for (name, id) in requestedIDs {
            result[name] = plan.values.buffer(id).tensor(shape: plan.values.shape(id))
        }
        return result
    }
}
