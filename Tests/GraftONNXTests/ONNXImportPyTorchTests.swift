import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftONNX

/// torchvision networks (ResNet-18, MobileNetV2, SqueezeNet 1.1, EfficientNet-B0 and
/// MobileNetV3-Small: the inference plan's folded Swish and HardSwish, composed from the
/// Sigmoid · x and HardSigmoid · x the exporter writes, and its blocked squeeze-and-excitation)
/// with random weights exported by PyTorch's TorchScript exporter
/// (`dynamo=False`) at opsets 11 and 17 with a symbolic batch, and by the dynamo exporter at
/// opset 18 when onnxscript is importable (`PYTHONPATH`), generated at test time by
/// `Tests/Fixtures/onnx/import/export_torchvision.py` and compared with ONNX Runtime.
@Suite("ONNX import: PyTorch exports against ONNX Runtime", .serialized)
struct ONNXImportPyTorchTests {
    static let available = CrossCheck.runs(CrossCheck.onnxPython != nil)
    static let models = ["resnet18_opset11", "resnet18_opset17", "mobilenet_v2_opset11", "mobilenet_v2_opset17",
                         "squeezenet1_1_opset11", "squeezenet1_1_opset17",
                         "efficientnet_b0_opset11", "efficientnet_b0_opset17", "mobilenet_v3_small_opset11", "mobilenet_v3_small_opset17",
                         "blocks_opset11", "blocks_opset17",
                         "resnet18_dynamo_opset18", "mobilenet_v2_dynamo_opset18", "squeezenet1_1_dynamo_opset18",
                         "efficientnet_b0_dynamo_opset18", "mobilenet_v3_small_dynamo_opset18", "blocks_dynamo_opset18"]

    /// The exports, made once per test run.
    static let exports: Result<TemporaryDirectory, ONNXImportSupport.Failure> = {
        let directory = TemporaryDirectory()
        do {
            try ONNXImportSupport.python([ONNXImportSupport.fixture("export_torchvision.py"), directory.url.path])
            return .success(directory)
        } catch {
            return .failure(ONNXImportSupport.Failure("\(error)"))
        }
    }()

    @Test(.enabled(if: available, "needs the ONNX venv with torch and torchvision (GRAFT_ONNX_PYTHON)"), arguments: models)
    func exportMatchesONNXRuntime(_ name: String) throws {
        let directory = try Self.exports.get()
        if name.contains("dynamo"), !FileManager.default.fileExists(atPath: directory.path("\(name).onnx")) {
            // Under CI the venv has onnxscript (Scripts/make-onnx-venv.sh): a missing export is a failure there.
            try CrossCheck.require(false, "PyTorch \(name): onnxscript is not importable; the dynamo exporter needs it")
        }
        let imported = try ONNXImporter.importModel(path: directory.path("\(name).onnx"))
        #expect(imported.opaqueNodes.isEmpty, "\(imported.warnings)")
        #expect(imported.model.provenance.notes.first?.hasPrefix("producer pytorch") == true)
        #expect(imported.model.graph.inputs[0].shape == [1, 3, 112, 112], "a symbolic batch becomes 1")
        let input = try NPY.read(path: directory.path("\(name)_input.npy"))
        let expected = try NPY.read(path: directory.path("\(name)_output.npy"))
        let output = try ONNXImportSupport.run(imported.model, inputs: [input])[0]
        #expect(output.shape == expected.shape)
        let agreement = TensorComparison(output.scalars, expected.scalars)
        let rms = (expected.scalars.reduce(0) { $0 + Double($1) * Double($1) } / Double(expected.elementCount)).squareRoot()
        print("PyTorch \(name): \(imported.model.graph.nodes.count) Graft nodes; \(agreement); reference rms \(String(format: "%.3g", rms))")
        #expect(agreement.passed, "\(name): \(agreement)")

        // The batch is not baked in: two samples give each sample's output.
        let doubled = Tensor(shape: [2, 3, 112, 112], scalars: input.scalars + input.scalars.map { 1 - $0 })
        let batched = try ONNXImportSupport.run(imported.model, inputs: [doubled], batchSize: 2)[0]
        #expect(batched.shape == [2, expected.shape[1]])
        let first = TensorComparison(Array(batched.scalars.prefix(expected.elementCount)), output.scalars)
        #expect(first.passed, "batch of 2, first sample: \(first)")
    }
}
