import GraftCore

/// A Graft value as the Keras model being written holds it: the Keras layer whose output it is,
/// the Graft shape, and the layout relating the two (the same layouts the importer uses, read in
/// reverse: a 4-D Graft value is held by an `[N, H, W, C]` Keras tensor).
struct KerasExportBinding: Sendable {
    var layer: String
    var shape: Shape
    var layout: KerasTensorLayout

    /// The Keras tensor's shape after the batch.
    var kerasShape: [Int] {
        switch layout {
        case .keras, .flattenedChannelsFirst: Array(shape.dims.dropFirst())
        case .channelsFirst: [shape[2], shape[3], shape[1]]
        }
    }

    /// Whether a softmax over Graft axis `axis` is Keras's default softmax over the last axis (a
    /// flat vector's order does not matter to it).
    func isLastKerasAxis(_ axis: Int) -> Bool {
        if shape.rank == 2, shape.normalizedAxis(axis) == 1 { return true }
        return kerasAxis(ofGraftAxis: axis) == shape.rank - 1
    }

    /// The Keras axis holding Graft axis `axis`, or nil when the layout does not keep it apart.
    func kerasAxis(ofGraftAxis axis: Int) -> Int? {
        guard let a = shape.normalizedAxis(axis) else { return nil }
        switch layout {
        case .keras: return a
        case .channelsFirst: return [0, 3, 1, 2][a]
        case .flattenedChannelsFirst: return a == 0 ? 0 : nil
        }
    }
}

/// Walks a Graft graph in order and collects the Keras layers that compute it.
struct KerasExportBuilder {
    let model: Model
    let format: KerasExportFormat
    let shapes: [String: Shape]
    /// Indices of the nodes reading each value.
    let consumers: [String: [Int]]
    let graphOutputs: Set<String>
    private(set) var layers: [KerasExportLayer] = []
    private(set) var inputLayers: [String] = []
    private(set) var bindings: [String: KerasExportBinding] = [:]
    /// Nodes already written as part of another node's layer.
    var absorbed: Set<String> = []
    private var names: Set<String> = []
    private var conversions: [String: KerasExportBinding] = [:]

    init(model: Model, format: KerasExportFormat) throws(KerasExportError) {
        self.model = model
        self.format = format
        let table: ShapeTable
        do {
            try model.graph.validateStructure()
            table = try model.graph.inferShapesPartially()
        } catch {
            throw .invalidModel(reason: error.description)
        }
        if let first = table.unresolved.first { throw .unknownShape(node: first.node) }
        shapes = table.values
        var consumers: [String: [Int]] = [:]
        for (index, node) in model.graph.nodes.enumerated() {
            for input in Set(node.inputs) { consumers[input, default: []].append(index) }
        }
        self.consumers = consumers
        graphOutputs = Set(model.graph.outputs)
    }

    // MARK: - Walking

    mutating func run() throws(KerasExportError) {
        for input in model.graph.inputs { try addInput(input) }
        for node in model.graph.nodes where !absorbed.contains(node.name) {
            guard let exporter = KerasOpExporters.byKind[node.op.kind] else {
                throw .noKerasEquivalent(node: node.name, op: node.op.displayName, reason: "no exporter for \(node.op.kind.rawValue)")
            }
            try exporter.export(node, &self)
        }
    }

    private mutating func addInput(_ input: GraphInput) throws(KerasExportError) {
        let shape = input.shape
        guard (2...4).contains(shape.rank) else {
            throw .unsupportedInput(input: input.name, reason: "rank \(shape.rank) (\(shape)); Keras inputs here are 2-, 3- or 4-D")
        }
        // An image input is declared channels-last, as every layer written is.
        let layout: KerasTensorLayout = shape.rank == 4 ? .channelsFirst : .keras
        let name = uniqueName(input.name)
        names.insert(name)
        inputLayers.append(name)
        let binding = KerasExportBinding(layer: name, shape: shape, layout: layout)
        layers.append(KerasExportLayer(className: "InputLayer", name: name, config: [], inputs: [],
                                       outputShape: binding.kerasShape))
        bindings[input.name] = binding
    }

    // MARK: - Queries

    func input(_ node: Node, _ index: Int = 0) throws(KerasExportError) -> KerasExportBinding {
        guard index < node.inputs.count, let binding = bindings[node.inputs[index]] else {
            throw .invalidModel(reason: "node '\(node.name)' reads '\(node.inputs.first ?? "?")', which was not written")
        }
        return binding
    }

    func shape(_ value: String) throws(KerasExportError) -> Shape {
        guard let shape = shapes[value] else { throw .unknownShape(node: value) }
        return shape
    }

    func weight(_ node: Node, _ parameter: String) throws(KerasExportError) -> Tensor {
        guard let tensor = model.weights[node.tensorName(parameter)] else {
            throw .invalidModel(reason: "tensor '\(node.tensorName(parameter))' of node '\(node.name)' is missing")
        }
        guard node.parameter(parameter)?.shape == tensor.shape else {
            throw .invalidModel(reason: "tensor '\(node.tensorName(parameter))' has shape \(tensor.shape), the graph says "
                                + "\(node.parameter(parameter)?.shape.description ?? "none")")
        }
        return tensor
    }

