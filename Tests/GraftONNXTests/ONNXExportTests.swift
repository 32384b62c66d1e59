import Foundation
import GraftCore
import GraftTestSupport
import Testing
@testable import GraftONNX

/// The exporter's structure without a Python: the registry is complete, options are checked,
/// metadata is written under the keys the importer reads, folding and decompositions follow
/// the opset, opaque nodes fail by name and leave no file.
struct ONNXExportTests {
    typealias G = ONNXExportGraphs

    @Test(arguments: OpKind.allCases)
    func everyOpKindHasAnExporter(_ kind: OpKind) {
        #expect(ONNXOpExporters.byKind[kind] != nil, "no ONNX exporter for \(kind)")
    }

    @Test func registryHasOneExporterPerKind() {
        let kinds = ONNXOpExporters.all.map { $0.kind }
        #expect(kinds.count == Set(kinds).count, "two exporters for one kind")
        #expect(Set(kinds) == Set(OpKind.allCases))
    }

    @Test(arguments: [12, 22, 0])
    func unsupportedOpsetsAreRefused(_ opset: Int) {
        #expect(throws: ONNXError.unsupportedOpset(opset, supported: 13...21)) {
            try ONNXExporter.export(ONNXExportOpTests.foldable(), options: ONNXExportOptions(opset: opset))
        }
    }

    @Test(arguments: [13, 17, 21])
    func opsetAndIRVersionAreDeclared(_ opset: Int) throws {
        let onnx = try ONNXExporter.export(ONNXExportOpTests.foldable(), options: ONNXExportOptions(opset: opset))
        #expect(onnx.defaultOpset == opset)
        #expect(onnx.irVersion == (opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10))
        #expect(onnx.producerName == "graft")
        #expect(onnx.producerVersion == GraftVersion.current)
    }

    static func opTypes(_ model: Model, _ options: ONNXExportOptions) throws -> [String] {
        try ONNXExporter.export(model, options: options).graph.nodes.map(\.opType)
    }

    @Test func decompositionsFollowTheOpset() throws {
        let hardSwish = G.single("hs", .activation(.hardSwish))
        #expect(try Self.opTypes(hardSwish, .init(opset: 13)) == ["HardSigmoid", "Mul"])
        #expect(try Self.opTypes(hardSwish, .init(opset: 14)) == ["HardSwish"])
        let gelu = G.single("gelu", .activation(.gelu(approximate: false)))
        #expect(try Self.opTypes(gelu, .init(opset: 19)).contains("Erf"))
        #expect(try Self.opTypes(gelu, .init(opset: 20)) == ["Gelu"])
        let trailing = G.single("ln", .layerNorm(LayerNormalization(axis: 1, endAxis: 3)))
        #expect(try Self.opTypes(trailing, .init(opset: 17)) == ["LayerNormalization"])
        #expect(try !Self.opTypes(trailing, .init(opset: 16)).contains("LayerNormalization"))
        let channels = G.single("ln", .layerNorm(LayerNormalization(axis: 1)))
        #expect(try Self.opTypes(channels, .init(opset: 17)).contains("ReduceMean"), "axis 1 of NCHW is not trailing")
        let reduce17 = try ONNXExporter.export(channels, options: .init(opset: 17)).graph.nodes.first { $0.opType == "ReduceMean" }
        let reduce18 = try ONNXExporter.export(channels, options: .init(opset: 18)).graph.nodes.first { $0.opType == "ReduceMean" }
        #expect(reduce17?.attribute("axes") == .ints([1]) && reduce17?.inputs.count == 1)
        #expect(reduce18?.attribute("axes") == nil && reduce18?.inputs.count == 2)
    }

    @Test func caffeCeilPoolingIsWrittenWithoutCeilMode() throws {
        let model = G.single("pool", .pooling(Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1],
                                                     rounding: .ceil)), input: [1, 1, 10, 10])
        let nodes = try ONNXExporter.export(model).graph.nodes
        #expect(nodes.map(\.opType) == ["Pad", "AveragePool"])
        let pool = try #require(nodes.last)
        #expect(pool.attribute("ceil_mode") == nil)
        #expect(pool.attribute("count_include_pad") == .int(0))
        // Caffe: ceil((10 + 2 - 3) / 2) + 1 = 6 windows over the padded 12 → the last overhangs by 1.
        #expect(pool.attribute("pads") == .ints([0, 0, 1, 1]))
    }

    @Test func batchNormFoldsIntoTheConvolution() throws {
        let model = ONNXExportOpTests.foldable()
        let plain = try ONNXExporter.export(model)
        let folded = try ONNXExporter.export(model, options: ONNXExportOptions(foldBatchNorm: true))
        #expect(plain.graph.nodes.map(\.opType) == ["Conv", "BatchNormalization", "Mul", "Add", "Relu", "Conv", "BatchNormalization", "Add"])
        #expect(folded.graph.nodes.map(\.opType) == ["Conv", "Relu", "Conv"])
        #expect(folded.graph.nodes[0].outputs == ["scale"], "the folded convolution writes the last folded node's value")
        #expect(folded.graph.nodes[0].inputs.count == 3, "a bias is added for a convolution that had none")
        #expect(folded.graph.outputs.map(\.name) == ["bias2"])
    }

    @Test func dynamicBatchDeclaresASymbolicFirstDimension() throws {
        let onnx = try ONNXExporter.export(ONNXExportOpTests.foldable(), options: ONNXExportOptions(dynamicBatch: true))
        #expect(onnx.graph.inputs.map(\.shape) == [[.parameter("N"), .value(3), .value(10), .value(10)]])
        #expect(onnx.graph.outputs.map(\.shape) == [[.parameter("N"), .value(4), .value(10), .value(10)]])
        let fixed = try ONNXExporter.export(ONNXExportOpTests.foldable())
        #expect(fixed.graph.inputs.map(\.shape) == [[.value(2), .value(3), .value(10), .value(10)]])
    }

    @Test func metadataIsWrittenUnderTheGraftKeys() throws {
        var model = ONNXExportOpTests.foldable()
        model.preprocessing = Preprocessing(input: "data", inputShape: [2, 3, 10, 10], channelOrder: .bgr, valueRange: [0, 255], steps: [])
        model.training = TrainingMetadata(parameters: ["conv.weight": .init(learningRateMultiplier: 0.1, frozen: true)],
                                          classLabels: ["cat", "dog/wolf", "ünïcode"])
        let directory = TemporaryDirectory()
        try ONNXExporter.write(model, to: directory.path("m.onnx"))
        let read = try ONNXReader.read(path: directory.path("m.onnx"))
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            try decoder.decode(T.self, from: Data(try #require(read.metadata(key), "no \(key)").utf8))
        }
        #expect(try decode(Preprocessing.self, "graft.preprocessing") == model.preprocessing)
        #expect(try decode(Provenance.self, "graft.provenance") == model.provenance)
        #expect(try decode(TrainingMetadata.self, "graft.training") == model.training)
        #expect(try decode([String].self, "graft.class_labels") == ["cat", "dog/wolf", "ünïcode"])
        #expect(read.metadata("graft.class_labels") == #"["cat","dog/wolf","ünïcode"]"#)
    }

    @Test func largeTrainingMetadataKeepsOnlyTheLabels() throws {
        var model = ONNXExportOpTests.foldable()
        let many = Dictionary(uniqueKeysWithValues: (0..<20_000).map { ("layer\($0).weight", TrainingMetadata.ParameterSettings(frozen: true)) })
        model.training = TrainingMetadata(parameters: many, classLabels: ["a", "b"])
        let onnx = try ONNXExporter.export(model)
        let text = try #require(onnx.metadata("graft.training"))
        #expect(text.utf8.count < ONNXExporter.trainingMetadataLimit)
        #expect(try JSONDecoder().decode(TrainingMetadata.self, from: Data(text.utf8)) == TrainingMetadata(classLabels: ["a", "b"]))
        let bare = try ONNXExporter.export(ONNXExportOpTests.foldable())
        #expect(bare.metadata("graft.training") == nil && bare.metadata("graft.class_labels") == nil)
        #expect(bare.metadata("graft.provenance") != nil)
    }

    @Test func opaqueNodesAreNotExportableAndNothingIsWritten() throws {
        let model = G.model("opaque", input: [1, 3, 8, 8], [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 2, kernel: [1, 1])), inputs: ["data"]),
            Node(name: "mystery", op: .opaque(Opaque(framework: "caffe", type: "Proposal", outputShapes: [[1, 2, 8, 8]])),
                 inputs: ["conv"]),
        ])
        let directory = TemporaryDirectory()
        do {
            try ONNXExporter.write(model, to: directory.path("m.onnx"))
            Issue.record("an opaque node was exported")
        } catch {
            guard case .notExportable(let node, let op, _) = error else { Issue.record("\(error)"); return }
            #expect(node == "mystery")
            #expect(op == "Opaque(Proposal)")
            #expect(error.description.contains("mystery"))
        }
        #expect(directory.contents.isEmpty, "left \(directory.contents)")
    }

    @Test func weightsAboveTheThresholdGoToAnExternalDataFile() throws {
        let directory = TemporaryDirectory()
        let model = ONNXExportOpTests.foldable()
        let written = try ONNXExporter.write(model, to: directory.path("m.onnx"), options: ONNXExportOptions(externalDataThreshold: 100))
        #expect(written == [directory.path("m.onnx"), directory.path("m.onnx.data")])
        #expect(FileManager.default.fileExists(atPath: directory.path("m.onnx.data")))
        let small = try ONNXExporter.write(model, to: directory.path("n.onnx"))
        #expect(small == [directory.path("n.onnx")])
        #expect(!FileManager.default.fileExists(atPath: directory.path("n.onnx.data")))
    }
}
