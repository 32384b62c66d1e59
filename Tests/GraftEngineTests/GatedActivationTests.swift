import GraftCore
@testable import GraftKernels
@testable import GraftEngine
import Testing

/// EfficientNet's and MobileNetV3's activations in an inference plan: `x · sigmoid(x)` written as
/// two nodes (PyTorch's ONNX export) becomes one Swish, `x · hardSigmoid(x)` one HardSwish; either,
/// and the native ones, fold into the convolution before them on every strategy; the
/// squeeze-and-excitation product runs on blocked channels. Every folding must give the separate
/// layers' bits.
@Suite("Gated activations")
struct GatedActivationTests {
    /// A stem by the output lanes, a Swish written as Sigmoid + Mul, a depthwise layer with a
    /// native Swish, squeeze-and-excitation (global average, two 1x1 layers, a Sigmoid gate, a
    /// broadcast product), a 1x1 projection, an expansion with HardSigmoid + Mul, a 3x3 layer
    /// with a native HardSwish, and a Mul of a Sigmoid by another value (not a Swish).
    static func graph(batch: Int, channels: Int = 16) throws -> (Graph, [String: Tensor]) {
        func conv(_ outputs: Int, _ k: Int, stride: Int = 1, groups: Int = 1) -> Op {
            .convolution(Convolution(outputChannels: outputs, kernel: [k, k], stride: [stride, stride],
                                     padBegin: [(k - 1) / 2, (k - 1) / 2], groups: groups))
        }
        let product = Op.eltwise(Eltwise(operation: .product))
        var graph = Graph(
            name: "gated", inputs: [GraphInput(name: "x", shape: [batch, 3, 18, 18])],
            nodes: [
                Node(name: "stem", op: conv(channels, 3, stride: 2), inputs: ["x"]),
                Node(name: "stemGate", op: .activation(.sigmoid), inputs: ["stem"]),
                Node(name: "stemSwish", op: product, inputs: ["stem", "stemGate"]),
                Node(name: "expand", op: conv(4 * channels, 1), inputs: ["stemSwish"]),
                Node(name: "expandGate", op: .activation(.sigmoid), inputs: ["expand"]),
                Node(name: "expandSwish", op: product, inputs: ["expandGate", "expand"]),
                Node(name: "dw", op: conv(4 * channels, 3, groups: 4 * channels), inputs: ["expandSwish"]),
                Node(name: "dwSwish", op: .activation(.swish), inputs: ["dw"]),
                Node(name: "squeeze", op: .pooling(Pooling(method: .average, global: true)), inputs: ["dwSwish"]),
                Node(name: "reduce", op: conv(4, 1), inputs: ["squeeze"]),
                Node(name: "reduceSwish", op: .activation(.swish), inputs: ["reduce"]),
                Node(name: "excite", op: conv(4 * channels, 1), inputs: ["reduceSwish"]),
                Node(name: "gate", op: .activation(.sigmoid), inputs: ["excite"]),
                Node(name: "scaled", op: product, inputs: ["dwSwish", "gate"]),
                Node(name: "project", op: conv(channels, 1), inputs: ["scaled"]),
                Node(name: "wide", op: conv(2 * channels, 1), inputs: ["project"]),
                Node(name: "wideGate", op: .activation(.hardSigmoidOneSixth), inputs: ["wide"]),
                Node(name: "wideSwish", op: product, inputs: ["wide", "wideGate"]),
                Node(name: "head", op: conv(2 * channels, 3), inputs: ["wideSwish"]),
                Node(name: "headSwish", op: .activation(.hardSwish), inputs: ["head"]),
                Node(name: "other", op: conv(2 * channels, 1), inputs: ["headSwish"]),
                Node(name: "otherGate", op: .activation(.sigmoid), inputs: ["other"]),
                Node(name: "notSwish", op: product, inputs: ["otherGate", "headSwish"]),
            ],
            outputs: ["notSwish"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 700))
    }