    /// A node's layer is trainable unless every one of its parameters is frozen.
    func isTrainable(_ nodes: [Node]) -> Bool {
        let frozen = model.training?.frozenTensors ?? []
        let keys = nodes.flatMap { n in n.parameters.map { n.tensorName($0.name) } }
        return keys.isEmpty || !keys.allSatisfy(frozen.contains)
    }

    /// The only node reading `value`, if exactly one does and the value is not a graph output.
    func soleConsumer(of value: String) -> Node? {
        guard !graphOutputs.contains(value), let readers = consumers[value], readers.count == 1 else { return nil }
        let node = model.graph.nodes[readers[0]]
        return node.inputs.filter { $0 == value }.count == 1 ? node : nil
    }

    /// The node producing `value`.
    func producer(of value: String) -> Node? {
        model.graph.nodes.first { $0.outputs.contains(value) }
    }

    // MARK: - Emitting

    /// A Keras layer name from a Graft name: Keras 3 refuses `/` in names, and names must be unique.
    func uniqueName(_ base: String) -> String {
        var cleaned = String(base.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" })
        if cleaned.isEmpty { cleaned = "layer" }
        guard names.contains(cleaned) else { return cleaned }
        var i = 1
        while names.contains("\(cleaned)_\(i)") { i += 1 }
        return "\(cleaned)_\(i)"
    }

    /// Adds a layer reading `inputs` and returns the binding of its output, whose Graft view is
    /// `shape` in `layout`.
    @discardableResult
    mutating func emit(_ className: String, name: String, config: [(key: String, value: JSONValue)],
                       inputs: [KerasExportBinding], weights: [KerasExportLayer.Weight] = [], trainable: Bool = true,
                       shape: Shape, layout: KerasTensorLayout, verbatim: Bool = false) -> KerasExportBinding {
        let unique = uniqueName(name)
        names.insert(unique)
        let binding = KerasExportBinding(layer: unique, shape: shape, layout: layout)
        layers.append(KerasExportLayer(className: className, name: unique, config: config, inputs: inputs.map(\.layer),
                                       weights: weights, trainable: trainable, outputShape: binding.kerasShape,
                                       verbatim: verbatim))
        return binding
    }

    /// Records that Graft value `value` is held by `binding`.
    mutating func bind(_ value: String, _ binding: KerasExportBinding) {
        bindings[value] = binding
    }

    // MARK: - Layouts

    /// A Keras tensor holding the value in Graft's own element order.
    mutating func keras(_ b: KerasExportBinding) -> KerasExportBinding {
        switch b.layout {
        case .keras:
            return b
        case .channelsFirst:
            return converted(b, "nchw") { g in
                g.emit("Permute", name: b.layer + "_nchw", config: [("dims", KerasConfigValue.ints([3, 1, 2]))],
                       inputs: [b], shape: b.shape, layout: .keras)
            }
        case .flattenedChannelsFirst(let c, let h, let w):
            if KerasGraphBuilder.isMemoryOrderPreserved([1, c, h, w], order: [0, 2, 3, 1]) {
                return KerasExportBinding(layer: b.layer, shape: b.shape, layout: .keras)
            }
            return converted(b, "chw") { g in
                let image = g.emit("Reshape", name: b.layer + "_hwc", config: [("target_shape", KerasConfigValue.ints([h, w, c]))],
                                   inputs: [b], shape: [b.shape[0], c, h, w], layout: .channelsFirst)
                let chw = g.emit("Permute", name: b.layer + "_nchw", config: [("dims", KerasConfigValue.ints([3, 1, 2]))],
                                 inputs: [image], shape: image.shape, layout: .keras)
                return g.emit("Flatten", name: b.layer + "_chw", config: [("data_format", .string("channels_last"))],
                              inputs: [chw], shape: b.shape, layout: .keras)
            }
        }
    }

    /// An `[N, H, W, C]` Keras tensor holding a 4-D Graft value.
    mutating func image(_ b: KerasExportBinding) throws(KerasExportError) -> KerasExportBinding {
        guard b.shape.rank == 4 else {
            throw .invalidModel(reason: "a 4-D image is expected from '\(b.layer)', found \(b.shape)")
        }
        switch b.layout {
        case .channelsFirst: return b
        case .keras:
            return converted(b, "nhwc") { g in
                g.emit("Permute", name: b.layer + "_nhwc", config: [("dims", KerasConfigValue.ints([2, 3, 1]))],
                       inputs: [b], shape: b.shape, layout: .channelsFirst)
            }
        case .flattenedChannelsFirst:
            throw .invalidModel(reason: "a 4-D image is expected from '\(b.layer)', found a flattened tensor")
        }
    }

    /// The bindings in one common layout (their own when they agree, else Graft order).
    mutating func common(_ inputs: [KerasExportBinding]) -> [KerasExportBinding] {
        if inputs.allSatisfy({ $0.layout == inputs[0].layout }) { return inputs }
        return inputs.map { keras($0) }
    }

    private mutating func converted(_ b: KerasExportBinding, _ key: String,
                                    _ make: (inout KerasExportBuilder) -> KerasExportBinding) -> KerasExportBinding {
        let cacheKey = b.layer + "→" + key
        if let done = conversions[cacheKey] { return done }
        let result = make(&self)
        conversions[cacheKey] = result
        return result
    }
}
