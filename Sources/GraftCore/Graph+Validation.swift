extension Graph {
    /// Checks the graph's structure: non-empty unique node names, single-assignment values, every
    /// input read after it is produced (so the node order is a topological order and there is no
    /// cycle), every graph output produced, and input/output counts each op requires.
    public func validateStructure() throws(GraphError) {
        var nodeNames = Set<String>()
        var defined = Set<String>()
        for input in inputs {
            guard !input.name.isEmpty else { throw .emptyName(what: "input") }
            guard defined.insert(input.name).inserted else { throw .duplicateValue(value: input.name, node: "<input>") }
        }
        for node in nodes {
            guard !node.name.isEmpty else { throw .emptyName(what: "node") }
            guard nodeNames.insert(node.name).inserted else { throw .duplicateNode(node.name) }
            try node.checkArity()
            for value in node.inputs where !defined.contains(value) {
                throw .undefinedValue(value: value, node: node.name)
            }
            for value in node.outputs {
                guard !value.isEmpty else { throw .emptyName(what: "value of node '\(node.name)'") }
                guard defined.insert(value).inserted else { throw .duplicateValue(value: value, node: node.name) }
            }
        }
        for output in outputs where !defined.contains(output) { throw .undefinedOutput(output) }
    }
}

extension Node {
    /// Input and output counts each op accepts.
    func checkArity() throws(GraphError) {
        func inputs(_ range: ClosedRange<Int>, _ text: String) throws(GraphError) {
            if !range.contains(self.inputs.count) {
                throw .wrongInputCount(node: name, expected: text, actual: self.inputs.count)
            }
        }
        switch op {
        case .concat: try inputs(1...Int.max, "at least 1")
        case .eltwise: try inputs(2...Int.max, "at least 2")
        case .crop: try inputs(1...2, "1 or 2")
        case .scale: try inputs(1...2, "1 or 2")
        case .constant: try inputs(0...0, "none")
        case .opaque: break
        default: try inputs(1...1, "1")
        }
        switch op {
        case .slice: if outputs.isEmpty { throw .wrongOutputCount(node: name, expected: "at least 1", actual: 0) }
        case .opaque: break
        default: if outputs.count != 1 { throw .wrongOutputCount(node: name, expected: "1", actual: outputs.count) }
        }
    }
}
