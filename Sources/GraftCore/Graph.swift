/// A framework-neutral network: named inputs, nodes in execution (topological) order, outputs.
public struct Graph: Codable, Equatable, Sendable {
    /// The network's name (may be empty).
    public var name: String
    /// The values fed in, with their shapes.
    public var inputs: [GraphInput]
    /// The nodes, each after the producers of its inputs.
    public var nodes: [Node]
    /// Names of the values the network produces.
    public var outputs: [String]

    /// A graph of these parts; nothing is checked until it is validated.
    public init(name: String = "", inputs: [GraphInput], nodes: [Node], outputs: [String]) {
        self.name = name
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs
    }

    /// The node called `name`, if any.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// Every parameter of every node as (file key, node, spec), in graph order.
    public var parameterTensors: [(key: String, node: Node, spec: ParameterSpec)] {
        nodes.flatMap { node in node.parameters.map { (node.tensorName($0.name), node, $0) } }
    }
}

/// A graph input: a value name and its shape, batch first (the batch size recorded here is the
/// default; executors accept any batch).
public struct GraphInput: Codable, Equatable, Sendable {
    /// The value name nodes read it by.
    public var name: String
    /// Its shape, batch first.
    public var shape: Shape

    /// An input called `name` of `shape`.
    public init(name: String, shape: Shape) {
        self.name = name
        self.shape = shape
    }
}
