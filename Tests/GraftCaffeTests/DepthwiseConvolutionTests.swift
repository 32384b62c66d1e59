import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// The forks' `ConvolutionDepthwise` (MobileNet and ShuffleNet zoo prototxts) imports as a
/// convolution grouped by channel and exports as a standard grouped Convolution.
struct DepthwiseConvolutionTests {
    /// No `group`: the layer type alone makes it depthwise (9x9, 3/2 pad 1: 5x5).
    static let net = """
        name: "dw"
        input: "data" input_shape { dim: 1 dim: 4 dim: 9 dim: 9 }
        layer { name: "dw" type: "ConvolutionDepthwise" bottom: "data" top: "dw"
          convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1
            weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
        layer { name: "pw" type: "Convolution" bottom: "dw" top: "pw"
          convolution_param { num_output: 3 kernel_size: 1 weight_filler { type: "gaussian" std: 0.5 } } }
        """

    static func importText(_ text: String, weights: CaffeNet? = nil) throws -> CaffeImport {
        try CaffeImporter.importNet(try CaffePrototxt.decode(text, file: "dw.prototxt"), file: "dw.prototxt",
                                    weights: weights, weightsFile: weights == nil ? nil : "dw.caffemodel",
                                    options: CaffeImportOptions(seed: 8))
    }

    @Test func importsAsAConvolutionGroupedByChannel() throws {
        let imported = try Self.importText(Self.net)
        let node = try #require(imported.model.graph.node(named: "dw"))
        #expect(node.op == .convolution(Convolution(outputChannels: 4, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1],
                                                    padEnd: [1, 1], groups: 4, hasBias: true)))
        #expect(node.parameters == [ParameterSpec("weight", [4, 1, 3, 3]), ParameterSpec("bias", [4])])
        #expect(try imported.model.graph.inferShapes().values["pw"] == [1, 3, 5, 5])
        #expect(!imported.warnings.contains { $0.contains("opaque") }, "\(imported.warnings)")
        // An explicit group equal to the channels is the same layer.
        let explicit = try Self.importText(Self.net.replacingOccurrences(of: "num_output: 4 kernel_size: 3",
                                                                          with: "num_output: 4 group: 4 kernel_size: 3"))
        #expect(explicit.model.graph.node(named: "dw")?.op == node.op)
    }

    /// Stored weights are checked against the depthwise shape `[C, 1, kh, kw]`.
    @Test func storedWeightsHaveTheDepthwiseShape() throws {
        let fitting = CaffeImporterTests.weights(["dw": [CaffeImporterTests.ramp([4, 1, 3, 3]), CaffeImporterTests.ramp([4])]])
        let imported = try Self.importText(Self.net, weights: fitting)
        #expect(imported.model.weights["dw.weight"]?.scalars == CaffeImporterTests.ramp([4, 1, 3, 3]).data)
        let full = CaffeImporterTests.weights(["dw": [CaffeImporterTests.ramp([4, 4, 3, 3]), CaffeImporterTests.ramp([4])]])
        #expect(throws: CaffeImportError.blobShape(file: "dw.caffemodel", layer: "dw", blob: 0, role: "weight",
                                                   expected: [4, 1, 3, 3], actual: [4, 4, 3, 3])) {
            try Self.importText(Self.net, weights: full)
        }
    }

    @Test func outputsOtherThanTheChannelsOrAnotherGroupAreRefused() throws {
        #expect(throws: CaffeImportError.invalidLayer(file: "dw.prototxt", layer: "dw",
                reason: "num_output 8 must equal the input's 4 channels (one filter per channel)")) {
            try Self.importText(Self.net.replacingOccurrences(of: "num_output: 4", with: "num_output: 8"))
        }
        #expect(throws: CaffeImportError.invalidLayer(file: "dw.prototxt", layer: "dw",
                reason: "group 2 contradicts the depthwise grouping by 4 channels")) {
            try Self.importText(Self.net.replacingOccurrences(of: "num_output: 4 kernel_size: 3",
                                                              with: "num_output: 4 group: 2 kernel_size: 3"))
        }
    }

    /// OpenCV runs `ConvolutionDepthwise` as a Convolution (groups from the weight's shape) and the
    /// export as a Convolution with `group: 4`; both agree with Graft.
    @Test(.enabled(if: CaffeTesting.openCVPython != nil, "set GRAFT_PYTHON to a python with opencv-python-headless<5"))
    func matchesOpenCVBeforeAndAfterExport() throws {
        let python = try #require(CaffeTesting.openCVPython)
        let imported = try Self.importText(Self.net)
        let directory = TemporaryDirectory()
        let source = directory.path("dw.prototxt")
        try Self.net.write(toFile: source, atomically: true, encoding: .utf8)
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let text = try String(contentsOfFile: export.prototxtPath, encoding: .utf8)
        #expect(!text.contains("ConvolutionDepthwise") && text.contains("group: 4"))
        let input = CaffeTesting.random([1, 4, 9, 9], seed: 12)
        let ours = try CaffeTesting.run(imported.model, input: input, outputs: ["dw", "pw"])
        for prototxt in [source, export.prototxtPath] {
            let theirs = try #require(try CaffeTesting.openCVOutputs(python: python, prototxt: prototxt, caffemodel: export.caffemodelPath,
                                                                    input: input, names: ["dw", "pw"], in: directory),
                                      "OpenCV could not run \(prototxt)")
            for name in ["dw", "pw"] {
                let expected = try #require(theirs[name])
                let actual = try #require(ours[name])
                #expect(actual.shape == expected.shape, "\(name): \(actual.shape) vs OpenCV \(expected.shape)")
                guard actual.shape == expected.shape else { continue }
                let agreement = TensorComparison(actual, expected)
                print("depthwise \(name) vs OpenCV (\(prototxt == source ? "ConvolutionDepthwise prototxt" : "export")): \(agreement)")
                #expect(agreement.passed, "\(name): \(agreement)")
            }
        }
    }
}
