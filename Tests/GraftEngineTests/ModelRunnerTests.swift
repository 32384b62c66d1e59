import GraftCore
import GraftZoo
import GraftEngine
import Testing

/// `ModelRunner` is what `graft run` and `graft verify` execute: any batch size, requested values,
/// typed errors for the wrong input.
struct ModelRunnerTests {
    private static func model() -> Model {
        let graph = Architectures.tinyCNN()
        return Model(graph: graph, weights: graph.randomWeights(seed: 2), provenance: Provenance(sourceFormat: "graft"))
    }

    @Test func runsAnyBatchSizeAndMatchesTheExecutor() throws {
        let model = Self.model()
        let runner = try ModelRunner(model: model, retaining: ["conv2"])
        for batch in [3, 1, 3] {
            let input = randomTensor([batch, 3, 16, 16], seed: UInt64(batch))
            let outputs = try runner.run(input, values: ["prob", "conv2"])
            #expect(outputs.map(\.name) == ["prob", "conv2"])
            let executor = try ForwardExecutor(graph: model.graph, weights: model.weights, batchSize: batch,
                                               retaining: .everyValue)
            let expected = try executor.run(inputs: ["data": input], outputs: ["prob", "conv2"])
            #expect(outputs[0].tensor == expected["prob"])
            #expect(outputs[1].tensor == expected["conv2"])
            #expect(try runner.run(input).map(\.name) == ["prob"])
        }
    }

    @Test func wrongInputsAreTypedErrors() throws {
        let runner = try ModelRunner(model: Self.model())
        #expect(throws: ExecutionError.wrongInputShape(input: "data", expected: [2, 3, 16, 16], actual: [2, 16, 16, 3])) {
            try runner.run(Tensor(shape: [2, 16, 16, 3]))
        }
        #expect(throws: ExecutionError.valueNotRetained("conv1")) { try runner.run(Tensor(shape: [1, 3, 16, 16]), values: ["conv1"]) }
        var twoInputs = Self.model()
        twoInputs.graph.inputs.append(GraphInput(name: "extra", shape: [1, 3]))
        #expect(throws: ExecutionError.notSingleInput(count: 2)) { try ModelRunner(model: twoInputs) }
    }
}
