import GraftCore

/// What the executor decides once per graph and batch size: a slot and a buffer for every value,
/// the layers in execution order with their weights bound, and one shared scratch buffer.
///
/// Every value keeps its own buffer for the plan's lifetime, which is what a backward pass needs
/// (it reads the forward activations). An inference-only liveness pass could later map several
/// values onto one buffer by changing only how ``ValueStore`` is built.
struct ExecutionPlan {
    /// What the plan is for. Inference plans may keep weights only in the layout their kernels
    /// read fastest (a fully connected weight only transposed); training plans keep every weight
    /// in the file's layout, since the optimizer updates it there.
    enum Purpose {
        case inference
        case training
    }

    let valueIDs: [String: ValueID]
    let values: ValueStore
    let layers: [any Layer]
    /// Index in ``layers`` of the layer producing each node output (graph inputs are absent).
    let producer: [ValueID: Int]
    let graphInputs: [(name: String, id: ValueID)]
    let scratch: FloatBuffer

    /// - Parameter scratch: whether to allocate the forward scratch (a training session sizes its
    ///   own, for forward and backward passes).
    init(graph: Graph, weights: [String: Tensor], batchSize: Int?, purpose: Purpose = .inference,
         scratch allocateScratch: Bool = true) throws(ExecutionError) {
        if let batchSize, batchSize < 1 { throw .invalidBatchSize(batchSize) }
        // Name an opaque node before shape inference stops at it with a less direct error.
        for node in graph.nodes {
            if case .opaque(let p) = node.op {
                throw .notExecutable(node: node.name, framework: p.framework, type: p.type)
            }
        }
        var inputShapes: [String: Shape] = [:]
        for input in graph.inputs {
            var shape = input.shape
            if let batchSize, shape.rank >= 1 { shape[0] = batchSize }
            inputShapes[input.name] = shape
        }
        let table: ShapeTable
        do { table = try graph.inferShapes(inputShapes: inputShapes) } catch { throw .invalidGraph(error) }

        var ids: [String: ValueID] = [:]
        var shapes: [Shape] = []
        func slot(_ name: String) -> ValueID {
            let id = ValueID(index: shapes.count)
            ids[name] = id
            shapes.append(table.values[name] ?? [])
            return id
        }
        let graphInputs = graph.inputs.map { (name: $0.name, id: slot($0.name)) }
        var sites: [LayerSite] = []
        let binder = WeightBinder(weights: weights)
        for node in graph.nodes {
            let inputs = node.inputs.map { ids[$0]! }   // validated: every input is produced earlier
            let outputs = node.outputs.map { slot($0) }
            sites.append(LayerSite(node: node, inputs: inputs, outputs: outputs,
                                   inputShapes: node.inputs.map { table.values[$0]! },
                                   outputShapes: node.outputs.map { table.values[$0]! }, weights: binder,
                                   purpose: purpose))
        }
        var layers: [any Layer] = []
        var producer: [ValueID: Int] = [:]
        for site in sites {
            for output in site.outputs { producer[output] = layers.count }
            layers.append(try LayerBuilder.makeLayer(site))
        }
        self.valueIDs = ids
        self.values = ValueStore(shapes: shapes)
        self.layers = layers
        self.producer = producer
        self.graphInputs = graphInputs
        self.scratch = FloatBuffer(count: allocateScratch ? layers.map(\.scratchCount).max() ?? 0 : 0)
    }

    func forwardContext() -> ForwardContext {
        ForwardContext(values: values, scratch: scratch.pointer)
    }
}
