import GraftCore
import GraftKernels

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
    /// - Parameter releasingWeights: drop each tensor from `weights` once its layer has it (see
    ///   ``WeightBinder``); only frees memory when the caller passed the last reference.
    init(graph: Graph, weights: consuming [String: Tensor], batchSize: Int?, purpose: Purpose = .inference,
         scratch allocateScratch: Bool = true, retaining: Set<String>? = nil,
         releasingWeights: Bool = false) throws(ExecutionError) {
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
        let binder = WeightBinder(weights: consume weights, releasing: releasingWeights)
        for node in graph.nodes {
            let inputs = node.inputs.map { ids[$0]! }   // validated: every input is produced earlier
            let outputs = node.outputs.map { slot($0) }
            sites.append(LayerSite(node: node, inputs: inputs, outputs: outputs,
                                   inputShapes: node.inputs.map { table.values[$0]! },
                                   outputShapes: node.outputs.map { table.values[$0]! }, weights: binder,
                                   purpose: purpose))
        }
        var aliases: [ValueID: ValueID] = [:]
        if purpose == .inference, let retaining {
            let retained = Set(graphInputs.map(\.id) + retaining.compactMap { ids[$0] })
            // Each pass returns, for every value it stopped writing, the value that replaced it.
            var replaced: [ValueID: ValueID] = [:]
            func record(_ passAliases: [ValueID: ValueID]) { replaced.merge(passAliases) { first, _ in first } }
            var passAliases: [ValueID: ValueID]
            (sites, passAliases) = Self.foldPads(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = try Self.foldNormalizations(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.composeGatedActivations(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.fuseResiduals(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.fuseActivations(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.blockChannels(sites, shapes: &shapes, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.fuseExpansions(sites, retained: retained)
            record(passAliases)
            (sites, passAliases) = Self.fuseProjections(sites, retained: retained)
            record(passAliases)
            // A convolution's output replaced by its BatchNorm's, that by a sum's, that by a ReLU's,
            // that by its blocked copy, that by the output of the layer it is fused into: each
            // names the last one's buffer.
            aliases = replaced.mapValues { value in
                var value = value
                while let next = replaced[value] { value = next }
                return value
            }
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
            self.values = ValueStore(shapes: shapes, sharing: Self.sharedBuffers(sites: sites, shapes: shapes, retained: retained,
                                                                                   inputs: graphInputs.map(\.id), aliases: aliases))
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
    static func sharedBuffers(sites: [LayerSite], shapes: [Shape], retained: Set<ValueID>,
                              inputs: [ValueID], aliases: [ValueID: ValueID] = [:]) -> [Int] {
        var lastRead = [Int](repeating: -1, count: shapes.count)
        for (i, site) in sites.enumerated() {
            for input in site.inputs { lastRead[input.index] = i }
            for output in site.outputs { lastRead[output.index] = max(lastRead[output.index], i) }
        }
        var assignment = [Int](repeating: -1, count: shapes.count)
        var pool = BufferPool()
        func take(_ value: ValueID) { assignment[value.index] = pool.take(shapes[value.index].elementCount) }
        // Graph inputs first: retained, never freed.
        for input in inputs where assignment[input.index] < 0 { take(input) }
        for (i, site) in sites.enumerated() {
            for output in site.outputs where assignment[output.index] < 0 { take(output) }
            for value in Set(site.inputs + site.outputs) where lastRead[value.index] == i && !retained.contains(value) {
                pool.release(assignment[value.index])
            }
        }
        // Values no layer writes any more (a fused activation's input) name their replacement's
        // buffer; nothing reads them. Any other unwritten value gets a buffer of its own.
        for index in shapes.indices where assignment[index] < 0 {
            if let target = aliases[ValueID(index: index)], assignment[target.index] >= 0 {
                assignment[index] = assignment[target.index]
            } else {
                assignment[index] = pool.add(shapes[index].elementCount)
            }
        }
        return assignment
    }

    /// For every value, the sites that read it (each site once, in order): what the fusions check
    /// before folding a node into the one before it.
    static func readers(of sites: [LayerSite]) -> [ValueID: [Int]] {
        var readers: [ValueID: [Int]] = [:]
        for (i, site) in sites.enumerated() { for input in Set(site.inputs) { readers[input, default: []].append(i) } }
        return readers
    }

    /// `sites` without those at the indices in `removed` (nodes folded into others).
    static func removing(_ removed: Set<Int>, from sites: [LayerSite]) -> [LayerSite] {
        sites.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// Folds each ReLU, Swish or HardSwish (``foldableActivation(_:)``) into the convolution it
    /// follows when it is the only reader of the convolution's output and that output is not
    /// kept: the convolution applies it to each block of output while in cache, and writes the
    /// activation's value instead (MobileNetV2 at batch 8 spent 6.8 of 38 ms in separate ReLU
    /// passes). Returns the sites left and, for every value no longer written, the value that
    /// replaced it.
    static func fuseActivations(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for (i, site) in sites.enumerated() {
            guard case .convolution = site.node.op, site.outputs.count == 1, !retained.contains(site.output),
                  let reading = readers[site.output], reading.count == 1 else { continue }
            let j = reading[0]
            guard let activation = Self.foldableActivation(sites[j].node.op), sites[j].inputs == [site.output],
                  sites[j].outputs.count == 1 else { continue }
            result[i].outputs = sites[j].outputs
            result[i].outputShapes = sites[j].outputShapes
            result[i].fusedActivation = activation
            aliases[site.output] = sites[j].output
            removed.insert(j)
        }
        return (Self.removing(removed, from: result), aliases)
    }

    /// Rewrites each `x · sigmoid(x)` as one Swish and `x · hardSigmoid(x)` (the `/6` form) as
    /// one HardSwish, when the product is the gate's only reader and the gate is not kept: ONNX
    /// before opset 22 has no SiLU, so PyTorch writes EfficientNet's as a Sigmoid and a Mul, two
    /// passes over every expanded map (at batch 8 on a Zen 3 they took 66 of its 159 ms), which
    /// as one activation then folds into the convolution before it. The same operations on each
    /// element (the product is exactly commutative): the same bits. Returns the sites left and,
    /// for every value no longer written, the value that replaced it.
    static func composeGatedActivations(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for (i, site) in sites.enumerated() {
            let composed: Activation
            switch site.node.op {
            case .activation(.sigmoid): composed = .swish
            case .activation(.hardSigmoidOneSixth): composed = .hardSwish
            default: continue
            }
            guard site.inputs.count == 1, site.outputs.count == 1, !retained.contains(site.output),
                  let reading = readers[site.output], reading.count == 1 else { continue }
            let j = reading[0], product = sites[j]
            guard case .eltwise(let e) = product.node.op, e.operation == .product, product.inputs.count == 2,
                  product.outputs.count == 1, Set(product.inputs) == [site.input, site.output],
                  product.inputShapes.allSatisfy({ $0 == site.outputShape }), product.outputShape == site.outputShape
            else { continue }
            result[j].node.op = .activation(composed)
            result[j].inputs = site.inputs
            result[j].inputShapes = site.inputShapes
            aliases[site.output] = product.output
            removed.insert(i)
        }
        return (Self.removing(removed, from: result), aliases)
    }

    /// The activation a convolution can apply as it stores its output, when `op` is one: a ReLU
    /// (any slope, cap and threshold), Swish or HardSwish.
    static func foldableActivation(_ op: Op) -> ActivationKernels.FusedActivation? {
        switch op {
        case .relu(let relu): ActivationKernels.FusedActivation(negativeSlope: relu.negativeSlope, maxValue: relu.maxValue,
                                                                threshold: relu.threshold)
        case .activation(let function): ActivationKernels.FusedActivation(function)
        default: nil
        }
    }

    /// Folds each two-input sum (all coefficients 1, no broadcasting) into the convolution that
    /// produces one of its operands, when the sum is the only reader of that output and the output
    /// is not kept: the convolution adds the other operand to each block of output while in cache
    /// and writes the sum's value (ResNet-50 at batch 8 spent 21 of 215 ms in separate sums, and
    /// 9 more in the ReLUs after them, which then fold too). The fused layer takes the sum's place
    /// in the order (the other operand may be computed after the convolution), and reads the
    /// other operand as its last input. Returns the sites left and, for every value no longer
    /// written, the value that replaced it.
    static func fuseResiduals(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>(), fusedSums = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for (i, site) in sites.enumerated() {
            guard case .convolution = site.node.op, site.outputs.count == 1, !site.fusedResidual,
                  !retained.contains(site.output), let reading = readers[site.output], reading.count == 1 else { continue }
            let j = reading[0]
            // Both operands may be convolutions read only by this sum: one folds in, not both.
            guard !fusedSums.contains(j),
                  case .eltwise(let sum) = sites[j].node.op, sum.operation == .sum,
                  sum.coefficients.allSatisfy({ $0 == 1 }), sites[j].inputs.count == 2, sites[j].outputs.count == 1,
                  let k = sites[j].inputs.firstIndex(of: site.output) else { continue }
            let other = sites[j].inputs[1 - k]
            guard other != site.output, sites[j].inputShapes[1 - k] == site.outputShape,
                  sites[j].outputShape == site.outputShape else { continue }
            var fused = site
            fused.inputs = site.inputs + [other]
            fused.inputShapes = site.inputShapes + [site.outputShape]
            fused.outputs = sites[j].outputs
            fused.outputShapes = sites[j].outputShapes
            fused.fusedResidual = true
            result[j] = fused
            aliases[site.output] = sites[j].output
            removed.insert(i)
            fusedSums.insert(j)
        }
        return (Self.removing(removed, from: result), aliases)
    }

    func forwardContext() -> ForwardContext {
        ForwardContext(values: values, scratch: scratch.pointer)
    }
}

/// Buffers handed out by size and given back when their value is dead, for planning shared
/// memory (values at inference, gradients in training): a request takes the smallest free buffer
/// large enough, else the largest free one (which grows), else a new one. Buffers are numbered.
struct BufferPool {
    /// Floats each buffer must hold: the largest request it served.
    private(set) var capacity: [Int] = []
    private var free: [Int] = []

    /// A buffer for `size` floats.
    mutating func take(_ size: Int) -> Int {
        let fits = free.indices.filter { capacity[free[$0]] >= size }
        guard let pick = fits.min(by: { capacity[free[$0]] < capacity[free[$1]] })
                ?? free.indices.max(by: { capacity[free[$0]] < capacity[free[$1]] }) else { return add(size) }
        let buffer = free.remove(at: pick)
        capacity[buffer] = max(capacity[buffer], size)
        return buffer
    }

    /// A new buffer that is never shared.
    mutating func add(_ size: Int) -> Int {
        capacity.append(size)
        return capacity.count - 1
    }

    /// `buffer` is free again.
    mutating func release(_ buffer: Int) { free.append(buffer) }
}
