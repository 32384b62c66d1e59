import Testing
@testable import GraftCore

struct ModelSurgeryTests {
    private var quick: Model {
        let graph = Architectures.cifar10Quick()
        return Model(graph: graph, weights: graph.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
    }

    @Test func trainableLayersInOrder() {
        #expect(quick.trainableLayers == ["conv1", "conv2", "conv3", "ip1", "ip2"])
        #expect(quick.classifierNode == "ip2")
    }

    @Test func newHeadHasTheRightShapeAndKeepsTheRest() throws {
        let tuned = try quick.replacingHead(classes: 2, learningRateBoost: 10, labels: ["benign", "malignant"], seed: 3)
        #expect(tuned.graph.node(named: "ip2")?.parameters == [ParameterSpec("weight", [2, 64]), ParameterSpec("bias", [2])])
        #expect(tuned.weights["ip2.weight"]?.shape == [2, 64])
        #expect(tuned.weights["ip2.bias"]?.scalars == [0, 0])
        #expect(tuned.weights["conv1.weight"] == quick.weights["conv1.weight"])
        #expect(tuned.training?.parameters["ip2.weight"]?.learningRateMultiplier == 10)
        #expect(tuned.training?.classLabels == ["benign", "malignant"])
        let std = tuned.weights["ip2.weight"]!.scalars.map { $0 * $0 }.reduce(0, +) / 128
        #expect(std.squareRoot() < 0.02)
        #expect(try tuned.graph.inferShapes().values["prob"] == [1, 2])
    }

    @Test func scratchChangesEveryWeightDeterministically() {
        let a = quick.reinitialized(seed: 5), b = quick.reinitialized(seed: 5)
        #expect(a.weights == b.weights)
        #expect(a.weights["conv1.weight"] != quick.weights["conv1.weight"])
        #expect(a.weights["conv1.bias"]!.scalars.allSatisfy { $0 == 0 })
    }
}
