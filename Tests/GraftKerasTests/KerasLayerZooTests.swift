import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Small models written by real Keras 3 (`Tests/Fixtures/keras/zoo/make_zoo.py`) that together
/// use every layer mapper with odd, non-square sizes: each is imported from both containers
/// (legacy `.h5` and `.keras`) and must compute what Keras computed.
struct KerasLayerZooTests {
    static let zoos = ["conv_zoo", "pool_zoo", "merge_zoo", "dense_zoo", "norm_zoo", "channels_first_zoo"]
    static let containers = [".h5", ".keras"]

    static func path(_ name: String) -> String { KerasFixtures.path("zoo/\(name)") }

    static func importZoo(_ name: String, _ suffix: String,
                          options: KerasImportOptions = KerasImportOptions()) throws -> KerasImporter.Result {
        try KerasImporter.importModel(path: path(name + suffix), options: options)
    }

    @Test(arguments: zoos, containers)
    func zooMatchesKeras(_ name: String, _ suffix: String) throws {
        let (model, warnings) = try Self.importZoo(name, suffix)
        let reference = try KerasRun.reference(Self.path(name + ".npz"))
        let output = try KerasRun.run(model, kerasInput: reference.input)
        #expect(output.shape == reference.output.shape)
        let agreement = TensorComparison(output.scalars, reference.output.scalars)
        print("[keras-zoo] \(name)\(suffix): \(agreement); warnings: \(warnings.map(\.description))")
        #expect(agreement.passed, "\(name)\(suffix): \(agreement)")
        #expect(!model.graph.nodes.contains { if case .opaque = $0.op { true } else { false } })
    }

    /// Every mapper is used by at least one zoo model, so every mapper is checked against Keras.
    @Test func zoosCoverEveryLayerClass() throws {
        var used = Set<KerasLayerClass>()
        for path in Self.zoos.map { Self.path($0 + ".keras") } + [KerasOperationTests.path("k3_ops_zoo.keras")] {
            let keras = try KerasModel.load(path: path)
            for layer in keras.layers { if let c = KerasLayerClass(className: layer.className) { used.insert(c) } }
        }
        #expect(Set(KerasLayerClass.allCases).subtracting(used).isEmpty,
                "not covered by a zoo model: \(Set(KerasLayerClass.allCases).subtracting(used))")
    }

    @Test func keras3HardSigmoidIsReLU6Based() throws {
        let (model, _) = try Self.importZoo("conv_zoo", ".h5")
        let node = try #require(model.graph.node(named: "dilated/hard_sigmoid"))
        #expect(node.op == .activation(.hardSigmoidOneSixth))
    }

    @Test func convolutionPaddingIsTensorFlowsPerSide() throws {
        let (model, _) = try Self.importZoo("conv_zoo", ".keras")
        // 9x11 input, kernel 3x2, strides 2x1, same: rows pad 1+1 (out 5), columns 0+1 (out 11).
        guard case .convolution(let conv) = try #require(model.graph.node(named: "conv_same_s21")).op else {
            Issue.record("not a convolution"); return
        }
        #expect(conv.padBegin == [1, 0] && conv.padEnd == [1, 1])
        guard case .deconvolution(let deconv) = try #require(model.graph.node(named: "deconv_op")).op else {
            Issue.record("not a deconvolution"); return
        }
        #expect(deconv.outputPadding == [1, 2] && deconv.padBegin == [0, 0])
    }

    @Test func flattenBeforeDenseStaysChannelsFirst() throws {
        let (model, _) = try Self.importZoo("merge_zoo", ".h5")
        let flatten = try #require(model.graph.node(named: "flatten"))
        #expect(flatten.op == .flatten(Flatten(axis: 1, endAxis: -1, order: .channelsFirst)))
        #expect(model.graph.node(named: "dense")?.inputs == ["flatten"])
        #expect(model.provenance.notes.contains { $0.contains("dense 'dense': rows permuted") })
    }

    @Test func normalizationIsAnExactBatchNorm() throws {
        let (model, _) = try Self.importZoo("norm_zoo", ".keras")
        let node = try #require(model.graph.node(named: "norm_fixed"))
        #expect(node.op == .batchNorm(BatchNorm(epsilon: 0)))
        #expect(model.weights["norm_fixed.mean"]?.scalars == [0.1, -0.2, 0.3])
        #expect(model.graph.node(named: "rescale")?.op == .power(Power(power: 1, scale: Float(1 / 255.0), shift: -0.5)))
    }
}
