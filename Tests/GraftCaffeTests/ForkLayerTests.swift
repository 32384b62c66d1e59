import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// The forks' layers mapped to Graft operations (SENet's Axpy, ShuffleNet's ShuffleChannel) and
/// the scaled random weights the zoo comparison uses.
struct ForkLayerTests {
    static func importText(_ text: String, weightInit: CaffeWeightInit = .fillers) throws -> CaffeImport {
        try CaffeImporter.importNet(try CaffePrototxt.decode(text, file: "fork.prototxt"), file: "fork.prototxt",
                                    weights: nil, weightsFile: nil, options: CaffeImportOptions(seed: 5, weightInit: weightInit))
    }

    /// `a·x + y` as SENet's axpy_layer.cpp computes it (bottom 0 scales bottom 1, bottom 2 is
    /// added), with `a` the channel means of `x` and `y = 1 + 2x`.
    @Test func axpyScalesTheSecondBottomAndAddsTheThird() throws {
        let imported = try Self.importText("""
            input: "x" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
            layer { name: "a" type: "Pooling" bottom: "x" top: "a" pooling_param { pool: AVE global_pooling: true } }
            layer { name: "y" type: "Power" bottom: "x" top: "y" power_param { scale: 2 shift: 1 } }
            layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "y" top: "out" }
            """)
        let graph = imported.model.graph
        #expect(graph.nodes.map(\.name) == ["a", "y", "axpy/scale", "axpy"])
        #expect(graph.node(named: "axpy/scale")?.inputs == ["a", "x"])
        #expect(graph.node(named: "axpy")?.inputs == ["axpy/scale", "y"] && graph.node(named: "axpy")?.outputs == ["out"])
        let input = CaffeTesting.random([1, 2, 3, 3], seed: 1)
        let out = try #require(try CaffeTesting.run(imported.model, input: input, outputs: ["out"])["out"])
        let x = input.scalars
        var expected = [Float](repeating: 0, count: 18)
        for c in 0..<2 {
            let mean = x[(c * 9)..<(c * 9 + 9)].reduce(0, +) / 9
            for i in 0..<9 { expected[c * 9 + i] = mean * x[c * 9 + i] + (1 + 2 * x[c * 9 + i]) }
        }
        let agreement = TensorComparison(out.scalars, expected)
        #expect(agreement.passed, "\(agreement)")
    }

