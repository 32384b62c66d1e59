import Foundation
import GraftCore
@testable import GraftKernels
@testable import GraftEngine
import Testing

/// conv(3x3, pad 1) → relu → max pool 2/2 → flatten → inner product → softmax, on 2x5x5 inputs.
func smallClassifier(batch: Int = 1) throws -> (Graph, [String: Tensor]) {
    var graph = Graph(
        name: "small",
        inputs: [GraphInput(name: "data", shape: [batch, 2, 5, 5])],
        nodes: [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1])), inputs: ["data"]),
            Node(name: "relu", op: .relu(ReLU()), inputs: ["conv"]),
            Node(name: "pool", op: .pooling(Pooling(method: .max, kernel: [2, 2], rounding: .ceil)), inputs: ["relu"]),
            Node(name: "flat", op: .flatten(Flatten()), inputs: ["pool"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 4)), inputs: ["flat"]),
            Node(name: "prob", op: .softmax(Softmax()), inputs: ["fc"]),
        ],
        outputs: ["prob"])
    try graph.deriveParameterSpecs()
    let weights: [String: Tensor] = [
        "conv.weight": randomTensor([3, 2, 3, 3], seed: 201),
        "conv.bias": randomTensor([3], seed: 202),
        "fc.weight": randomTensor([4, 27], seed: 203),
        "fc.bias": randomTensor([4], seed: 204),
    ]
    return (graph, weights)
}

