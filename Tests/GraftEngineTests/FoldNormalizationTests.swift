import GraftCore
@testable import GraftEngine
@testable import GraftKernels
import Testing

/// BatchNorm, Scale and Bias folded into the convolution before them at inference
/// (``ExecutionPlan/foldNormalizations(_:retained:)``): the separate layers' values up to rounding.
@Suite("Normalizations folded into convolutions")
struct FoldNormalizationTests {
    /// Keras's conv (no bias) → BatchNorm (γ, β) → ReLU6, a depthwise conv → BatchNorm without γ
    /// and β → ReLU, Caffe's conv → BatchNorm → Scale (with bias) → sum with a skip, and a conv
    /// → Bias → Scale (no bias) chain.
    static func network(batch: Int) throws -> (Graph, [String: Tensor]) {
        func conv(_ outputs: Int, _ k: Int, groups: Int = 1, bias: Bool = true) -> Op {
            .convolution(Convolution(outputChannels: outputs, kernel: [k, k], padBegin: [(k - 1) / 2, (k - 1) / 2], groups: groups,
                                     hasBias: bias))
        }
        var graph = Graph(
            name: "normalized", inputs: [GraphInput(name: "x", shape: [batch, 3, 9, 11])],
            nodes: [
                Node(name: "c1", op: conv(16, 3, bias: false), inputs: ["x"]),
                Node(name: "bn1", op: .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)), inputs: ["c1"]),
                Node(name: "r1", op: .relu(ReLU(maxValue: 6)), inputs: ["bn1"]),
                Node(name: "dw", op: conv(16, 3, groups: 16, bias: false), inputs: ["r1"]),
                Node(name: "bn2", op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: ["dw"]),
                Node(name: "r2", op: .relu(ReLU()), inputs: ["bn2"]),
                Node(name: "c3", op: conv(16, 1), inputs: ["r2"]),
                Node(name: "bn3", op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: ["c3"]),
                Node(name: "sc3", op: .scale(Scale(hasBias: true)), inputs: ["bn3"]),
                Node(name: "sum", op: .eltwise(Eltwise(operation: .sum)), inputs: ["sc3", "r1"]),
                Node(name: "c4", op: conv(8, 3), inputs: ["sum"]),
                Node(name: "b4", op: .bias(Bias()), inputs: ["c4"]),
                Node(name: "s4", op: .scale(Scale()), inputs: ["b4"]),
            ],
            outputs: ["s4"])
        try graph.deriveParameterSpecs()
        var weights = graph.randomWeights(seed: 900)
        // Statistics as trained networks have them: means off zero, variances from 0.1 to 3.
        for name in ["bn1", "bn2", "bn3"] {
            let channels = weights["\(name).mean"]!.shape[0]
            weights["\(name).mean"] = randomTensor([channels], seed: 901, in: -2...2)
            weights["\(name).variance"] = randomTensor([channels], seed: 902, in: 0.1...3)
        }
        return (graph, weights)
    }

    @Test("folded plans give the separate layers' values (1 and 2 images), and keep what the caller keeps")
    func foldedMatchesSeparate() throws {
        for batch in [1, 2] {
            let (graph, weights) = try Self.network(batch: batch)
            let x = randomTensor([batch, 3, 9, 11], seed: 903, in: -2...2)
            let separate = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
            let folded = try ForwardExecutor(graph: graph, weights: weights)
            let names = folded.plan.layers.filter { !($0 is ChannelReorderLayer) }.map(\.node)
            // Every normalization folds into its convolution, the ReLUs and the sum after them too.
            #expect(names == ["c1", "dw", "c3", "c4"], "\(names)")
            let convolutions = folded.plan.layers.compactMap { $0 as? ConvolutionLayer }
            #expect(convolutions.allSatisfy { $0.bias != nil })
            let expected = try separate.run(inputs: ["x": x])["s4"]!
            expectClose(try folded.run(inputs: ["x": x])["s4"]!, expected, tolerance: 1e-5)
            #expect(expected.scalars.contains { abs($0) > 1 })

            // Keeping a convolution's output keeps its normalization separate; keeping the
            // normalization's output does not.
            let keeping = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["c3", "bn1"]))
            let kept = keeping.plan.layers.map(\.node)
            #expect(kept.contains("bn3") && !kept.contains("bn1") && !kept.contains("bn2"), "\(kept)")
            let values = try keeping.run(inputs: ["x": x], outputs: ["s4", "c3", "bn1"])
            let reference = try separate.run(inputs: ["x": x], outputs: ["s4", "c3", "bn1"])
            for name in ["s4", "c3", "bn1"] { expectClose(values[name]!, reference[name]!, tolerance: 1e-5) }

            // A plan that takes the weights reads each once.
            let taken = try ForwardExecutor(taking: Model(graph: graph, weights: weights, provenance: Provenance(sourceFormat: "graft")))
            expectClose(try taken.run(inputs: ["x": x])["s4"]!, expected, tolerance: 1e-5)
        }
    }

    @Test("composing maps: each folded step is the separate layer's formula")
    func composition() {
        let bn = ChannelAffine(before: [1, -2], scale: [0.5, 3], after: [0.25, 1])
        let scale = ChannelAffine(before: [0, 0], scale: [2, -1], after: [1, 0.5])
        let both = bn.then(scale)
        for y: Float in [-3, 0, 1.5] {
            for c in 0..<2 {
                let separate = ((y - bn.before[c]) * bn.scale[c] + bn.after[c]) * scale.scale[c] + scale.after[c]
                let composed = (y - both.before[c]) * both.scale[c] + both.after[c]
                #expect(abs(separate - composed) <= 1e-5 * max(1, abs(separate)), "y \(y) channel \(c)")
            }
        }
        let folded = both.fold(weight: Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4]), bias: Tensor(shape: [2], scalars: [10, 20]))
        #expect(folded.weight.scalars == [1, 2, 3, 4].enumerated().map { $1 * both.scale[$0 / 2] })
        #expect(folded.bias.scalars == [(10 - 1) * both.scale[0] + both.after[0], (20 + 2) * both.scale[1] + both.after[1]])
    }

    @Test("a zero Pad before a convolution folds into its leading pads: the same values; kept, nonzero or shared Pads stay")
    func padsFold() throws {
        for (stride, kernel, channels) in [(2, 3, 8), (1, 3, 8), (2, 1, 8), (1, 3, 64)] {
            var graph = Graph(
                name: "keras padding", inputs: [GraphInput(name: "x", shape: [2, channels, 9, 10])],
                nodes: [
                    Node(name: "pad", op: .pad(Pad(padBegin: [0, 1], padEnd: [1, 2])), inputs: ["x"]),
                    Node(name: "conv", op: .convolution(Convolution(outputChannels: channels, kernel: [kernel, kernel], stride: [stride, stride])),
                         inputs: ["pad"]),
                    Node(name: "edge", op: .pad(Pad(padBegin: [1, 1], value: 0.5)), inputs: ["conv"]),
                    Node(name: "dw", op: .convolution(Convolution(outputChannels: channels, kernel: [3, 3], groups: channels)), inputs: ["edge"]),
                ],
                outputs: ["dw"])
            try graph.deriveParameterSpecs()
            let weights = graph.randomWeights(seed: 910)
            let x = randomTensor([2, channels, 9, 10], seed: 911)
            // The wide case on F(4, 3), forced: its tiles reach past the image's far edges.
            let forced: ConvolutionKernels.Strategy? = channels == 64 && PanelKernels.active != .none ? .winograd4 : nil
            try ConvolutionKernels.$forcedStrategy.withValue(forced) {
                let separate = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
                let folded = try ForwardExecutor(graph: graph, weights: weights)
                // The zero Pad folds; the one that pads with 0.5 stays.
                #expect(folded.plan.layers.map(\.node) == ["conv", "edge", "dw"], "\(folded.plan.layers.map(\.node))")
                let conv = try #require(folded.plan.layers.first as? ConvolutionLayer)
                #expect(conv.geometry.patches.padTop == 0 && conv.geometry.patches.padLeft == 1 && conv.geometry.patches.height == 9)
                if forced != nil { #expect(conv.strategy == .winograd4) }
                let expected = try separate.run(inputs: ["x": x])["dw"]!
                expectClose(try folded.run(inputs: ["x": x])["dw"]!, expected, tolerance: 1e-5)
                let keeping = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["pad"]))
                #expect(keeping.plan.layers.map(\.node).contains("pad"))
                expectClose(try keeping.run(inputs: ["x": x])["dw"]!, expected, tolerance: 1e-5)
            }
        }
    }

    @Test("training plans keep their normalizations")
    func trainingKeepsThem() throws {
        let (graph, weights) = try Self.network(batch: 2)
        let training = try ExecutionPlan(graph: graph, weights: weights, batchSize: 2, purpose: .training, retaining: ["s4"])
        #expect(training.layers.contains { $0 is BatchNormLayer })
        let inference = try ExecutionPlan(graph: graph, weights: weights, batchSize: 2, retaining: ["s4"])
        #expect(!inference.layers.contains { $0 is BatchNormLayer || $0 is AffineLayer })
    }
}