    @Test func axpyRejectsAScaleThatIsNotPerChannel() throws {
        #expect(throws: CaffeImportError.invalidLayer(file: "fork.prototxt", layer: "axpy",
                                                      reason: "bottoms 1x2x3x3, 1x2x3x3, 1x2x3x3 are not [N, C, 1, 1], [N, C, H, W], [N, C, H, W]")) {
            try Self.importText("""
                input: "x" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
                layer { name: "axpy" type: "Axpy" bottom: "x" bottom: "x" bottom: "x" top: "out" }
                """)
        }
    }

    /// Six channels in three groups of two: output channel `j·g + i` is input channel `i·(C/g) + j`.
    @Test func shuffleChannelInterleavesTheGroups() throws {
        let imported = try Self.importText("""
            input: "x" input_shape { dim: 1 dim: 6 dim: 1 dim: 2 }
            layer { name: "shuffle" type: "ShuffleChannel" bottom: "x" top: "y" shuffle_channel_param { group: 3 } }
            """)
        #expect(imported.model.graph.nodes.map(\.op.kind) == [.reshape, .permute, .reshape])
        #expect(imported.warnings.allSatisfy { !$0.contains("opaque") }, "\(imported.warnings)")
        let input = Tensor(shape: [1, 6, 1, 2], scalars: (0..<12).map(Float.init))
        let out = try #require(try CaffeTesting.run(imported.model, input: input, outputs: ["y"])["y"])
        #expect(out.shape == [1, 6, 1, 2])
        let order: [Int] = [0, 2, 4, 1, 3, 5]
        let expected: [Float] = order.flatMap { (c: Int) -> [Float] in [Float(2 * c), Float(2 * c + 1)] }
        #expect(out.scalars == expected)
    }

    @Test func shuffleChannelGroupMustDivideTheChannels() throws {
        #expect(throws: CaffeImportError.invalidLayer(file: "fork.prototxt", layer: "shuffle", reason: "group 4 does not divide 6 channels")) {
            try Self.importText("""
                input: "x" input_shape { dim: 1 dim: 6 dim: 1 dim: 2 }
                layer { name: "shuffle" type: "ShuffleChannel" bottom: "x" top: "y" shuffle_channel_param { group: 4 } }
                """)
        }
    }

    /// Without fillers Caffe's default gives zero weights and variances; `.scaled` gives every blob
    /// random values in its role's range.
    @Test func scaledInitialisationIsNeverDegenerate() throws {
        let text = """
            input: "x" input_shape { dim: 1 dim: 8 dim: 4 dim: 4 }
            layer { name: "conv" type: "Convolution" bottom: "x" top: "conv" convolution_param { num_output: 16 kernel_size: 3 } }
            layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
            layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
            """
        let zero = try Self.importText(text).model.weights
        #expect(zero["conv.weight"]!.scalars.allSatisfy { $0 == 0 })
        let weights = try Self.importText(text, weightInit: .scaled).model.weights
        let w = weights["conv.weight"]!.scalars
        let std = (w.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot()
        #expect(abs(std - (2 / Float(8 * 9)).squareRoot()) < 0.02, "He std of fan-in 72: \(std)")
        #expect(weights["conv.bias"]!.scalars.allSatisfy { abs($0) <= 0.1 } && Set(weights["conv.bias"]!.scalars).count == 16)
        #expect(weights["bn.variance"]!.scalars.allSatisfy { (0.5...1.5).contains($0) })
        #expect(weights["bn.mean"]!.scalars.allSatisfy { (-0.5...0.5).contains($0) } && weights["bn.mean"]!.scalars.contains { $0 != 0 })
        #expect(weights["scale.scale"]!.scalars.allSatisfy { (0.5...1.5).contains($0) })
    }

    /// A Normalize known only from a `.caffemodel` (whose `norm_param`, fork field 206, Graft's
    /// schema cannot read) stays opaque with its blob, but its top has its bottom's shape, so the
    /// detection heads after it are still mapped (and get weights to export).
    @Test func layersAfterAnOpaqueNormalizeAreMapped() throws {
        var norm = CaffeLayer(name: "norm", type: "Normalize", bottoms: ["x"], tops: ["norm"])
        norm.rawUnknown = ["LayerParameter.field 206 (length-delimited, 2 bytes)"]
        norm.blobs = [CaffeBlob(shape: [4], data: [20, 20, 20, 20])]
        var loc = CaffeLayer(name: "loc", type: "Convolution", bottoms: ["norm"], tops: ["loc"])
        var conv = CaffeParam.Convolution()
        conv.numOutput = 8
        conv.kernelSize = [3]
        loc.parameters.convolution = conv
        let net = CaffeNet(name: "ssd", inputs: [CaffeNet.Input(name: "x", shape: [1, 4, 5, 5])], layers: [norm, loc])
        let imported = try CaffeImporter.importNet(net, file: "ssd.caffemodel", weights: net, weightsFile: "ssd.caffemodel",
                                                   options: CaffeImportOptions(seed: 5))
        guard case .opaque(let opaque)? = imported.model.graph.node(named: "norm")?.op else { Issue.record("norm"); return }
        #expect(opaque.outputShapes == [[1, 4, 5, 5]])
        #expect(imported.model.weights["norm.blob0"]?.scalars == [20, 20, 20, 20])
        #expect(imported.warnings.contains { $0.contains("norm_param (a fork field) is not available") })
        guard case .convolution? = imported.model.graph.node(named: "loc")?.op else { Issue.record("loc is not a convolution"); return }
        #expect(imported.model.weights["loc.weight"]?.shape == [8, 4, 3, 3])
    }
}