@Suite("ForwardExecutor")
struct ExecutorTests {
    @Test("end to end: conv → relu → pool → flatten → inner product → softmax matches an all-naive pipeline")
    func endToEnd() throws {
        let (graph, weights) = try smallClassifier(batch: 2)
        let x = randomTensor([2, 2, 5, 5], seed: 205, in: -2...2)
        let executor = try ForwardExecutor(graph: graph, weights: weights)
        let result = try executor.run(inputs: ["data": x])

        let conv = naiveConvolution(x, weight: weights["conv.weight"]!, bias: weights["conv.bias"]!,
                                    Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1]))
        let relu = Tensor(shape: conv.shape, scalars: conv.scalars.map { max($0, 0) })
        let pool = naivePooling(relu, Pooling(method: .max, kernel: [2, 2], rounding: .ceil), outputSize: (3, 3))
        let fc = naiveInnerProduct(pool.reshaped([2, 27]), weight: weights["fc.weight"]!, bias: weights["fc.bias"]!, axis: 1)
        var prob = fc
        for n in 0..<2 {
            let logits = fc.scalars[(n * 4)..<((n + 1) * 4)].map(Double.init)
            let largest = logits.max()!
            let total = logits.map { exp($0 - largest) }.reduce(0, +)
            for j in 0..<4 { prob.scalars[n * 4 + j] = Float(exp(logits[j] - largest) / total) }
        }
        #expect(Set(result.keys) == ["prob"])
        expectClose(result["prob"], prob)
    }

    @Test("any intermediate value or graph input can be requested by name")
    func intermediateValues() throws {
        let (graph, weights) = try smallClassifier()
        let x = randomTensor([1, 2, 5, 5], seed: 206)
        let executor = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
        let all = try executor.run(inputs: ["data": x], outputs: ["data", "conv", "pool", "fc", "prob"])
        #expect(all["data"] == x)
        #expect(all["conv"]?.shape == [1, 3, 5, 5])
        #expect(all["pool"]?.shape == [1, 3, 3, 3])
        let conv = naiveConvolution(x, weight: weights["conv.weight"]!, bias: weights["conv.bias"]!,
                                    Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1]))
        expectClose(all["conv"], conv)
        // Asking for an early value alone gives the same numbers.
        let early = try executor.run(inputs: ["data": x], outputs: ["conv"])
        #expect(early["conv"] == all["conv"])
        #expect(executor.shape(of: "fc") == [1, 4])
        #expect(executor.shape(of: "nope") == nil)
    }

    @Test("a planned batch size replaces the recorded one; each image matches a batch-1 run")
    func batchSizeOverride() throws {
        let (graph, weights) = try smallClassifier(batch: 1)
        let batched = try ForwardExecutor(graph: graph, weights: weights, batchSize: 3)
        #expect(batched.batchSize == 3)
        #expect(batched.shape(of: "prob") == [3, 4])
        let single = try ForwardExecutor(model: Model(graph: graph, weights: weights, provenance: Provenance(sourceFormat: "graft")))
        #expect(single.batchSize == 1)
        let x = randomTensor([3, 2, 5, 5], seed: 207)
        let all = try #require(try batched.run(inputs: ["data": x])["prob"])
        for n in 0..<3 {
            let image = Tensor(shape: [1, 2, 5, 5], scalars: Array(x.scalars[(n * 50)..<((n + 1) * 50)]))
            let one = try #require(try single.run(inputs: ["data": image])["prob"])
            expectClose(Array(all.scalars[(n * 4)..<((n + 1) * 4)]), one.scalars)
        }
    }

    @Test("repeated runs reuse the same value buffers and give the same results")
    func steadyStateReusesBuffers() throws {
        // Deconvolution folds columns into its output: a second run must not accumulate onto the first.
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [1, 2, 3, 3])],
                          nodes: [Node(name: "up", op: .deconvolution(Deconvolution(outputChannels: 2, kernel: [3, 3], stride: [2, 2])), inputs: ["x"]),
                                  Node(name: "y", op: .eltwise(Eltwise(operation: .sum)), inputs: ["up", "up"])],
                          outputs: ["y"])
        try graph.deriveParameterSpecs()
        let executor = try ForwardExecutor(graph: graph, weights: ["up.weight": randomTensor([2, 2, 3, 3], seed: 208),
                                                                   "up.bias": randomTensor([2], seed: 209)])
        let addresses = executor.plan.values.buffers.map { UInt(bitPattern: $0.pointer) }
        let scratch = UInt(bitPattern: executor.plan.scratch.pointer)
        let x = randomTensor([1, 2, 3, 3], seed: 210)
        let first = try executor.run(inputs: ["x": x])
        _ = try executor.run(inputs: ["x": randomTensor([1, 2, 3, 3], seed: 211)])
        let third = try executor.run(inputs: ["x": x])
        #expect(first == third)
        #expect(executor.plan.values.buffers.map { UInt(bitPattern: $0.pointer) } == addresses)
        #expect(UInt(bitPattern: executor.plan.scratch.pointer) == scratch)
    }

    @Test("branches: 1x1 and 3x3 convolutions concatenated, then BatchNorm, Scale, ReLU (values fan out)")
    func branchingGraph() throws {
        var graph = Graph(
            inputs: [GraphInput(name: "x", shape: [2, 3, 4, 4])],
            nodes: [
                Node(name: "a", op: .convolution(Convolution(outputChannels: 2, kernel: [1, 1])), inputs: ["x"]),
                Node(name: "b", op: .convolution(Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1], hasBias: false)), inputs: ["x"]),
                Node(name: "cat", op: .concat(Concat()), inputs: ["a", "b"]),
                Node(name: "bn", op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: ["cat"]),
                Node(name: "sc", op: .scale(Scale(hasBias: true)), inputs: ["bn"]),
                Node(name: "out", op: .relu(ReLU()), inputs: ["sc"]),
            ],
            outputs: ["out", "a"])
        try graph.deriveParameterSpecs()
        let weights: [String: Tensor] = [
            "a.weight": randomTensor([2, 3, 1, 1], seed: 211), "a.bias": randomTensor([2], seed: 212),
            "b.weight": randomTensor([3, 3, 3, 3], seed: 213),
            "bn.mean": randomTensor([5], seed: 214), "bn.variance": randomTensor([5], seed: 215, in: 0.5...2),
            "sc.scale": randomTensor([5], seed: 216), "sc.bias": randomTensor([5], seed: 217),
        ]
        let x = randomTensor([2, 3, 4, 4], seed: 218)
        let result = try ForwardExecutor(graph: graph, weights: weights).run(inputs: ["x": x])
        #expect(Set(result.keys) == ["out", "a"])

        let a = naiveConvolution(x, weight: weights["a.weight"]!, bias: weights["a.bias"]!, Convolution(outputChannels: 2, kernel: [1, 1]))
        let b = naiveConvolution(x, weight: weights["b.weight"]!, bias: nil,
                                 Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1], hasBias: false))
        var expected = Tensor(shape: [2, 5, 4, 4])
        for n in 0..<2 { for c in 0..<5 { for i in 0..<16 {
            let v = c < 2 ? a.scalars[(n * 2 + c) * 16 + i] : b.scalars[(n * 3 + c - 2) * 16 + i]
            let normalized = (v - weights["bn.mean"]!.scalars[c]) / (weights["bn.variance"]!.scalars[c] + 1e-5).squareRoot()
            let scaled = normalized * weights["sc.scale"]!.scalars[c] + weights["sc.bias"]!.scalars[c]
            expected.scalars[(n * 5 + c) * 16 + i] = max(scaled, 0)
        } } }
        expectClose(result["a"], a)
        expectClose(result["out"], expected)
    }
}