    @Test("Sigmoid · x and HardSigmoid · x become Swish and HardSwish, fold into convolutions on every strategy: the separate layers' bits")
    func gatedActivationsFold() throws {
        var strategiesSeen = Set<ConvolutionKernels.Strategy>()
        for batch in [1, 3] {
            for forced in [nil, .im2colGEMM, .winograd, .winograd4, .pointwiseGEMM, .outputLanes] as [ConvolutionKernels.Strategy?] {
                let (graph, weights) = try Self.graph(batch: batch)
                // Values of a few units, so that e^-|x| runs far from 1.
                let x = Tensor(shape: [batch, 3, 18, 18], scalars: randomTensor([batch, 3, 18, 18], seed: 720).scalars.map { $0 * 6 })
                let (separate, fused) = try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                    (try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue),
                     try ForwardExecutor(graph: graph, weights: weights))
                }
                let names = fused.plan.layers.filter { !($0 is ChannelReorderLayer) }.map(\.node)
                // Each gated product and native activation folds into its convolution (the
                // expansion into the depthwise layer where blocks fuse them); the gate of the
                // squeeze-and-excitation and the product of a Sigmoid by another value stay.
                for gone in ["stemGate", "stemSwish", "expandGate", "expandSwish", "dwSwish", "reduceSwish", "wideGate",
                             "wideSwish", "headSwish"] {
                    #expect(!names.contains(gone), "\(gone) in \(names)")
                }
                for kept in ["gate", "scaled", "otherGate", "notSwish"] { #expect(names.contains(kept), "\(kept) not in \(names)") }
                let folded = fused.plan.layers.compactMap { $0 as? ConvolutionLayer }
                #expect(folded.first { $0.node == "stem" }?.activation == .swish)
                #expect(folded.first { $0.node == "head" }?.activation == .hardSwish)
                strategiesSeen.formUnion(folded.map(\.strategy))
                let expected = try separate.run(inputs: ["x": x])["notSwish"]!
                let actual = try fused.run(inputs: ["x": x])["notSwish"]!
                let differing = zip(actual.scalars, expected.scalars).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "batch \(batch), \(String(describing: forced)): \(differing) of \(expected.elementCount) differ")
                let finite = expected.scalars.allSatisfy { $0.isFinite }
                #expect(finite)
            }
        }
        let all: Set<ConvolutionKernels.Strategy> = [.im2colGEMM, .winograd, .pointwiseGEMM, .depthwiseDirect]
        #expect(all.isSubset(of: strategiesSeen), "\(strategiesSeen)")
        if PanelKernels.active != .none { #expect(strategiesSeen.isSuperset(of: [.imageParallel, .winograd4, .outputLanes])) }
    }

    @Test("a gate that is kept, read twice, or multiplied by another value stays a Sigmoid and a product")
    func gatesThatStay() throws {
        let (graph, weights) = try Self.graph(batch: 1)
        let keeping = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["stemGate"]))
        let names = keeping.plan.layers.map(\.node)
        #expect(names.contains("stemGate") && names.contains("stemSwish"), "\(names)")
        // A gate with a second reader.
        var twice = graph
        twice.nodes.append(Node(name: "gateAgain", op: .activation(.tanh), inputs: ["expandGate"]))
        twice.outputs.append("gateAgain")
        let plan = try ForwardExecutor(graph: twice, weights: weights).plan.layers.map(\.node)
        #expect(plan.contains("expandGate") && plan.contains("expandSwish"), "\(plan)")
    }

    @Test("squeeze-and-excitation's product on blocked channels = the planar broadcast product, bit for bit")
    func blockedScale() throws {
        try #require(PanelKernels.active == .avx2, "blocked channels are planned on AVX2 only")
        for batch in [1, 3] {
            let (graph, weights) = try Self.graph(batch: batch)
            let x = randomTensor([batch, 3, 18, 18], seed: 730)
            let blocked = try ForwardExecutor(graph: graph, weights: weights)
            let scaled = try #require(blocked.plan.layers.first { $0.node == "scaled" } as? EltwiseLayer)
            #expect(scaled.runsOnBlocks, "the product stayed planar")
            let planar = try ChannelBlocks.$allowed.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
            #expect(planar.plan.layers.allSatisfy { !($0 is ChannelReorderLayer) })
            let expected = try planar.run(inputs: ["x": x])["notSwish"]!, actual = try blocked.run(inputs: ["x": x])["notSwish"]!
            let differing = zip(actual.scalars, expected.scalars).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "batch \(batch): \(differing) of \(expected.elementCount) differ")
        }
        // The kernel alone, the factors first or second.
        let (batch, channels, area) = (2, 24, 13)
        let map = randomTensor([batch, channels, area], seed: 740), factors = randomTensor([batch, channels], seed: 741)
        var blockedMap = [Float](repeating: 0, count: map.elementCount), out = blockedMap
        ChannelBlocks.toBlocks(map.scalars, batch: batch, channels: channels, area: area, into: &blockedMap)
        ChannelBlocks.scaleForward(input: blockedMap, factors: factors.scalars, output: &out, batch: batch, channels: channels, area: area)
        var planar = blockedMap
        ChannelBlocks.fromBlocks(out, batch: batch, channels: channels, area: area, into: &planar)
        var mismatches = 0
        for n in 0..<batch {
            for c in 0..<channels {
                for p in 0..<area where planar[(n * channels + c) * area + p].bitPattern
                    != (map.scalars[(n * channels + c) * area + p] * factors.scalars[n * channels + c]).bitPattern { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
}
