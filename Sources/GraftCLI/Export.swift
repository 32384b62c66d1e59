import ArgumentParser
import Foundation
import GraftCaffe
import GraftCore
import GraftIO
import GraftKeras
import GraftONNX

/// The frameworks `graft export` writes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case caffe
    /// A Keras 2 layout full-model `.h5` (tf.keras and Keras 3 `load_model` open it).
    case keras
    /// A Keras 3 `.weights.h5` plus the architecture as `.json`.
    case keras3
    /// An ONNX model (standard `ai.onnx` operators) with Graft's metadata under `graft.*` keys.
    case onnx
    /// The weights alone as NumPy arrays (`.npz`), keyed by tensor name, in Graft's layouts.
    case npz
}

extension GraftCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a .graft model in another framework's format.",
            discussion: """
                caffe: OUT/deploy.prototxt (V2 layers, an Input layer with the shape) and \
                OUT/weights.caffemodel (V2, BlobShape). Nodes Caffe cannot express (asymmetric padding, \
                ReLU6, Pad, ...) make the export fail with the node's name, and so do layers that should have \
                weights but have none (opaque layers imported without them), unless --force. keras: a Keras-2-layout full model \
                .h5 (-o model.h5). keras3: a Keras 3 .weights.h5 and its architecture .json (-o model.weights.h5). \
                npz: the weights alone as NumPy arrays keyed by tensor name (`conv1.weight`), in Graft's layouts \
                (OIHW kernels, [out, in] inner products) (-o weights.npz). onnx: an ONNX model of standard operators \
                (-o model.onnx; --opset 13 to 21, default 17; weights over 1.8 GB go to model.onnx.data beside it); \
                opaque nodes make the export fail with the node's name. Files are written atomically.
                """)

        @Argument(help: "The .graft file.") var model: String
        @Option(help: "Target format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var to: ExportFormat
        @Option(name: .shortAndLong, help: "caffe: the directory to write into (created if missing); keras, keras3, npz: the file.")
        var output: String
        @Flag(help: "caffe: write layers that should have weights but have none (e.g. opaque layers imported from a prototxt alone) without them.")
        var force = false
        @Option(help: "onnx: the operator set version (\(ONNXExportOptions.supportedOpsets.lowerBound) to \(ONNXExportOptions.supportedOpsets.upperBound); default \(ONNXExportOptions().opset)).")
        var opset: Int?
        @Flag(help: "onnx: declare the batch dimension of inputs and outputs symbolic (N).")
        var dynamicBatch = false
        @Flag(help: "onnx: fold BatchNorm, Scale and Bias that directly follow a convolution into its weights.")
        var foldBatchnorm = false

        func validate() throws {
            if to != .onnx, opset != nil || dynamicBatch || foldBatchnorm {
                throw ValidationError("--opset, --dynamic-batch and --fold-batchnorm apply to --to onnx only")
            }
            if to != .caffe, force { throw ValidationError("--force applies to --to caffe only") }
            if to == .onnx, let opset, !ONNXExportOptions.supportedOpsets.contains(opset) {
                throw ValidationError("--opset \(opset): supported are \(ONNXExportOptions.supportedOpsets.lowerBound) to \(ONNXExportOptions.supportedOpsets.upperBound)")
            }
        }

        func run() throws {
            let file = try NativeFile.open(model)
            let loaded = try file.loadModel()
            switch to {
            case .caffe:
                let export = try CaffeExporter.export(loaded, to: output, allowMissingWeights: force)
                for note in export.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
                print("wrote \(export.prototxtPath) and \(export.caffemodelPath)")
            case .npz:
                try NPZ.write(loaded.weights.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: output)
                print("wrote \(output): \(loaded.weights.count) arrays")
            case .onnx:
                let options = ONNXExportOptions(opset: opset ?? ONNXExportOptions().opset, dynamicBatch: dynamicBatch,
                                                foldBatchNorm: foldBatchnorm)
                let written = try ONNXExporter.write(loaded, to: output, options: options)
                print("wrote " + written.joined(separator: " and ") + " (opset \(options.opset))")
            case .keras, .keras3:
                let written = try KerasExporter.export(loaded, to: output, format: to == .keras ? .keras2H5 : .keras3Weights)
                print("wrote " + written.joined(separator: " and "))
            }
        }
    }
}