@Suite("ForwardExecutor errors")
struct ExecutorErrorTests {
    @Test("an opaque node is not executable, with or without recorded output shapes", arguments: [[], [Shape([1, 4])]])
    func opaqueNode(_ shapes: [Shape]) throws {
        let graph = Graph(inputs: [GraphInput(name: "x", shape: [1, 4])],
                          nodes: [Node(name: "mystery", op: .opaque(Opaque(framework: "caffe", type: "Python", outputShapes: shapes)),
                                       inputs: ["x"])],
                          outputs: ["mystery"])
        #expect(throws: ExecutionError.notExecutable(node: "mystery", framework: "caffe", type: "Python")) {
            try ForwardExecutor(graph: graph, weights: [:])
        }
    }

    @Test("a missing weight names the node and the key")
    func missingWeight() throws {
        let graph = try singleNodeGraph(.innerProduct(InnerProduct(outputCount: 2)), inputShapes: [[1, 3]])
        #expect(throws: ExecutionError.missingWeight(node: "node", key: "node.bias")) {
            try ForwardExecutor(graph: graph, weights: ["node.weight": Tensor(shape: [2, 3])])
        }
    }

    @Test("a weight of the wrong shape names the node, key and both shapes")
    func weightShape() throws {
        let graph = try singleNodeGraph(.innerProduct(InnerProduct(outputCount: 2, hasBias: false)), inputShapes: [[1, 3]])
        #expect(throws: ExecutionError.weightShapeMismatch(node: "node", key: "node.weight", expected: [2, 3], actual: [3, 2])) {
            try ForwardExecutor(graph: graph, weights: ["node.weight": Tensor(shape: [3, 2])])
        }
    }

    @Test("run checks input names and shapes, and requested value names")
    func runChecks() throws {
        let graph = try singleNodeGraph(.relu(ReLU()), inputShapes: [[2, 3]])
        let executor = try ForwardExecutor(graph: graph, weights: [:])
        #expect(throws: ExecutionError.wrongInputShape(input: "x", expected: [2, 3], actual: [1, 3])) {
            try executor.run(inputs: ["x": Tensor(shape: [1, 3])])
        }
        #expect(throws: ExecutionError.missingInput("x")) { try executor.run(inputs: [:]) }
        #expect(throws: ExecutionError.unknownInput("z")) {
            try executor.run(inputs: ["x": Tensor(shape: [2, 3]), "z": Tensor(shape: [2, 3])])
        }
        #expect(throws: ExecutionError.unknownValue("nope")) {
            try executor.run(inputs: ["x": Tensor(shape: [2, 3])], outputs: ["y", "nope"])
        }
    }

    @Test("planning rejects a non-positive batch size and shapes that do not work out")
    func planningErrors() throws {
        let graph = try singleNodeGraph(.relu(ReLU()), inputShapes: [[2, 3]])
        #expect(throws: ExecutionError.invalidBatchSize(0)) { try ForwardExecutor(graph: graph, weights: [:], batchSize: 0) }

        let conv = Graph(inputs: [GraphInput(name: "x", shape: [1, 3, 2, 2])],
                         nodes: [Node(name: "big", op: .convolution(Convolution(outputChannels: 1, kernel: [5, 5])), inputs: ["x"],
                                      parameters: [ParameterSpec("weight", [1, 3, 5, 5]), ParameterSpec("bias", [1])])],
                         outputs: ["big"])
        do {
            _ = try ForwardExecutor(graph: conv, weights: [:])
            Issue.record("expected an error")
        } catch {
            guard case .invalidGraph(.invalidShape(let node, _)) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(node == "big")
        }
    }

    @Test("errors read well")
    func descriptions() {
        #expect(ExecutionError.notExecutable(node: "p", framework: "caffe", type: "Python").description
                == "node 'p' is an opaque caffe layer of type 'Python', which Graft cannot execute")
        #expect(ExecutionError.wrongInputShape(input: "data", expected: [1, 3, 227, 227], actual: [1, 3, 224, 224]).description
                == "graph input 'data' has shape 1x3x224x224, expected 1x3x227x227")
    }
}

