import Foundation
import GraftCore
import GraftZoo
import GraftTestSupport
import Testing
@testable import GraftKeras

/// The importer has one mapper per Keras class and the exporter one exporter per Graft op kind
/// (the Swift analogue of static assertions that the tables agree).
struct KerasImportExportRegistryTests {
    @Test(arguments: KerasLayerClass.allCases)
    func everyKerasClassHasAMapper(_ layerClass: KerasLayerClass) {
        #expect(KerasLayerMappers.byClass[layerClass] != nil, "no mapper for \(layerClass)")
    }

    @Test func mappersAreRegisteredOnce() {
        let classes = KerasLayerMappers.all.map { $0.layerClass }
        #expect(classes.count == Set(classes).count)
        #expect(Set(classes) == Set(KerasLayerClass.allCases))
    }

    @Test(arguments: OpKind.allCases)
    func everyOpKindHasAnExporter(_ kind: OpKind) {
        #expect(KerasOpExporters.byKind[kind] != nil, "no exporter for \(kind)")
    }

    @Test func exportersAreRegisteredOnce() {
        let kinds = KerasOpExporters.all.map { $0.kind }
        #expect(kinds.count == Set(kinds).count)
        #expect(Set(kinds) == Set(OpKind.allCases))
    }
}

/// What the exporter refuses, and that it never leaves a partial file.
struct KerasExportErrorTests {
    /// A graph of one node `n` (after a Dropout `m` when it needs a second input).
    static func single(_ op: Op, input: Shape = [1, 3, 8, 8], outputs: Int = 1) -> Model {
        let twoInputs = op.kind == .eltwise
        var nodes = [Node(name: "n", op: op, inputs: twoInputs ? ["x", "m"] : ["x"], outputs: (0..<outputs).map { "n\($0)" })]
        if twoInputs { nodes.insert(Node(name: "m", op: .dropout(Dropout()), inputs: ["x"]), at: 0) }
        var graph = Graph(name: "g", inputs: [GraphInput(name: "x", shape: input)], nodes: nodes,
                          outputs: (0..<outputs).map { "n\($0)" })
        try! graph.deriveParameterSpecs()
        return CaffeStyleGraphs.model(graph, seed: 1)
    }

    @Test(arguments: [
        (Op.lrn(LRN()), "local response normalization"),
        (.slice(Slice(axis: 1, points: [1])), "splits a tensor"),
        (.pooling(Pooling(method: .max, kernel: [3, 3], stride: [1, 1], padBegin: [2, 2])), "Keras pads only as 'same'"),
        (.pad(Pad(padBegin: [1, 1], value: -1)), "ZeroPadding2D pads with 0"),
        (.power(Power(power: 2)), "power 2"),
        (.activation(.gelu(approximate: true)), "tanh approximation of GELU"),
        (.deconvolution(Deconvolution(outputChannels: 3, kernel: [2, 2], groups: 3)), "grouped transposed"),
        (.opaque(Opaque(framework: "caffe", type: "Python", outputShapes: [[1, 3, 8, 8]])), "opaque caffe layer"),
        (.opaque(Opaque(framework: "keras", type: "Lambda", rawParameters: "{\"graft_note\":\"x\"}", outputShapes: [[1, 3, 8, 8]])),
         "was not kept"),
    ])
    func opsWithoutAKerasLayerAreTypedErrorsNamingTheNode(_ op: Op, _ reason: String) throws {
        let outputs = op.kind == .slice ? 2 : 1
        let model = Self.single(op, outputs: outputs)
        let directory = TemporaryDirectory()
        let path = directory.path("out.h5")
        do {
            try KerasExporter.export(model, to: path, format: .keras2H5)
            Issue.record("exported \(op.kind)")
        } catch {
            guard case .noKerasEquivalent(let node, _, let why) = error else { Issue.record("\(error)"); return }
            #expect(node == "n" && why.contains(reason), "\(why)")
            #expect(error.description.contains("node 'n'"))
        }
        #expect(directory.contents.isEmpty, "left \(directory.contents)")
    }

    @Test func caffeNetStopsAtItsFirstLRN() throws {
        var graph = Architectures.caffeNet(classes: 10)
        try graph.deriveParameterSpecs()
        let model = Model(graph: graph, weights: graph.randomWeights(seed: 1), provenance: Provenance(sourceFormat: "graft"))
        #expect(throws: KerasExportError.noKerasEquivalent(node: "norm1", op: "LRN",
                                                           reason: "Keras has no local response normalization layer")) {
            try KerasExporter.export(model, to: TemporaryDirectory().path("c.h5"), format: .keras2H5)
        }
    }

    @Test func aMissingDirectoryIsAnIOErrorAndAnExistingFileSurvivesFailure() throws {
        let model = Self.single(.relu(ReLU()))
        #expect(throws: KerasExportError.self) {
            try KerasExporter.export(model, to: "/nonexistent-graft-dir/out.h5", format: .keras2H5)
        }
        let directory = TemporaryDirectory()
        let path = directory.path("out.h5")
        try Data("previous".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: KerasExportError.self) {
            try KerasExporter.export(Self.single(.lrn(LRN())), to: path, format: .keras2H5)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous")
        try KerasExporter.export(model, to: path, format: .keras2H5)
        #expect(try KerasModel.detectLayout(path: path) == .legacyFull)
        #expect(directory.contents == ["out.h5"])
    }

    @Test func keras3PathsAreNamedForKeras() {
        #expect(KerasExporter.outputPaths(for: "a/m.weights.h5", format: .keras3Weights) == ("a/m.weights.h5", "a/m.json"))
        #expect(KerasExporter.outputPaths(for: "m.h5", format: .keras3Weights) == ("m.weights.h5", "m.json"))
        #expect(KerasExporter.outputPaths(for: "m", format: .keras3Weights) == ("m.weights.h5", "m.json"))
        #expect(KerasExporter.outputPaths(for: "m.h5", format: .keras2H5) == ("m.h5", nil))
    }

    @Test func theKeras2FileHasKerasAttributesAndLayout() throws {
        let directory = TemporaryDirectory()
        let model = CaffeStyleGraphs.convnet()
        let path = directory.path("c.h5")
        try KerasExporter.export(model, to: path, format: .keras2H5)
        let keras = try KerasModel.load(path: path)
        #expect(keras.kerasVersion == "2.15.0" && keras.backend == "tensorflow" && keras.layout == .legacyFull)
        #expect(keras.modelClass == "Functional")
        #expect(keras.warnings.isEmpty, "\(keras.warnings)")
        // The 4-D inner product became Flatten + Dense; Scale and Bias became 1x1 depthwise convolutions.
        #expect(keras.layer(named: "fc_flatten")?.className == "Flatten")
        #expect(keras.layer(named: "scale1")?.className == "DepthwiseConv2D")
        #expect(keras.layer(named: "conv1_pad")?.className == "ZeroPadding2D")
    }
}
