import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftONNX

/// What the importer records beside the graph: the mapper registry, generated names,
/// preprocessing and training metadata from `graft.*` properties, provenance, external data.
@Suite("ONNX import: registry, names, metadata")
struct ONNXImportModelTests {
    @Test func theRegistryHasOneMapperPerOperator() {
        let types = ONNXMappers.all.map { $0.opType }
        #expect(Set(types).count == types.count, "an operator is registered twice")
        #expect(types.sorted() == [
            "Add", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv",
            "ConvTranspose", "Div", "Dropout", "Elu", "Flatten", "Floor", "Gather", "Gelu", "Gemm", "GlobalAveragePool",
            "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization", "LRN", "LayerNormalization", "LeakyRelu", "MatMul", "Max",
            "MaxPool", "Mean", "Min", "Mul", "Neg", "PRelu", "Pad", "Pow", "Reciprocal", "ReduceMax", "ReduceMean", "Relu", "Reshape", "Resize", "Selu", "Shape", "Sigmoid",
            "Slice", "Softmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze", "Upsample",
        ])
        for type in types { #expect(ONNXMappers.byType[type].map { $0.opType } == type) }
    }

    static func sample() -> ONNXModel {
        let nodes = [
            ONNXNode(opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: [ONNXAttribute("pads", .ints([1, 1, 1, 1]))]),
            ONNXNode(opType: "Relu", inputs: ["c"], outputs: ["r"]),
            ONNXNode(opType: "Add", inputs: ["r", "bias"], outputs: ["y"]),
        ]
        let initializers = [ONNXTensor(name: "w", dims: [3, 2, 3, 3], floats: ONNXImportSupport.random([3, 2, 3, 3], seed: 1)),
                            ONNXTensor(name: "bias", dims: [3, 1, 1], floats: [0.1, 0.2, 0.3])]
        var model = ONNXImportSupport.model(opset: 9, nodes: nodes, initializers: initializers, inputs: [("x", [1, 2, 5, 5])], outputs: ["y"])
        model.irVersion = 3
        // IR 3: initializers are listed as graph inputs too; they are not model inputs.
        model.graph.inputs += [ONNXValueInfo(name: "w", shape: [.value(3), .value(2), .value(3), .value(3)]),
                               ONNXValueInfo(name: "bias", shape: [.value(3), .value(1), .value(1)])]
        return model
    }

    @Test func unnamedNodesGetStableNamesAndInitializerInputsAreNotInputs() throws {
        let directory = TemporaryDirectory()
        try ONNXWriter.write(Self.sample(), to: directory.path("m.onnx"))
        let imported = try ONNXImporter.importModel(path: directory.path("m.onnx"))
        #expect(imported.model.graph.inputs.map(\.name) == ["x"])
        #expect(imported.model.graph.nodes.map(\.name) == ["Conv_0", "Relu_1", "Add_2"])
        #expect(imported.model.graph.nodes.map(\.op.kind) == [.convolution, .relu, .bias])
        #expect(imported.model.weights["Add_2.bias"]?.scalars == [0.1, 0.2, 0.3])
        #expect(imported.model.preprocessing == nil)
        #expect(imported.model.effectivePreprocessing == .neutral(for: imported.model.graph.inputs[0]))
        let again = try ONNXImporter.importModel(path: directory.path("m.onnx"))
        #expect(again.model.graph == imported.model.graph)
    }

    @Test func graftMetadataAndExternalDataAreRead() throws {
        var model = Self.sample()
        let preprocessing = Preprocessing(input: "x", inputShape: [1, 2, 5, 5], channelOrder: .bgr, valueRange: [0, 255],
                                          steps: [.subtract([104, 117]), .multiply([0.5])])
        let training = TrainingMetadata(parameters: ["Conv_0.weight": .init(learningRateMultiplier: 2, decayMultiplier: 0, frozen: true),
                                                     "gone.weight": .init()],
                                        classLabels: ["a", "b", "c"])
        let earlier = Provenance(sourceFormat: "caffe", sourceVersion: "V2 layer",
                                 sourceFiles: [.init(name: "deploy.prototxt", sha256: String(repeating: "a", count: 64), bytes: 10)])
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }
        model.metadata = [ONNXKeyValue("graft.preprocessing", try json(preprocessing)), ONNXKeyValue("graft.training", try json(training)),
                          ONNXKeyValue("graft.provenance", try json(earlier))]
        model.producerName = "graft"
        let directory = TemporaryDirectory()
        try ONNXWriter.write(model, to: directory.path("m.onnx"), external: .init(fileName: "m.data", threshold: 64))
        let imported = try ONNXImporter.importModel(path: directory.path("m.onnx"))
        #expect(imported.model.preprocessing == preprocessing)
        #expect(imported.model.training?.parameters["Conv_0.weight"]?.frozen == true)
        #expect(imported.model.training?.parameters["gone.weight"] == nil)
        #expect(imported.model.training?.classLabels == ["a", "b", "c"])
        #expect(imported.warnings.contains { $0.contains("graft.training") })
        let files = imported.model.provenance.sourceFiles
        #expect(files.map(\.name) == ["m.onnx", "m.data"])
        #expect(files[0].sha256 == (try FileDigest.sha256(path: directory.path("m.onnx")).hex))
        #expect(imported.model.provenance.notes.contains { $0.contains("from caffe V2 layer") && $0.contains("deploy.prototxt") })
        #expect(imported.model.weights["Conv_0.weight"]?.scalars == ONNXImportSupport.random([3, 2, 3, 3], seed: 1))

        // --mean/--scale override what the file records.
        let overridden = try ONNXImporter.importModel(path: directory.path("m.onnx"), options: ONNXImportOptions(mean: [1, 2], scale: [0.25]))
        #expect(overridden.model.preprocessing?.steps == [.subtract([1, 2]), .multiply([0.25])])
        #expect(overridden.model.preprocessing?.channelOrder == .bgr)
    }

    @Test func erfGeluChainsBecomeOneGeluNode() throws {
        let half = ONNXTensor(name: "half", dims: [], floats: [0.5]), one = ONNXTensor(name: "one", dims: [], floats: [1])
        let invSqrt2 = ONNXTensor(name: "k", dims: [], floats: [Float(0.5.squareRoot())])
        let nodes = [
            ONNXNode(opType: "Mul", inputs: ["x", "k"], outputs: ["d"]), ONNXNode(opType: "Erf", inputs: ["d"], outputs: ["e"]),
            ONNXNode(opType: "Add", inputs: ["one", "e"], outputs: ["a"]), ONNXNode(opType: "Mul", inputs: ["half", "x"], outputs: ["h"]),
            ONNXNode(opType: "Mul", inputs: ["h", "a"], outputs: ["y"]),
        ]
        let model = ONNXImportSupport.model(opset: 17, nodes: nodes, initializers: [half, one, invSqrt2], inputs: [("x", [1, 4])], outputs: ["y"])
        let imported = try ONNXImporter.importModel(model, file: "gelu.onnx")
        #expect(imported.model.graph.nodes.map(\.op) == [.activation(.gelu(approximate: false))])
        // Read elsewhere, the Erf's input keeps the chain as it is: Erf is opaque, and so is what
        // follows it (its shape is unknown).
        var shared = model
        shared.graph.outputs.append(ONNXValueInfo(name: "d"))
        let kept = try ONNXImporter.importModel(shared, file: "gelu.onnx")
        #expect(kept.opaqueNodes.first == "Erf_1 (Erf)")
        #expect(!kept.model.graph.nodes.contains { $0.op == .activation(.gelu(approximate: false)) })
    }

    @Test func foldedShapeChainsLeaveNoNodes() throws {
        // x.view(x.size(0), -1) as PyTorch's legacy exporter writes it.
        let nodes = [
            ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
            ONNXNode(opType: "Constant", inputs: [], outputs: ["i"], attributes: [ONNXAttribute("value", .tensor(ONNXTensor(name: "", dims: [], int64s: [0])))]),
            ONNXNode(opType: "Gather", inputs: ["s", "i"], outputs: ["n"], attributes: [ONNXAttribute("axis", .int(0))]),
            ONNXNode(opType: "Unsqueeze", inputs: ["n"], outputs: ["u"], attributes: [ONNXAttribute("axes", .ints([0]))]),
            ONNXNode(opType: "Concat", inputs: ["u", "m"], outputs: ["t"], attributes: [ONNXAttribute("axis", .int(0))]),
            ONNXNode(opType: "Reshape", inputs: ["x", "t"], outputs: ["y"]),
        ]
        let model = ONNXImportSupport.model(opset: 11, nodes: nodes, initializers: [ONNXTensor(name: "m", dims: [1], int64s: [-1])],
                                            inputs: [("x", [1, 2, 3, 3])], outputs: ["y"])
        let imported = try ONNXImporter.importModel(model, file: "chain.onnx")
        #expect(imported.model.graph.nodes.count == 1)
        #expect(imported.model.graph.nodes.first?.op == .flatten(Flatten(axis: 1, endAxis: -1)))
    }
}
