import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Arithmetic recorded as operation nodes (Keras 3 `keras.src.ops.numpy.*`, tf.keras
/// `TFOpLambda`) and element-wise layers that broadcast, written by real Keras
/// (`Tests/Fixtures/keras/ops/make_ops.py`): the hard swish and squeeze-and-excitation blocks of
/// MobileNetV3 and EfficientNet, constants on either side, a per-position map added to every
/// channel, a broadcast maximum.
struct KerasOperationTests {
    static let files: [(file: String, architecture: String?)] = [
        ("k3_ops_zoo.keras", nil), ("k3_ops_zoo.h5", nil), ("k3_ops_zoo.weights.h5", "k3_ops_zoo.keras"), ("tfk_ops_zoo.h5", nil),
    ]

    static func path(_ name: String) -> String { KerasFixtures.path("ops/\(name)") }

    @Test(arguments: Array(files.indices))
    func operationsMatchKeras(_ index: Int) throws {
        let f = Self.files[index]
        let (model, warnings) = try KerasImporter.importModel(path: Self.path(f.file), architecture: f.architecture.map(Self.path))
        let reference = try KerasRun.reference(Self.path(String(f.file.prefix { $0 != "." }) + ".npz"))
        #expect(!model.graph.nodes.contains { if case .opaque = $0.op { true } else { false } }, "warnings: \(warnings)")
        let output = try KerasRun.run(model, kerasInput: reference.input)
        let agreement = TensorComparison(output.scalars, reference.output.scalars)
        print("[keras-ops] \(f.file): \(agreement)")
        #expect(agreement.passed, "\(f.file): \(agreement)")
        // The constants became affine maps, the squeeze-and-excitation scale a broadcast product.
        let powers = model.graph.nodes.compactMap { if case .power(let p) = $0.op { p } else { nil } }
        #expect(powers.contains(Power(scale: 1, shift: 3)) && powers.contains(Power(scale: -1, shift: 2)), "\(powers)")
        #expect(powers.contains(Power(scale: 0.25, shift: 0)) && powers.contains(Power(scale: 1, shift: -0.5)))
    }

    static func decode(_ arguments: String, class className: String = "Subtract",
                       module: String = "keras.src.ops.numpy") throws -> KerasOperationTestCase {
        try KerasOperationTestCase(arguments: arguments, className: className, module: module)
    }

    /// Operands Graft cannot express keep the node opaque with a warning naming it, never a crash
    /// or a wrong graph.
    @Test(arguments: [
        ("Divide", "[3.0, {T}]", "divides a constant by a tensor"),
        ("Minimum", "[{T}, 1.0]", "no Graft equivalent"),
        ("Add", "[{T}, [1.0, 2.0]]", "operands Graft cannot read"),
        ("Einsum", "[\"ij\", {T}]", "not one Graft computes"),
        ("Cumsum", "[{T}]", "not one Graft computes"),
    ])
    func unsupportedOperationsStayOpaque(_ className: String, _ arguments: String, _ reason: String) throws {
        let (model, warnings) = try Self.decode(arguments, class: className).importModel()
        #expect(model.graph.nodes.contains { if case .opaque = $0.op { $0.name == "op" } else { false } })
        #expect(warnings.contains { $0.description.contains("op") && $0.description.contains(reason) }, "\(warnings)")
    }
}

/// Image outputs are NCHW whatever layout the last layer computed in.
struct KerasOutputLayoutTests {
    @Test func aChannelsLastImageOutputIsTransposedToNCHW() throws {
        let json = """
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 5, 3], "name": "x"}, "name": "x", "inbound_nodes": []},
          {"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [1, 2, 3], "center": false, "scale": false},
           "name": "ln", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["ln", 0, 0]]}, "keras_version": "3.5.0"}
        """
        let (model, _) = try KerasImporter.importModel(try KerasModel.parseArchitecture(json: Array(json.utf8)))
        #expect(model.graph.inputs[0].shape == [1, 3, 4, 5])
        #expect(try model.graph.inferShapes().values[model.graph.outputs[0]] == [1, 3, 4, 5])
    }
}

/// A one-operation Keras 3 model config: input `[N, 4]` → the operation on `arguments` (with
/// `{T}` standing for the input tensor).
struct KerasOperationTestCase {
    let json: String

    init(arguments: String, className: String, module: String) throws {
        let tensor = #"{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}}"#
        json = """
        {"module": "keras", "class_name": "Functional", "config": {"name": "m", "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "x"}, "name": "x", "inbound_nodes": []},
          {"module": "\(module)", "class_name": "\(className)", "config": {"name": "op"}, "name": "op",
           "inbound_nodes": [{"args": \(arguments.replacingOccurrences(of: "{T}", with: tensor)), "kwargs": {}}]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["op", 0, 0]]}, "keras_version": "3.5.0"}
        """
    }

    func importModel() throws -> KerasImporter.Result {
        let keras = try KerasModel.parseArchitecture(json: Array(json.utf8))
        return try KerasImporter.importModel(keras)
    }
}
