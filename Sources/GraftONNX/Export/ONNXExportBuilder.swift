import GraftCore

/// Walks a Graft graph in order and collects the ONNX nodes and initializers that compute it.
///
/// ONNX values keep the Graft value names; helper values, nodes and initializers get names
/// derived from the Graft node (`<node>/<suffix>`, `<node>.<parameter>`), made unique.
struct ONNXExportBuilder {
    let model: Model
    let options: ONNXExportOptions
    let shapes: [String: Shape]
    /// Indices of the nodes reading each value.
    let consumers: [String: [Int]]
    let graphOutputNames: Set<String>
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    /// Nodes already written as part of another node (folded into a convolution).
    var absorbed: Set<String> = []
    private var names: Set<String> = []

    var opset: Int { options.opset }

    init(model: Model, options: ONNXExportOptions) throws(ONNXError) {
        self.model = model
        self.options = options
        let table: ShapeTable
        do {
            try model.graph.validateStructure()
            table = try model.graph.inferShapesPartially()
        } catch {
            throw .notExportable(node: "<graph>", op: "graph", reason: error.description)
        }
        shapes = table.values
        var consumers: [String: [Int]] = [:]
        for (index, node) in model.graph.nodes.enumerated() {
            for input in Set(node.inputs) { consumers[input, default: []].append(index) }
        }
        self.consumers = consumers
        graphOutputNames = Set(model.graph.outputs)
        names.formUnion(model.graph.inputs.map(\.name))
        for node in model.graph.nodes {
            names.insert(node.name)
            names.formUnion(node.outputs)
        }
    }

    // MARK: - Walking

    mutating func run() throws(ONNXError) {
        for node in model.graph.nodes where !absorbed.contains(node.name) {
            guard let exporter = ONNXOpExporters.byKind[node.op.kind] else {
                throw .notExportable(node: node.name, op: node.op.displayName, reason: "no exporter for \(node.op.kind.rawValue)")
            }
            try exporter.export(node, &self)
        }
    }

    /// The graph inputs, with the batch symbolic when asked.
    func graphInputs() -> [ONNXValueInfo] {
        model.graph.inputs.map { ONNXValueInfo(name: $0.name, shape: dimensions($0.shape)) }
    }

    func graphOutputs() throws(ONNXError) -> [ONNXValueInfo] {
        var outputs: [ONNXValueInfo] = []
        for value in model.graph.outputs {
            guard let shape = shapes[value] else {
                throw .notExportable(node: value, op: "output", reason: "the shape of graph output '\(value)' is unknown")
            }
            outputs.append(ONNXValueInfo(name: value, shape: dimensions(shape)))
        }
        return outputs
    }

    private func dimensions(_ shape: Shape) -> [ONNXValueInfo.Dimension] {
        shape.dims.enumerated().map { i, d in i == 0 && options.dynamicBatch ? .parameter("N") : .value(d) }
    }

    // MARK: - Queries

    func shape(_ value: String, of node: Node) throws(ONNXError) -> Shape {
        guard let shape = shapes[value] else {
            throw .notExportable(node: node.name, op: node.op.displayName, reason: "the shape of '\(value)' is unknown")
        }
        return shape
    }

    /// The shape of the node's input `index`.
    func inputShape(_ node: Node, _ index: Int = 0) throws(ONNXError) -> Shape {
        guard index < node.inputs.count else {
            throw .notExportable(node: node.name, op: node.op.displayName, reason: "input \(index) is missing")
        }
        return try shape(node.inputs[index], of: node)
    }

    func weight(_ node: Node, _ parameter: String) throws(ONNXError) -> Tensor {
        guard let tensor = model.weights[node.tensorName(parameter)] else {
            throw .notExportable(node: node.name, op: node.op.displayName, reason: "tensor '\(node.tensorName(parameter))' is missing")
        }
        if let spec = node.parameter(parameter), spec.shape != tensor.shape {
            throw .notExportable(node: node.name, op: node.op.displayName,
                                 reason: "tensor '\(node.tensorName(parameter))' has shape \(tensor.shape), the graph says \(spec.shape)")
        }
        return tensor
    }