/// Inference plans share buffers between values whose lifetimes do not overlap, unless asked to
/// keep every value.
@Suite("ForwardExecutor memory sharing")
struct ExecutorSharingTests {
    /// A chain with a skip connection and a branch that ends early: x → a → b → c, d = a + c, e = relu(d).
    static func residual() throws -> (Graph, [String: Tensor]) {
        var graph = Graph(
            name: "residual", inputs: [GraphInput(name: "x", shape: [2, 4, 6, 6])],
            nodes: [
                Node(name: "a", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1])), inputs: ["x"]),
                Node(name: "b", op: .relu(ReLU()), inputs: ["a"]),
                Node(name: "c", op: .convolution(Convolution(outputChannels: 4, kernel: [1, 1])), inputs: ["b"]),
                Node(name: "d", op: .eltwise(Eltwise(operation: .sum)), inputs: ["a", "c"]),
                Node(name: "e", op: .relu(ReLU()), inputs: ["d"]),
                Node(name: "f", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1])), inputs: ["e"]),
                Node(name: "g", op: .relu(ReLU()), inputs: ["f"]),
            ],
            outputs: ["g"])
        try graph.deriveParameterSpecs()
        let weights: [String: Tensor] = [
            "a.weight": randomTensor([4, 4, 3, 3], seed: 301), "a.bias": randomTensor([4], seed: 302),
            "c.weight": randomTensor([4, 4, 1, 1], seed: 303), "c.bias": randomTensor([4], seed: 304),
            "f.weight": randomTensor([4, 4, 3, 3], seed: 305), "f.bias": randomTensor([4], seed: 306),
        ]
        return (graph, weights)
    }

    @Test("shared buffers give every retained value exactly as separate ones do, run after run")
    func sameResults() throws {
        let (graph, weights) = try Self.residual()
        let separate = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
        let shared = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["b"]))
        #expect(shared.plan.values.buffers.count < separate.plan.values.buffers.count)
        #expect(separate.plan.values.buffers.count == 8)   // x and seven node outputs
        for seed in [310, 311] as [UInt64] {
            let x = randomTensor([2, 4, 6, 6], seed: seed)
            let expected = try separate.run(inputs: ["x": x], outputs: ["g", "b", "x"])
            let actual = try shared.run(inputs: ["x": x], outputs: ["g", "b", "x"])
            #expect(actual == expected)
        }
    }

    @Test("a value that is read later never shares with a value written meanwhile")
    func liveValuesDoNotShare() throws {
        let (graph, weights) = try Self.residual()
        // Keeping c keeps the sum d a layer of its own (otherwise c folds into it and writes d).
        let executor = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["c"]))
        #expect(executor.plan.layers.map(\.node).contains("d"))
        let plan = executor.plan
        func address(_ name: String) -> UnsafeMutablePointer<Float> { plan.values.pointer(plan.valueIDs[name]!) }
        // a is read by d, after b and c are written: all three distinct, and x (an input) is kept.
        let names = ["x", "a", "b", "c"]
        #expect(Set(names.map(address)).count == names.count)
        #expect(address("d") != address("a") && address("d") != address("c"))
        // After d, a, b and c are dead: later values reuse their memory.
        #expect(Set(["e", "f", "g"].map(address)).isSubset(of: Set(["a", "b", "c", "d"].map(address))))
    }

    @Test("asking for a value that was not kept is a typed error; naming an unknown one at planning too")
    func notRetained() throws {
        let (graph, weights) = try Self.residual()
        let executor = try ForwardExecutor(graph: graph, weights: weights)
        let x = randomTensor([2, 4, 6, 6], seed: 312)
        #expect(throws: ExecutionError.valueNotRetained("c")) { try executor.run(inputs: ["x": x], outputs: ["c"]) }
        #expect(try executor.run(inputs: ["x": x], outputs: ["x"])["x"] == x)
        #expect(throws: ExecutionError.unknownValue("nope")) {
            try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["nope"]))
        }
    }
}

