import GraftCore
import GraftEngine
import Testing

/// A tensor of `shape` with values uniform in `range`, reproducible from `seed`.
func randomTensor(_ shape: Shape, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in Float.random(in: range, using: &generator) })
}

/// `0, 1, 2, ...` as floats: easy to follow in hand-computed cases.
func iota(_ shape: Shape, start: Float = 0) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.elementCount).map { start + Float($0) })
}

/// Expects equal counts and every `|actual - expected| <= tolerance * max(1, |expected|)`.
func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    var failures = 0
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        let ok = a == e || abs(a - e) <= tolerance * max(1, abs(e))
        if !ok {
            failures += 1
            if failures <= 5 {
                Issue.record("element \(i): \(a), expected \(e)", sourceLocation: sourceLocation)
            }
        }
    }
    if failures > 5 { Issue.record("\(failures) elements differ in total", sourceLocation: sourceLocation) }
}

func expectClose(_ actual: Tensor?, _ expected: Tensor, tolerance: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("no tensor", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
    expectClose(actual.scalars, expected.scalars, tolerance: tolerance, sourceLocation: sourceLocation)
}

/// A graph of one node named "node" reading the given inputs (named "x", "x1", ...) and writing
/// `outputs`; parameter specs are derived from the op.
func singleNodeGraph(_ op: Op, inputShapes: [Shape], outputs: [String] = ["y"]) throws -> Graph {
    let names = inputShapes.indices.map { $0 == 0 ? "x" : "x\($0)" }
    var graph = Graph(inputs: zip(names, inputShapes).map { GraphInput(name: $0, shape: $1) },
                      nodes: [Node(name: "node", op: op, inputs: names, outputs: outputs)],
                      outputs: outputs)
    try graph.deriveParameterSpecs()
    return graph
}

/// Runs one op on `inputs` with `parameters` (keyed by parameter name, e.g. "weight") and returns
/// its outputs.
func run(_ op: Op, _ inputs: [Tensor], parameters: [String: Tensor] = [:], outputs: [String] = ["y"]) throws -> [String: Tensor] {
    let graph = try singleNodeGraph(op, inputShapes: inputs.map(\.shape), outputs: outputs)
    let weights = Dictionary(uniqueKeysWithValues: parameters.map { ("node.\($0.key)", $0.value) })
    let executor = try ForwardExecutor(graph: graph, weights: weights)
    let names = inputs.indices.map { $0 == 0 ? "x" : "x\($0)" }
    return try executor.run(inputs: Dictionary(uniqueKeysWithValues: zip(names, inputs)))
}

/// Runs a one-output op and returns that output.
func run1(_ op: Op, _ inputs: Tensor..., parameters: [String: Tensor] = [:]) throws -> Tensor {
    let result = try run(op, inputs, parameters: parameters)
    return try #require(result["y"])
}
