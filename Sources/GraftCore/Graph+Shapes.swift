/// The shapes shape inference found, and where (if anywhere) it had to stop.
public struct ShapeTable: Sendable {
    /// Shape of every value that could be inferred.
    public var values: [String: Shape] = [:]
    /// Input shapes of each node whose inputs are all known.
    public var nodeInputs: [String: [Shape]] = [:]
    /// Nodes whose outputs are unknown, with the reason (the first such node is the cause, the
    /// rest follow from it).
    public var unresolved: [(node: String, reason: String)] = []
}

extension Graph {
    /// Infers every value's shape and checks every node's parameters against its op.
    ///
    /// - Parameter inputShapes: shapes for the graph inputs; missing ones use the recorded shape.
    ///   Pass a different batch size here to plan for it.
    /// - Throws: the first ``GraphError`` found, naming the node.
    public func inferShapes(inputShapes: [String: Shape] = [:]) throws(GraphError) -> ShapeTable {
        let table = try inferShapes(inputShapes: inputShapes, stopAtUnknown: true)
        return table
    }

    /// Like ``inferShapes(inputShapes:)`` but continues past nodes it cannot resolve (opaque
    /// layers), leaving their outputs and everything downstream unknown. Structural errors and
    /// parameter mismatches still throw.
    public func inferShapesPartially(inputShapes: [String: Shape] = [:]) throws(GraphError) -> ShapeTable {
        try inferShapes(inputShapes: inputShapes, stopAtUnknown: false)
    }

    private func inferShapes(inputShapes: [String: Shape], stopAtUnknown: Bool) throws(GraphError) -> ShapeTable {
        try validateStructure()
        var table = ShapeTable()
        for input in inputs {
            let shape = inputShapes[input.name] ?? input.shape
            guard shape.rank >= 1, shape.checkedElementCount != nil, shape.dims.allSatisfy({ $0 >= 1 }) else {
                throw .invalidShape(node: input.name, reason: "graph input shape \(shape) is not valid")
            }
            table.values[input.name] = shape
        }
        for node in nodes {
            let known = node.inputs.compactMap { table.values[$0] }
            guard known.count == node.inputs.count else {
                table.unresolved.append((node.name, "an input's shape is unknown"))
                continue
            }
            table.nodeInputs[node.name] = known
            if case .opaque = node.op, known.isEmpty, node.outputs.isEmpty { continue }
            let shapes: [Shape]
            do {
                shapes = try node.op.outputShapes(for: known.isEmpty ? [[]] : known, outputCount: node.outputs.count)
            } catch {
                if case .opaque = node.op {
                    if stopAtUnknown { throw .unknownShape(node: node.name, reason: error.reason) }
                    table.unresolved.append((node.name, error.reason))
                    continue
                }
                throw .invalidShape(node: node.name, reason: error.reason)
            }
            for shape in shapes where shape.checkedElementCount == nil || shape.dims.contains(where: { $0 < 1 }) {
                throw .invalidShape(node: node.name, reason: "output shape \(shape) is not valid")
            }
            try node.checkParameters(inputs: known)
            for (value, shape) in zip(node.outputs, shapes) { table.values[value] = shape }
        }
        return table
    }
}

extension Node {
    /// Checks that the node's parameter list matches what its op expects for these inputs.
    func checkParameters(inputs: [Shape]) throws(GraphError) {
        let expected: [ParameterSpec]?
        do { expected = try op.expectedParameters(for: inputs) } catch {
            throw .invalidShape(node: name, reason: error.reason)
        }
        guard let expected else { return }  // Opaque keeps whatever it had.
        for spec in expected {
            guard let actual = parameter(spec.name) else {
                throw .parameterMismatch(node: name, parameter: spec.name, expected: spec.shape, actual: nil)
            }
            guard actual.shape == spec.shape else {
                throw .parameterMismatch(node: name, parameter: spec.name, expected: spec.shape, actual: actual.shape)
            }
        }
        for actual in parameters where !expected.contains(where: { $0.name == actual.name }) {
            throw .parameterMismatch(node: name, parameter: actual.name, expected: nil, actual: actual.shape)
        }
    }
}

extension Graph {
    /// Fills in each node's parameter specs from its op and the inferred shapes (for building
    /// graphs in code and for importers). Opaque nodes keep theirs.
    public mutating func deriveParameterSpecs(inputShapes: [String: Shape] = [:]) throws(GraphError) {
        try validateStructure()
        var values: [String: Shape] = [:]
        for input in inputs { values[input.name] = inputShapes[input.name] ?? input.shape }
        for i in nodes.indices {
            let node = nodes[i]
            let known = node.inputs.compactMap { values[$0] }
            guard known.count == node.inputs.count, !known.isEmpty else {
                throw .unknownShape(node: node.name, reason: "an input's shape is unknown")
            }
            do {
                if let specs = try node.op.expectedParameters(for: known) { nodes[i].parameters = specs }
                let shapes = try node.op.outputShapes(for: known, outputCount: node.outputs.count)
                for (value, shape) in zip(node.outputs, shapes) { values[value] = shape }
            } catch {
                throw .invalidShape(node: node.name, reason: error.reason)
            }
        }
    }
}