extension ExecutorSharingTests {
    /// Convolutions of every strategy, each followed by a ReLU (plain, capped, leaky, thresholded).
    static func activations(batch: Int) throws -> (Graph, [String: Tensor]) {
        var graph = Graph(
            name: "activations", inputs: [GraphInput(name: "x", shape: [batch, 8, 9, 9])],
            nodes: [
                Node(name: "c1", op: .convolution(Convolution(outputChannels: 16, kernel: [3, 3], padBegin: [1, 1])), inputs: ["x"]),
                Node(name: "r1", op: .relu(ReLU()), inputs: ["c1"]),
                Node(name: "dw", op: .convolution(Convolution(outputChannels: 16, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], groups: 16)), inputs: ["r1"]),
                Node(name: "r2", op: .relu(ReLU(negativeSlope: 0.05, maxValue: 6, threshold: 0.1)), inputs: ["dw"]),
                Node(name: "pw", op: .convolution(Convolution(outputChannels: 12, kernel: [1, 1])), inputs: ["r2"]),
                Node(name: "r3", op: .relu(ReLU(negativeSlope: 0.1)), inputs: ["pw"]),
                Node(name: "wide", op: .convolution(Convolution(outputChannels: 128, kernel: [3, 3], padBegin: [1, 1])), inputs: ["r3"]),
                Node(name: "r4", op: .relu(ReLU(threshold: 0.2)), inputs: ["wide"]),
                Node(name: "kept", op: .convolution(Convolution(outputChannels: 4, kernel: [1, 1])), inputs: ["r4"]),
                Node(name: "r5", op: .relu(ReLU()), inputs: ["kept"]),
            ],
            outputs: ["r5", "kept"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 400))
    }

    @Test("a ReLU after a convolution is folded into it: the same bits on every strategy, not when its input is kept")
    func fusedActivations() throws {
        var strategiesSeen = Set<ConvolutionKernels.Strategy>()
        for batch in [1, 3] {
            for forced in [nil, .im2colGEMM, .winograd, .winograd4, .pointwiseGEMM] as [ConvolutionKernels.Strategy?] {
                let (graph, weights) = try Self.activations(batch: batch)
                let x = randomTensor([batch, 8, 9, 9], seed: 420)
                let (separate, fused) = try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                    (try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue),
                     try ForwardExecutor(graph: graph, weights: weights))
                }
                // r1-r4 fold into c1, dw, pw and wide; r5 stays, since its input "kept" is a graph output.
                #expect(fused.plan.layers.map(\.node) == ["c1", "dw", "pw", "wide", "kept", "r5"])
                #expect(separate.plan.layers.count == 10)
                strategiesSeen.formUnion(fused.plan.layers.compactMap { ($0 as? ConvolutionLayer)?.strategy })
                let expected = try separate.run(inputs: ["x": x], outputs: ["r5", "kept"])
                let actual = try fused.run(inputs: ["x": x])
                #expect(actual["r5"]!.scalars.map(\.bitPattern) == expected["r5"]!.scalars.map(\.bitPattern), "\(String(describing: forced))")
                #expect(actual["kept"]!.scalars.map(\.bitPattern) == expected["kept"]!.scalars.map(\.bitPattern))
                #expect(throws: ExecutionError.valueNotRetained("c1")) { try fused.run(inputs: ["x": x], outputs: ["c1"]) }
                // Asking to keep a convolution's output keeps its ReLU separate.
                let keeping = try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                    try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["wide"]))
                }
                #expect(keeping.plan.layers.map(\.node).contains("r4"))
                #expect(try keeping.run(inputs: ["x": x], outputs: ["wide"])["wide"] == (try separate.run(inputs: ["x": x], outputs: ["wide"]))["wide"])
            }
        }
        let all: Set<ConvolutionKernels.Strategy> = [.im2colGEMM, .winograd, .pointwiseGEMM, .depthwiseDirect]
        #expect(all.isSubset(of: strategiesSeen), "\(strategiesSeen)")
        if PanelKernels.active != .none { #expect(strategiesSeen.isSuperset(of: [.imageParallel, .winograd4])) }
    }
}

