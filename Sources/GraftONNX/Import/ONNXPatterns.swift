/// Rewrites of operator sequences exporters emit for one function Graft has as one op, applied
/// to the ONNX graph before mapping.
enum ONNXPatterns {
    /// PyTorch's exporter writes `nn.GELU()` before opset 20 as
    /// `Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)` (the Div may be a Mul by 1/√2, and the 0.5 may
    /// multiply x or the sum first, as the dynamo exporter does). Each such chain whose intermediate values nothing else reads becomes one
    /// `Gelu` node writing the chain's output. Returns the rewritten nodes and how many chains.
    static func fuseErfGelu(_ graph: ONNXGraph) -> (nodes: [ONNXNode], fused: Int) {
        var scalars: [String: Float] = [:]
        for t in graph.initializers where (t.elementCount ?? 0) == 1 { if let v = t.floatValues?.first { scalars[t.name] = v } }
        for n in graph.nodes where n.opType == "Constant" && n.outputs.count == 1 {
            if case .tensor(let t)? = n.attributes.first?.value, (t.elementCount ?? 0) == 1, let v = t.floatValues?.first { scalars[n.outputs[0]] = v }
            if case .float(let v)? = n.attributes.first?.value { scalars[n.outputs[0]] = v }
        }
        var producer: [String: Int] = [:]
        var readers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for o in n.outputs where !o.isEmpty { producer[o] = i }
            for input in n.inputs where !input.isEmpty { readers[input, default: []].append(i) }
        }
        for o in graph.outputs { readers[o.name, default: []].append(-1) }
        func near(_ a: Float?, _ b: Float) -> Bool { a.map { abs($0 - b) <= 1e-4 * abs(b) } ?? false }
        /// For a binary node with a scalar operand, the other operand and the scalar.
        func split(_ n: ONNXNode) -> (value: String, scalar: Float)? {
            guard n.inputs.count == 2 else { return nil }
            if let s = scalars[n.inputs[1]] { return (n.inputs[0], s) }
            if let s = scalars[n.inputs[0]], n.opType != "Div" { return (n.inputs[1], s) }
            return nil
        }
        /// The one node reading `value`, when it is the only reader and has exactly one output.
        func only(_ value: String) -> Int? {
            guard let r = readers[value], r.count == 1, r[0] >= 0, graph.nodes[r[0]].outputs.count == 1,
                  !graph.nodes[r[0]].outputs[0].isEmpty else { return nil }
            return r[0]
        }
        var removed = Set<Int>()
        var replaced: [Int: ONNXNode] = [:]
        for (e, erf) in graph.nodes.enumerated() where erf.opType == "Erf" && erf.domain.isEmpty && erf.inputs.count == 1 && erf.outputs.count == 1 {
            // x / √2 (or x · 1/√2)
            guard let d = producer[erf.inputs[0]], only(erf.inputs[0]) == e, let scaled = split(graph.nodes[d]) else { continue }
            let scaling = graph.nodes[d]
            guard (scaling.opType == "Div" && near(scaled.scalar, Float(2).squareRoot())) || (scaling.opType == "Mul" && near(scaled.scalar, Float(0.5).squareRoot())) else { continue }
            let x = scaled.value
            // erf + 1
            guard let a = only(erf.outputs[0]), graph.nodes[a].opType == "Add", let plus = split(graph.nodes[a]), plus.value == erf.outputs[0], plus.scalar == 1 else { continue }
            // x · (erf + 1) · 0.5, in either order
            guard let m1 = only(graph.nodes[a].outputs[0]), graph.nodes[m1].opType == "Mul", graph.nodes[m1].inputs.count == 2 else { continue }
            let first = graph.nodes[m1]
            let other = first.inputs[0] == graph.nodes[a].outputs[0] ? first.inputs[1] : first.inputs[0]
            var chain = [d, e, a, m1]
            var last = m1
            if let half = split(first), half.value == graph.nodes[a].outputs[0], half.scalar == 0.5 {
                // x · ((erf + 1) · 0.5), as the dynamo exporter writes it
                guard let m2 = only(first.outputs[0]), graph.nodes[m2].opType == "Mul", graph.nodes[m2].inputs.count == 2,
                      Set(graph.nodes[m2].inputs) == [x, first.outputs[0]] else { continue }
                chain.append(m2)
                last = m2
            } else if other == x {
                guard let m2 = only(first.outputs[0]), graph.nodes[m2].opType == "Mul", let half = split(graph.nodes[m2]),
                      half.value == first.outputs[0], half.scalar == 0.5 else { continue }
                chain.append(m2)
                last = m2
            } else {
                // (x · 0.5) · (erf + 1)
                guard let h = producer[other], only(other) == m1, graph.nodes[h].opType == "Mul", let half = split(graph.nodes[h]),
                      half.value == x, half.scalar == 0.5 else { continue }
                chain.append(h)
            }
            guard chain.allSatisfy({ !removed.contains($0) && replaced[$0] == nil }) else { continue }
            let output = graph.nodes[last].outputs[0]
            let name = graph.nodes[last].name.isEmpty ? "" : graph.nodes[last].name
            for i in chain where i != last { removed.insert(i) }
            replaced[last] = ONNXNode(name: name, opType: "Gelu", inputs: [x], outputs: [output])
        }
        guard !replaced.isEmpty else { return (graph.nodes, 0) }
        var nodes: [ONNXNode] = []
        for (i, n) in graph.nodes.enumerated() where !removed.contains(i) { nodes.append(replaced[i] ?? n) }
        return (nodes, replaced.count)
    }
}
