/// One operation in a ``Graph``: reads named values, writes named values, owns named parameters.
///
/// Values are single-assignment: every output name is produced by exactly one node (or is a graph
/// input). Parameter `p` of node `n` is stored in the file as tensor `"n.p"`.
public struct Node: Equatable, Sendable {
    /// The node's name, unique in the graph.
    public var name: String
    /// What the node computes.
    public var op: Op
    /// The values it reads, in order.
    public var inputs: [String]
    /// The values it writes (usually one, named after the node).
    public var outputs: [String]
    /// The node's parameter tensors in a stable order, e.g. `weight` then `bias`.
    public var parameters: [ParameterSpec]

    /// A node; its one output is named after it unless `outputs` are given.
    public init(name: String, op: Op, inputs: [String], outputs: [String]? = nil, parameters: [ParameterSpec] = []) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs ?? [name]
        self.parameters = parameters
    }

    /// The file key of one of this node's parameters.
    public func tensorName(_ parameter: String) -> String { "\(name).\(parameter)" }

    /// The parameter called `name`, if the node has one.
    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}

/// A parameter tensor's name (local to its node) and shape.
public struct ParameterSpec: Codable, Equatable, Sendable {
    /// The name within the node, e.g. `weight`.
    public var name: String
    /// The tensor's shape.
    public var shape: Shape

    /// A parameter `name` of `shape`.
    public init(_ name: String, _ shape: Shape) {
        self.name = name
        self.shape = shape
    }
}

extension Node: Codable {
    private enum CodingKeys: String, CodingKey { case name, op, attributes, inputs, outputs, parameters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        let kindName = try c.decode(String.self, forKey: .op)
        guard let kind = OpKind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .op, in: c,
                debugDescription: "node '\(name)': unknown op '\(kindName)'")
        }
        op = try Op.decode(kind: kind, from: c, key: .attributes)
        inputs = try c.decode([String].self, forKey: .inputs)
        outputs = try c.decode([String].self, forKey: .outputs)
        parameters = try c.decodeIfPresent([ParameterSpec].self, forKey: .parameters) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(op.kind.rawValue, forKey: .op)
        try op.encodeAttributes(to: &c, key: .attributes)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(parameters, forKey: .parameters)
    }
}