extension ExecutorSharingTests {
    /// Residual blocks of every kind: an identity skip over a 1x1 convolution, a downsampling
    /// block whose sum adds two convolutions, a sum whose convolution (depthwise) is its second
    /// operand, a wide 3x3 block (Winograd when forced; on 8-pixel rows, the direct kernel on the
    /// panels), and a weighted sum that must stay.
    static func residualBlocks(batch: Int) throws -> (Graph, [String: Tensor]) {
        func conv(_ outputs: Int, _ k: Int, stride: Int = 1, groups: Int = 1) -> Op {
            .convolution(Convolution(outputChannels: outputs, kernel: [k, k], stride: [stride, stride],
                                     padBegin: [(k - 1) / 2, (k - 1) / 2], groups: groups))
        }
        var graph = Graph(
            name: "residual blocks", inputs: [GraphInput(name: "x", shape: [batch, 8, 9, 16])],
            nodes: [
                Node(name: "stem", op: conv(16, 3), inputs: ["x"]),
                Node(name: "stemRelu", op: .relu(ReLU()), inputs: ["stem"]),
                Node(name: "p1", op: conv(16, 1), inputs: ["stemRelu"]),
                Node(name: "sum1", op: .eltwise(Eltwise(operation: .sum)), inputs: ["p1", "stemRelu"]),
                Node(name: "relu1", op: .relu(ReLU()), inputs: ["sum1"]),
                Node(name: "main", op: conv(16, 3, stride: 2), inputs: ["relu1"]),
                Node(name: "down", op: conv(16, 1, stride: 2), inputs: ["relu1"]),
                Node(name: "sum2", op: .eltwise(Eltwise(operation: .sum, coefficients: [1, 1])), inputs: ["main", "down"]),
                Node(name: "relu2", op: .relu(ReLU(maxValue: 6)), inputs: ["sum2"]),
                Node(name: "dw", op: conv(16, 3, groups: 16), inputs: ["relu2"]),
                Node(name: "sum3", op: .eltwise(Eltwise(operation: .sum)), inputs: ["relu2", "dw"]),
                Node(name: "w1", op: conv(128, 1), inputs: ["sum3"]),
                Node(name: "w2", op: conv(128, 3), inputs: ["w1"]),
                Node(name: "sum4", op: .eltwise(Eltwise(operation: .sum)), inputs: ["w2", "w1"]),
                Node(name: "relu4", op: .relu(ReLU(negativeSlope: 0.1, threshold: 0.2)), inputs: ["sum4"]),
                Node(name: "head", op: conv(128, 1), inputs: ["relu4"]),
                Node(name: "sum5", op: .eltwise(Eltwise(operation: .sum, coefficients: [1, 2])), inputs: ["head", "relu4"]),
            ],
            outputs: ["sum5"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 500))
    }