    /// The only node reading `value`, if exactly one does (once) and the value is not a graph output.
    func soleConsumer(of value: String) -> Node? {
        guard !graphOutputNames.contains(value), let readers = consumers[value], readers.count == 1 else { return nil }
        let node = model.graph.nodes[readers[0]]
        return node.inputs.filter { $0 == value }.count == 1 ? node : nil
    }

    func failure(_ node: Node, _ reason: String) -> ONNXError {
        .notExportable(node: node.name, op: node.op.displayName, reason: reason)
    }

    // MARK: - Emitting

    /// `base`, or `base_1`, `base_2`... when taken.
    mutating func uniqueName(_ base: String) -> String {
        var name = base
        var i = 1
        while names.contains(name) {
            name = "\(base)_\(i)"
            i += 1
        }
        names.insert(name)
        return name
    }

    /// Adds a float initializer and returns its (unique) name.
    mutating func constant(_ base: String, dims: [Int], _ values: [Float]) -> String {
        let name = uniqueName(base)
        initializers.append(ONNXTensor(name: name, dims: dims, floats: values))
        return name
    }

    /// Adds an initializer under its own name (a Graft value's name, already reserved).
    mutating func addInitializer(_ tensor: ONNXTensor) {
        initializers.append(tensor)
    }

    /// Adds an int64 initializer and returns its (unique) name.
    mutating func constant(_ base: String, dims: [Int], int64s values: [Int]) -> String {
        let name = uniqueName(base)
        initializers.append(ONNXTensor(name: name, dims: dims, int64s: values.map(Int64.init)))
        return name
    }

    /// A float scalar initializer `<node>/<suffix>`.
    mutating func scalar(_ node: Node, _ suffix: String, _ value: Float) -> String {
        constant("\(node.name)/\(suffix)", dims: [], [value])
    }

    /// A 1-D int64 initializer `<node>/<suffix>`.
    mutating func ints(_ node: Node, _ suffix: String, _ values: [Int]) -> String {
        constant("\(node.name)/\(suffix)", dims: [values.count], int64s: values)
    }

    /// The node's parameter as an initializer named `<node>.<parameter>` (reshaped to `dims`).
    mutating func parameter(_ node: Node, _ parameter: String, dims: [Int]? = nil) throws(ONNXError) -> String {
        let tensor = try weight(node, parameter)
        return constant(node.tensorName(parameter), dims: dims ?? tensor.shape.dims, tensor.scalars)
    }

    /// Adds an ONNX node. With `output` nil its single output is a new value `<node>/<suffix>`;
    /// returns the output names.
    @discardableResult
    mutating func emit(_ opType: String, _ node: Node, _ suffix: String? = nil, inputs: [String], outputs: [String],
                       attributes: [ONNXAttribute] = []) -> [String] {
        let name = uniqueName(suffix.map { "\(node.name)/\($0)" } ?? node.name)
        nodes.append(ONNXNode(name: name, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes))
        return outputs
    }

    /// Adds a single-output ONNX node writing `output`, or a new value `<node>/<suffix>` when nil.
    @discardableResult
    mutating func emit(_ opType: String, _ node: Node, _ suffix: String? = nil, inputs: [String], output: String? = nil,
                       attributes: [ONNXAttribute] = []) -> String {
        let value = output ?? uniqueName("\(node.name)/\(suffix ?? opType.lowercased())")
        emit(opType, node, suffix, inputs: inputs, outputs: [value], attributes: attributes)
        return value
    }
}

extension ONNXAttribute {
    static func ints(_ name: String, _ values: [Int]) -> ONNXAttribute { ONNXAttribute(name, .ints(values.map(Int64.init))) }
    static func int(_ name: String, _ value: Int) -> ONNXAttribute { ONNXAttribute(name, .int(Int64(value))) }
    static func float(_ name: String, _ value: Float) -> ONNXAttribute { ONNXAttribute(name, .float(value)) }
    static func string(_ name: String, _ value: String) -> ONNXAttribute { ONNXAttribute(name, .string(Array(value.utf8))) }
}
