import Testing
@testable import GraftCore
import GraftZoo

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

    /// Convolutions follow a new input size; a fully connected layer sized for the old one is named.
    @Test func resizingTheInputAdaptsConvolutionsAndNamesTheLayerThatCannot() throws {
        var b = GraphBuilder(name: "FCN", input: "data", shape: [1, 3, 16, 16])
        b.conv("conv1", 8, kernel: 3, pad: 1)
        b.relu("relu1")
        let fcn = Model(graph: b.graph, weights: b.graph.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
        let resized = try fcn.resizingInput(height: 40, width: 24)
        #expect(resized.graph.inputs[0].shape == [1, 3, 40, 24])
        #expect(try resized.graph.inferShapes().values["relu1"] == [1, 8, 40, 24])
        #expect(resized.weights == fcn.weights)
        let tiny = Architectures.tinyCNN()
        let model = Model(graph: tiny, weights: tiny.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
        #expect(try model.resizingInput(height: 16, width: 16).graph == tiny)
        do {
            _ = try model.resizingInput(height: 32, width: 32)
            Issue.record("a fully connected layer sized for 16x16 took 32x32")
        } catch {
            #expect("\(error)".contains("'fc'"), "\(error)")
        }
        #expect(throws: GraphError.self) { try model.resizingInput(height: 0, width: 16) }
    }

    /// Keras's `trainable: false` (frozen, rate kept) is lifted from the chosen layer on; Caffe's
    /// `lr_mult: 0` (frozen at rate 0) is not; nothing changes without training metadata.
    @Test func recordedFreezeIsLiftedFromTheChosenLayerOn() {
        var model = quick
        typealias S = TrainingMetadata.ParameterSettings
        model.training = TrainingMetadata(parameters: [
            "conv1.weight": S(frozen: true), "conv2.weight": S(frozen: true), "conv2.bias": S(frozen: true),
            "conv3.weight": S(learningRateMultiplier: 0, decayMultiplier: 0, frozen: true), "ip1.weight": S(frozen: true),
            "ip1.bias": S(learningRateMultiplier: 2),
        ])
        let (lifted, names) = model.liftingRecordedFreeze(from: "conv2")
        #expect(names == ["conv2.weight", "conv2.bias", "ip1.weight"])
        #expect(lifted.training?.frozenTensors == ["conv1.weight", "conv3.weight"])
        #expect(lifted.training?.parameters["ip1.bias"]?.learningRateMultiplier == 2)
        #expect(model.liftingRecordedFreeze(from: nil).lifted.count == 4)
        #expect(quick.liftingRecordedFreeze(from: "conv1").lifted.isEmpty)
    }

    @Test func scratchChangesEveryWeightDeterministically() {
        let a = quick.reinitialized(seed: 5), b = quick.reinitialized(seed: 5)
        #expect(a.weights == b.weights)
        #expect(a.weights["conv1.weight"] != quick.weights["conv1.weight"])
        #expect(a.weights["conv1.bias"]!.scalars.allSatisfy { $0 == 0 })
    }

    /// A feature extractor (Keras `include_top=False`: convolution, BatchNorm, activation after the
    /// last convolution) gets a head appended, never its last convolution replaced.
    @Test func aFeatureExtractorGetsAHeadAppended() throws {
        let graph = Graph(name: "base", inputs: [GraphInput(name: "x", shape: [1, 3, 8, 8])], nodes: [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 6, kernel: [3, 3])), inputs: ["x"]),
            Node(name: "bn", op: .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)), inputs: ["conv"]),
            Node(name: "act", op: .activation(.swish), inputs: ["bn"]),
        ], outputs: ["act"])
        var g = graph
        try g.deriveParameterSpecs()
        let base = Model(graph: g, weights: g.randomWeights(seed: 2), provenance: Provenance(sourceFormat: "graft"))
        #expect(!base.endsInClassifier)
        let tuned = try base.replacingHead(classes: 3, learningRateBoost: 10, seed: 4)
        #expect(tuned.graph.node(named: "conv")?.op == base.graph.node(named: "conv")?.op)
        #expect(tuned.weights["conv.weight"] == base.weights["conv.weight"])
        #expect(tuned.graph.nodes.suffix(3).map(\.op.kind) == [.pooling, .flatten, .innerProduct])
        #expect(tuned.weights["head.weight"]?.shape == [3, 6])
        #expect(tuned.training?.parameters["head.weight"]?.learningRateMultiplier == 10)
        #expect(try tuned.graph.inferShapes().values[tuned.graph.outputs[0]] == [1, 3])
        // A real classifier (CIFAR-10 quick: ip2 then softmax) is still replaced in place.
        #expect(quick.endsInClassifier)
    }
}