    @Test("a sum after a convolution is folded into it, and the ReLU after the sum: the same bits on every strategy")
    func fusedResiduals() throws {
        var strategiesSeen = Set<ConvolutionKernels.Strategy>()
        for batch in [1, 3] {
            for forced in [nil, .im2colGEMM, .winograd, .winograd4, .pointwiseGEMM] as [ConvolutionKernels.Strategy?] {
                let (graph, weights) = try Self.residualBlocks(batch: batch)
                let x = randomTensor([batch, 8, 9, 16], seed: 520)
                let (separate, fused) = try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                    (try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue),
                     try ForwardExecutor(graph: graph, weights: weights))
                }
                // (The conversions of a plan that keeps "dw" and "w1" in channel blocks aside.)
                let names = fused.plan.layers.filter { !($0 is ChannelReorderLayer) }.map(\.node)
                // Every unweighted sum and the ReLUs after them fold in; one of the downsampling
                // block's two convolutions takes the sum's place; the weighted sum stays.
                #expect(names == ["stem", "p1", "down", "main", "dw", "w1", "w2", "head", "sum5"], "\(names)")
                #expect(separate.plan.layers.count == 17)
                strategiesSeen.formUnion(fused.plan.layers.compactMap { ($0 as? ConvolutionLayer)?.strategy })
                let w2 = try #require(fused.plan.layers.first { $0.node == "w2" } as? ConvolutionLayer)
                #expect(w2.residual != nil)
                if forced == nil, PanelKernels.active != .none { #expect(w2.geometry.patches.supportsDirect(PanelKernels.active)) }
                let expected = try separate.run(inputs: ["x": x])["sum5"]!
                let actual = try fused.run(inputs: ["x": x])["sum5"]!
                #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "batch \(batch), \(String(describing: forced))")
                // Keeping a convolution's output keeps its sum separate.
                let keeping = try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                    try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["w2"]))
                }
                #expect(keeping.plan.layers.map(\.node).contains("sum4"))
                #expect(try keeping.run(inputs: ["x": x])["sum5"]!.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern))
            }
        }
        let all: Set<ConvolutionKernels.Strategy> = [.im2colGEMM, .winograd, .pointwiseGEMM, .depthwiseDirect]
        #expect(all.isSubset(of: strategiesSeen), "\(strategiesSeen)")
        if PanelKernels.active != .none { #expect(strategiesSeen.isSuperset(of: [.imageParallel, .winograd4])) }
    }
}

extension ExecutorSharingTests {
    @Test("planning that takes a model's weights gives the same bits, and a model the caller still holds keeps them")
    func takingWeights() throws {
        for batch in [1, 3] {
            for (graph, weights) in [try Self.residualBlocks(batch: batch), try Self.activations(batch: batch)] {
                let x = randomTensor(graph.inputs[0].shape, seed: 610)
                let expected = try ForwardExecutor(graph: graph, weights: weights).run(inputs: ["x": x])
                // A model no one else holds: its tensors are released as the plan copies them.
                var copies: [String: Tensor] = [:]
                for (key, tensor) in weights { copies[key] = Tensor(shape: tensor.shape, scalars: Array(tensor.scalars)) }
                let taken = try ForwardExecutor(taking: Model(graph: graph, weights: copies, provenance: Provenance(sourceFormat: "graft")))
                copies = [:]
                let actual = try taken.run(inputs: ["x": x])
                for (name, tensor) in expected {
                    let bits = actual[name].map { $0.scalars.map { $0.bitPattern } }
                    #expect(bits == tensor.scalars.map { $0.bitPattern }, "\(graph.name) \(name)")
                }
                // A model the caller keeps: taking it frees nothing and changes nothing.
                let kept = Model(graph: graph, weights: weights, provenance: Provenance(sourceFormat: "graft"))
                let again = try ForwardExecutor(taking: kept).run(inputs: ["x": x])
                #expect(kept.weights.count == weights.count)
                #expect(again.keys.sorted() == expected.keys.sorted())
            }
        }
    }
}
