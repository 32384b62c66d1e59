import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
@testable import GraftONNX

/// Helpers shared by the ONNX import tests: building small models, running Graft and ONNX
/// Runtime on them, converting tensors.
enum ONNXImportSupport {
    /// `Tests/Fixtures/onnx/import/<name>`.
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx/import").appendingPathComponent(name).path
    }

    /// The IR version ONNX Runtime expects with `opset`.
    static func irVersion(opset: Int) -> Int64 {
        switch opset {
        case ...8: 3
        case 9: 4
        case 10: 5
        case 11: 6
        case 12...14: 7
        case 15...18: 8
        case 19...20: 9
        default: 10
        }
    }

    /// A one-graph model with float inputs of the given shapes.
    static func model(opset: Int, nodes: [ONNXNode], initializers: [ONNXTensor] = [], inputs: [(String, [Int])],
                      outputs: [String], metadata: [ONNXKeyValue] = []) -> ONNXModel {
        let graph = ONNXGraph(name: "test", nodes: nodes, initializers: initializers,
                              inputs: inputs.map { ONNXValueInfo(name: $0.0, shape: $0.1.map { .value($0) }) },
                              outputs: outputs.map { ONNXValueInfo(name: $0) })
        return ONNXModel(irVersion: irVersion(opset: opset), opsets: [ONNXOperatorSet(version: Int64(opset))],
                         producerName: "graft-tests", graph: graph, metadata: metadata)
    }

    /// Seeded values in [-1, 1).
    static func random(_ dims: [Int], seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<dims.reduce(1, *)).map { _ in Float(rng.next() % 2000) / 1000 - 1 }
    }

    static func tensor(_ t: ONNXTensor) -> Tensor? {
        guard let v = t.floatValues else { return nil }
        return Tensor(shape: Shape(t.dims.isEmpty ? [1] : t.dims), scalars: v)
    }

    /// TensorComparison over the elements that differ: equal values (infinities from double data out of
    /// float's range) and NaN on both sides (sqrt of a negative) match; a NaN on one side fails.
    static func agreement(_ actual: [Float], _ expected: [Float], atol: Float? = nil) -> TensorComparison {
        var a: [Float] = [], e: [Float] = []
        for (x, y) in zip(actual, expected) where !(x == y || (x.isNaN && y.isNaN)) {
            a.append(x)
            e.append(y)
        }
        if a.isEmpty { return TensorComparison(actual.isEmpty ? [] : [0], actual.isEmpty ? [] : [0]) }
        return TensorComparison(a, e, atol: atol)
    }

    /// Graft's outputs, in graph-output order.
    static func run(_ model: Model, inputs: [Tensor], batchSize: Int? = nil) throws -> [Tensor] {
        let executor = try ForwardExecutor(model: model, batchSize: batchSize)
        var feeds: [String: Tensor] = [:]
        for (input, tensor) in zip(model.graph.inputs, inputs) { feeds[input.name] = tensor }
        let results = try executor.run(inputs: feeds)
        return model.graph.outputs.map { results[$0]! }
    }

    /// Runs a python script, returning what it printed; throws with the end of it when it fails.
    @discardableResult
    static func python(_ arguments: [String]) throws -> String {
        guard let python = CrossCheck.onnxPython else { throw Failure("no ONNX python (set GRAFT_ONNX_PYTHON)") }
        let (status, output) = try ChildProcess.run(python, arguments)
        guard status == 0 else { throw Failure("python \(arguments.first ?? "") failed: \(output.suffix(4000))") }
        return output
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
