import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// The exporter's refusals, the prototxt writer's escaping, and a built-in architecture's round trip.
struct CaffeExporterTests {
    static func model(_ graph: Graph) -> Model {
        Model(graph: graph, weights: graph.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
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
