import Foundation
import GraftCore
import GraftZoo
import GraftEngine
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Graft → ONNX (``ONNXExporter``) → Graft (``ONNXImporter``): the re-imported model computes
/// what the original computes, at any batch size, and keeps its preprocessing, class labels and
/// training settings through the `graft.*` metadata.
@Suite("ONNX import: round trip through the exporter")
struct ONNXImportRoundTripTests {
    static func subjects() -> [(String, Model)] {
        var result: [(String, Model)] = []
        for name in ["cifar10-quick", "tiny-cnn"] {
            let graph = Architectures.named(name)!
            var model = Model(graph: graph, weights: graph.randomWeights(seed: 3), provenance: Provenance(sourceFormat: "graft"))
            model.preprocessing = Preprocessing(input: graph.inputs[0].name, inputShape: graph.inputs[0].shape, channelOrder: .bgr,
                                                valueRange: [0, 255], steps: [.subtract([104, 117, 123]), .multiply([0.017])])
            let first = graph.parameterTensors[0].key
            model.training = TrainingMetadata(parameters: [first: .init(learningRateMultiplier: 0.5, decayMultiplier: 0, frozen: true)],
                                              classLabels: (0..<(name == "tiny-cnn" ? 2 : 10)).map { "class \($0)" })
            result.append((name, model))
        }
        result.append(("foldable", ONNXExportOpTests.foldable()))
        return result
    }

    @Test(arguments: [13, 17, 21])
    func reimportedModelsComputeTheSame(opset: Int) throws {
        for (name, model) in Self.subjects() {
            let exported = try ONNXExporter.export(model, options: ONNXExportOptions(opset: opset, dynamicBatch: true))
            let bytes = try ONNXWriter.serialize(exported).model
            let imported = try ONNXImporter.importModel(try ONNXReader.decode(Data(bytes), file: "\(name).onnx"), file: "\(name).onnx")
            #expect(imported.opaqueNodes.isEmpty, "\(name): \(imported.warnings)")
            #expect(imported.model.preprocessing == model.preprocessing, "\(name)")
            #expect(imported.model.training?.classLabels == model.training?.classLabels, "\(name)")
            if let settings = model.training?.parameters, let (key, value) = settings.first {
                // The settings follow the tensor, whatever the re-imported node is called.
                let original = try #require(model.weights[key])
                let same = imported.model.weights.filter { $0.value == original }.map(\.key)
                #expect(same.count == 1, "\(name): \(key) is \(same) after the round trip")
                #expect(same.first.flatMap { imported.model.training?.parameters[$0] } == value, "\(name): \(key) lost its settings")
            }
            #expect(imported.model.provenance.notes.contains { $0.contains("from graft") }, "\(name)")
            for batch in [1, 3] {
                var shape = model.graph.inputs[0].shape
                shape[0] = batch
                let input = Tensor(shape: shape, scalars: ONNXImportSupport.random(shape.dims, seed: UInt64(batch)))
                let expected = try ONNXImportSupport.run(model, inputs: [input], batchSize: batch)
                let actual = try ONNXImportSupport.run(imported.model, inputs: [input], batchSize: batch)
                #expect(actual.count == expected.count)
                for (a, e) in zip(actual, expected) {
                    #expect(a.shape == e.shape, "\(name) opset \(opset) batch \(batch)")
                    let agreement = TensorComparison(a.scalars, e.scalars)
                    #expect(agreement.passed, "\(name) opset \(opset) batch \(batch): \(agreement)")
                }
            }
        }
    }

    /// Every reference Caffe model: Caffe → Graft → ONNX → Graft keeps every weight tensor
    /// bit for bit (each original tensor is found, unchanged, in the re-imported weights; the
    /// exporter may rename nodes) and computes the same outputs.
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe")), "\(SharedData.absentMessage)"))
    func caffeModelsSurviveTheRoundTripBitForBit() throws {
        for (name, model) in try ONNXExportReferenceTests.caffeModels() {
            let exported = try ONNXExporter.export(model, options: ONNXExportOptions(opset: 17))
            let bytes = try ONNXWriter.serialize(exported).model
            let imported = try ONNXImporter.importModel(try ONNXReader.decode(Data(bytes), file: "\(name).onnx"), file: "\(name).onnx")
            #expect(imported.opaqueNodes.isEmpty, "\(name): \(imported.warnings)")
            let reimported = Set(imported.model.weights.values.map(\.scalars))
            var unchanged = 0
            for (key, tensor) in model.weights {
                if reimported.contains(tensor.scalars) { unchanged += 1 } else { Issue.record("\(name): \(key) changed in the round trip") }
            }
            let shape = model.graph.inputs[0].shape
            let input = Tensor(shape: shape, scalars: ONNXImportSupport.random(shape.dims, seed: 5).map { $0 * 100 })
            let expected = try ONNXImportSupport.run(model, inputs: [input])
            let actual = try ONNXImportSupport.run(imported.model, inputs: [input])
            var worst = ""
            for (a, e) in zip(actual, expected) {
                let agreement = TensorComparison(a.scalars, e.scalars)
                worst = "\(agreement)"
                #expect(agreement.passed, "\(name): \(agreement)")
            }
            print("[onnx-roundtrip] \(name): \(unchanged) of \(model.weights.count) weight tensors bit-identical; outputs \(worst)")
        }
    }
}
