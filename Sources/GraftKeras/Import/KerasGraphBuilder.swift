import GraftCore

/// Accumulates the Graft graph while the importer walks the Keras layers: nodes, their
/// parameters, the shape of every value (inferred node by node with Graft's own shape rules, so
/// a weight that does not fit its input is caught at the layer that owns it), and the layout
/// conversions already inserted.
struct KerasGraphBuilder: Sendable {
    private(set) var nodes: [Node] = []
    private(set) var weights: [String: Tensor] = [:]
    private(set) var shapes: [String: Shape] = [:]
    private(set) var frozenTensors: Set<String> = []
    /// Notes for the provenance (what the conversion changed and why).
    var notes: [String] = []
    /// Warnings raised while mapping (discarded with the nodes when a mapping is abandoned).
    var warnings: [KerasWarning] = []
    /// Convolution kernels flipped for Theano.
    var flippedKernels = 0
    /// Whether the nodes being added belong to a non-trainable Keras layer.
    var frozen = false
    private var names: Set<String> = []
    private var conversions: [String: KerasTensorBinding] = [:]

    /// Declares a graph input.
    mutating func addInput(_ name: String, shape: Shape) {
        names.insert(name)
        shapes[name] = shape
    }

    /// `base` if unused, else `base_1`, `base_2`, ...
    func uniqueName(_ base: String) -> String {
        guard names.contains(base) else { return base }
        var i = 1
        while names.contains("\(base)_\(i)") { i += 1 }
        return "\(base)_\(i)"
    }

    /// Adds a node named `name` (made unique) and returns its output value and shape. Parameters
    /// are given in the op's order; the output shape comes from Graft's shape rules, which also
    /// check each parameter's shape against the op.
    @discardableResult
    mutating func add(_ name: String, _ op: Op, inputs: [String],
                      parameters: [(String, Tensor)] = []) throws(KerasMappingFailure) -> (value: String, shape: Shape?) {
        let unique = uniqueName(name)
        let node = Node(name: unique, op: op, inputs: inputs,
                        parameters: parameters.map { ParameterSpec($0.0, $0.1.shape) })
        var shape: Shape?
        var graphInputs: [GraphInput] = []
        var seen = Set<String>()
        var allKnown = true
        for input in inputs where seen.insert(input).inserted {
            guard let s = shapes[input] else { allKnown = false; break }
            graphInputs.append(GraphInput(name: input, shape: s))
        }
        if allKnown {
            let graph = Graph(inputs: graphInputs, nodes: [node], outputs: node.outputs)
            do {
                shape = try graph.inferShapesPartially().values[node.outputs[0]]
            } catch {
                throw .invalid(error.description)
            }
        }
        names.insert(unique)
        nodes.append(node)
        shapes[unique] = shape
        for (parameter, tensor) in parameters {
            let key = node.tensorName(parameter)
            weights[key] = tensor
            if frozen { frozenTensors.insert(key) }
        }
        return (unique, shape)
    }

    /// A binding for a node just added.
    mutating func bind(_ name: String, _ op: Op, inputs: [String], parameters: [(String, Tensor)] = [],
                       layout: KerasTensorLayout) throws(KerasMappingFailure) -> KerasTensorBinding {
        let (value, shape) = try add(name, op, inputs: inputs, parameters: parameters)
        return KerasTensorBinding(value: value, shape: shape, layout: layout)
    }

    // MARK: - Layouts

    /// The tensor with the Keras tensor's own shape and element order.
    mutating func keras(_ binding: KerasTensorBinding) throws(KerasMappingFailure) -> KerasTensorBinding {
        switch binding.layout {
        case .keras:
            return binding
        case .channelsFirst:
            return try converted(binding, suffix: "nhwc", layout: .keras) { g, b throws(KerasMappingFailure) in
                guard let shape = b.shape else { throw .needsInputShape }
                if Self.isMemoryOrderPreserved(shape.dims, order: [0, 2, 3, 1]) {
                    return try g.bind(b.value + "/nhwc", .reshape(Reshape(shape: [0, shape[2], shape[3], shape[1]])),
                                    inputs: [b.value], layout: .keras)
                }
                return try g.bind(b.value + "/nhwc", .permute(Permute(order: [0, 2, 3, 1])), inputs: [b.value], layout: .keras)
            }
        case .flattenedChannelsFirst(let c, let h, let w):
            return try converted(binding, suffix: "hwc", layout: .keras) { g, b throws(KerasMappingFailure) in
                if Self.isMemoryOrderPreserved([1, c, h, w], order: [0, 2, 3, 1]) {
                    return KerasTensorBinding(value: b.value, shape: b.shape, layout: .keras)
                }
                let image = try g.add(b.value + "/chw", .reshape(Reshape(shape: [0, c, h, w])), inputs: [b.value])
                return try g.bind(b.value + "/hwc", .flatten(Flatten(axis: 1, endAxis: -1, order: .channelsLast)),
                                inputs: [image.value], layout: .keras)
            }
        }
    }

    /// The 4-D tensor in Graft's NCHW layout, for a layer whose data format is `format`: a
    /// channels-last layer's `[N, H, W, C]` tensor transposed, a channels-first layer's as it is.
    mutating func image(_ binding: KerasTensorBinding, format: KerasDataFormat) throws(KerasMappingFailure) -> KerasTensorBinding {
        if let shape = binding.shape, shape.rank != 4 {
            throw .invalid("expects a 4-D input, found \(binding.kerasShape ?? shape)")
        }
        switch (format, binding.layout) {
        case (.channelsLast, .channelsFirst):
            return binding
        case (.channelsLast, .keras):
            return try converted(binding, suffix: "nchw", layout: .channelsFirst) { g, b throws(KerasMappingFailure) in
                guard let shape = b.shape else { throw .needsInputShape }
                if Self.isMemoryOrderPreserved(shape.dims, order: [0, 3, 1, 2]) {
                    return try g.bind(b.value + "/nchw", .reshape(Reshape(shape: [0, shape[3], shape[1], shape[2]])),
                                    inputs: [b.value], layout: .channelsFirst)
                }
                return try g.bind(b.value + "/nchw", .permute(Permute(order: [0, 3, 1, 2])), inputs: [b.value],
                                layout: .channelsFirst)
            }
        case (.channelsFirst, _):
            // A channels-first layer reads the Keras tensor as NCHW.
            let keras = try keras(binding)
            if let shape = keras.shape, shape.rank != 4 { throw .invalid("expects a 4-D input, found \(shape)") }
            return keras
        case (.channelsLast, .flattenedChannelsFirst):
            throw .invalid("expects a 4-D input, found a flattened tensor")
        }
    }

    private mutating func converted(_ binding: KerasTensorBinding, suffix: String, layout: KerasTensorLayout,
                                    _ make: (inout KerasGraphBuilder, KerasTensorBinding) throws(KerasMappingFailure) -> KerasTensorBinding) throws(KerasMappingFailure) -> KerasTensorBinding {
        let key = binding.value + "→" + suffix
        if let done = conversions[key] { return done }
        let wasFrozen = frozen
        frozen = false
        defer { frozen = wasFrozen }
        let result = try make(&self, binding)
        conversions[key] = result
        return result
    }

    /// True when transposing `shape` by `order` leaves the elements in memory order (only unit
    /// axes move relative to the others), so a Reshape can replace the Permute.
    static func isMemoryOrderPreserved(_ shape: [Int], order: [Int]) -> Bool {
        let moved = order.filter { shape[$0] != 1 }
        return moved == moved.sorted()
    }
}
