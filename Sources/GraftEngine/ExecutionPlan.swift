import GraftCore

/// What the executor decides once per graph and batch size: a slot and a buffer for every value,
/// the layers in execution order with their weights bound, and one shared scratch buffer.
///
/// Without `retaining`, every value keeps its own buffer for the plan's lifetime, which is what a
/// backward pass needs (it reads the forward activations) and what inspecting intermediate values
/// needs. With `retaining`, only those values (and the graph inputs) keep theirs; every other value
/// takes a buffer from those whose values are no longer read (see ``sharedBuffers(sites:shapes:retained:)``):
/// peak memory then follows the widest point of the network, not its depth.
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
         scratch allocateScratch: Bool = true, retaining: Set<String>? = nil) throws(ExecutionError) {
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
        if let retaining {
            let retained = Set(graphInputs.map(\.id) + retaining.compactMap { ids[$0] })
            self.values = ValueStore(shapes: shapes, sharing: Self.sharedBuffers(sites: sites, shapes: shapes, retained: retained))
        } else {
            self.values = ValueStore(shapes: shapes)
        }
        self.layers = layers
        self.producer = producer
        self.graphInputs = graphInputs
        self.scratch = FloatBuffer(count: allocateScratch ? layers.map(\.scratchCount).max() ?? 0 : 0)
    }

    /// A buffer for every value, in execution order: a layer's outputs take free buffers (the
    /// smallest that is large enough, else the largest, which grows), and after the layer the
    /// buffers of values nobody reads any more (not retained, no later reader) are free again.
    /// A layer's outputs never share with its inputs or with each other.
    static func sharedBuffers(sites: [LayerSite], shapes: [Shape], retained: Set<ValueID>) -> [Int] {
        var lastRead = [Int](repeating: -1, count: shapes.count)
        for (i, site) in sites.enumerated() {
            for input in site.inputs { lastRead[input.index] = i }
            for output in site.outputs { lastRead[output.index] = max(lastRead[output.index], i) }
        }
        var assignment = [Int](repeating: -1, count: shapes.count)
        var capacity: [Int] = []
        var free: [Int] = []
        func take(_ value: ValueID) {
            let size = shapes[value.index].elementCount
            let fits = free.indices.filter { capacity[free[$0]] >= size }
            let pick = fits.min { capacity[free[$0]] < capacity[free[$1]] } ?? free.indices.max { capacity[free[$0]] < capacity[free[$1]] }
            if let pick {
                let buffer = free.remove(at: pick)
                capacity[buffer] = max(capacity[buffer], size)
                assignment[value.index] = buffer
            } else {
                assignment[value.index] = capacity.count
                capacity.append(size)
            }
        }
        // Graph inputs (and anything not produced by a layer) first: retained, never freed.
        let produced = Set(sites.flatMap(\.outputs))
        for index in shapes.indices where !produced.contains(ValueID(index: index)) { take(ValueID(index: index)) }
        for (i, site) in sites.enumerated() {
            for output in site.outputs where assignment[output.index] < 0 { take(output) }
            for value in Set(site.inputs + site.outputs) where lastRead[value.index] == i && !retained.contains(value) {
                free.append(assignment[value.index])
            }
        }
        return assignment
    }

    func forwardContext() -> ForwardContext {
        ForwardContext(values: values, scratch: scratch.pointer)
    }
}
