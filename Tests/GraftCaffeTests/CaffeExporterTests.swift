import Foundation
import Testing
import GraftCore
import GraftZoo
import GraftIO
import GraftTestSupport
@testable import GraftCaffe

/// The exporter's refusals, the prototxt writer's escaping, and a built-in architecture's round trip.
struct CaffeExporterTests {
    static func model(_ graph: Graph) -> Model {
        Model(graph: graph, weights: graph.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
    }

    /// One exporter per operation kind, as the importer has one mapper per layer kind.
    @Test func everyOpKindHasOneExporter() {
        #expect(Set(CaffeOpExporters.all.map { $0.kind }) == Set(OpKind.allCases))
        #expect(CaffeOpExporters.all.count == OpKind.allCases.count)
    }

    @Test func asymmetricPaddingAndReLU6AreRefusedByName() throws {
        var b = GraphBuilder(name: "g", input: "data", shape: [1, 1, 5, 5])
        b.add("conv", .convolution(Convolution(outputChannels: 1, kernel: [2, 2], padBegin: [0, 0], padEnd: [1, 1])))
        #expect(throws: CaffeExportError.notRepresentable(node: "conv",
            reason: "asymmetric convolution padding (begin [0, 0], end [1, 1]); Caffe pads both sides equally")) {
            try CaffeExporter.net(for: Self.model(b.graph))
        }
        var r = GraphBuilder(name: "g", input: "data", shape: [1, 2])
        r.add("relu6", .relu(ReLU(maxValue: 6)))
        #expect(throws: CaffeExportError.self) { try CaffeExporter.net(for: Self.model(r.graph)) }
        let directory = TemporaryDirectory()
        #expect(throws: CaffeExportError.self) { try CaffeExporter.export(Self.model(r.graph), to: directory.path("out")) }
        #expect(!FileManager.default.fileExists(atPath: directory.path("out/weights.caffemodel")))
    }

    /// Opaque layers whose parameter blocks say they learn weights, imported without them, make the
    /// export fail with every such layer named, unless forced; opaque layers with blobs, or
    /// without such a block, export as they are.
    @Test func layersThatShouldHaveWeightsButHaveNoneAreRefused() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 4 dim: 8 dim: 8 }
            layer { name: "dw" type: "DepthwiseConvolution" bottom: "data" top: "dw"
              convolution_param { num_output: 4 group: 4 kernel_size: 3 bias_term: false } }
            layer { name: "fc" type: "FancyInnerProduct" bottom: "dw" top: "fc" inner_product_param { num_output: 2 } }
            layer { name: "up" type: "Interp" bottom: "fc" top: "up" }
            layer { name: "sc" type: "ChannelScale" bottom: "up" top: "sc" scale_param { axis: 1 } }
            """
        let definition = try CaffePrototxt.decode(text, file: "zoo.prototxt")
        let alone = try CaffeImporter.importNet(definition, file: "zoo.prototxt", weights: nil, weightsFile: nil)
        let expected = ["dw (DepthwiseConvolution, convolution_param)", "fc (FancyInnerProduct, inner_product_param)",
                        "sc (ChannelScale, scale_param)"]
        #expect(throws: CaffeExportError.layersWithoutWeights(expected)) { try CaffeExporter.net(for: alone.model) }
        let directory = TemporaryDirectory()
        #expect(throws: CaffeExportError.layersWithoutWeights(expected)) {
            try CaffeExporter.export(alone.model, to: directory.path("refused"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("refused/weights.caffemodel")))
        let forced = try CaffeExporter.export(alone.model, to: directory.path("forced"), allowMissingWeights: true)
        #expect(forced.notes.contains("written without weights, as forced: " + expected.joined(separator: ", ")))
        #expect(try CaffeModelReader.read(path: forced.caffemodelPath).layer(named: "dw")?.blobs.isEmpty == true)
        // With the blobs from a caffemodel the same layers export without complaint.
        var weights = CaffeNet(name: "w")
        for (name, shape) in [("dw", [4, 1, 3, 3]), ("fc", [2, 256]), ("sc", [256])] {
            var layer = CaffeLayer(name: name, type: "")
            layer.blobs = [CaffeBlob(shape: shape, data: [Float](repeating: 0.5, count: shape.reduce(1, *)))]
            weights.layers.append(layer)
        }
        let bound = try CaffeImporter.importNet(definition, file: "zoo.prototxt", weights: weights, weightsFile: "zoo.caffemodel")
        let net = try CaffeExporter.net(for: bound.model).net
        #expect(net.layer(named: "dw")?.blobs.first?.shape == [4, 1, 3, 3])
    }

    @Test func builtInCaffeNetRoundTripsThroughCaffe() throws {
        let model = Self.model(Architectures.caffeNet())
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(model, to: directory.path("caffe"))
        let again = try CaffeImporter.importFiles(prototxt: export.prototxtPath, caffemodel: export.caffemodelPath)
        #expect(again.model.graph.nodes.map(\.op) == model.graph.nodes.map(\.op))
        for (key, tensor) in model.weights { #expect(again.model.weights[key]?.bits == tensor.bits, "\(key)") }
        // A caffemodel alone carries the whole net too.
        let alone = try CaffeImporter.importFiles(prototxt: nil, caffemodel: export.caffemodelPath)
        #expect(alone.model.graph.nodes.map(\.op) == model.graph.nodes.map(\.op))
        // A Swift caller gets what `graft convert` records: every source file's real SHA-256.
        #expect(again.model.provenance.sourceFiles
                == [try FileDigest.sourceFile(path: export.prototxtPath), try FileDigest.sourceFile(path: export.caffemodelPath)])
        #expect(alone.model.provenance.sourceFiles == [try FileDigest.sourceFile(path: export.caffemodelPath)])
    }

    @Test func prototxtWriterEscapesStringsAndRoundTrips() throws {
        var net = CaffeNet(name: "quote\" back\\slash\nnewline é")
        var layer = CaffeLayer(name: "we\"ird\tname", type: "ReLU", bottoms: ["in"], tops: ["out"])
        layer.params = [CaffeParamSpec(lrMult: 0.5, decayMult: 0)]
        var relu = CaffeParam.ReLU()
        relu.negativeSlope = 1e-05
        layer.parameters.relu = relu
        net.layers = [layer]
        let text = CaffePrototxtWriter.text(net)
        #expect(text.contains(#"name: "quote\" back\\slash\nnewline \303\251""#))
        let parsed = try CaffePrototxt.decode(text, file: "w.prototxt")
        #expect(parsed.name == net.name && parsed.layers == net.layers)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe")), "\(SharedData.absentMessage)"),
          arguments: ["bvlc/models_bvlc_reference_caffenet_deploy.prototxt", "retinaface_mnet25_charrin/mnet.prototxt",
                      "ultraface_linzaer/slim-320.prototxt", "v1_everpeace_2014/cifar10_full.prototxt"])
    func referencePrototxtsSurviveTheWriter(_ file: String) throws {
        let net = try CaffePrototxt.read(path: SharedData.path("reference/caffe/" + file))
        let again = try CaffePrototxt.decode(CaffePrototxtWriter.text(net), file: "written")
        #expect(again.layers.map(\.name) == net.layers.map(\.name))
        #expect(again.layers.map(\.parameters) == net.layers.map(\.parameters))
        #expect(again.layers.map(\.params) == net.layers.map(\.params))
        #expect(again.inputs == net.inputs)
    }
}
