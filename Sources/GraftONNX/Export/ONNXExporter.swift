public import GraftCore
import Foundation

/// What ``ONNXExporter`` writes: the operator set, a symbolic batch, BatchNorm folding, and when
/// weights move to an external data file.
public struct ONNXExportOptions: Sendable, Equatable {
    /// The opsets the exporter writes (13: Softmax on any axis and Split sizes as an input;
    /// 21: the newest ONNX Runtime 1.2x runs).
    public static let supportedOpsets: ClosedRange<Int> = 13...21

    /// The default-domain operator set version.
    public var opset: Int
    /// Declare the first dimension of every graph input and output as the symbol `N`.
    public var dynamicBatch: Bool
    /// Fold BatchNorm, Scale and Bias nodes that directly (and alone) follow a convolution into
    /// its weight and bias.
    public var foldBatchNorm: Bool
    /// ``ONNXExporter/write(_:to:options:)`` stores the weights in `<file>.data` beside the
    /// model when they total more than this many bytes (protobuf messages end at 2 GiB).
    public var externalDataThreshold: Int

    /// Options writing opset 17 with a fixed batch, no folding, and weights inside the model up to
    /// about 1.8 GB.
    public init(opset: Int = 17, dynamicBatch: Bool = false, foldBatchNorm: Bool = false,
                externalDataThreshold: Int = 1_800_000_000) {
        self.opset = opset
        self.dynamicBatch = dynamicBatch
        self.foldBatchNorm = foldBatchNorm
        self.externalDataThreshold = externalDataThreshold
    }
}

/// Writes Graft models as ONNX: standard `ai.onnx` operators computing exactly what Graft's
/// engine computes, Graft's metadata under `graft.*` metadata keys.
///
/// ```swift
/// let model = try NativeFile.open("emotion.graft").loadModel()
/// try ONNXExporter.write(model, to: "emotion.onnx", options: ONNXExportOptions(opset: 17, dynamicBatch: true))
/// ```
///
/// Every Graft operation has an exporter (`ONNXOpExporters.all`); a setting ONNX operators
/// cannot express directly is decomposed (Caffe's ceil-mode pooling into an explicit Pad and a
/// floor-mode pool, within-channel LRN into a pool of squares, GELU below opset 20 into Erf).
/// Opaque nodes are a ``ONNXError/notExportable(node:op:reason:)`` naming the node.
public enum ONNXExporter {
    /// The metadata keys written (and read back by the importer).
    public enum MetadataKey {
        /// GraftCore's `Preprocessing` as JSON.
        public static let preprocessing = "graft.preprocessing"
        /// GraftCore's `Provenance` as JSON.
        public static let provenance = "graft.provenance"
        /// GraftCore's `TrainingMetadata` as JSON.
        public static let training = "graft.training"
        /// The class labels alone as a JSON array of strings, for other tools.
        public static let classLabels = "graft.class_labels"
    }

    /// A `TrainingMetadata` (GraftCore) whose JSON is longer than this is written with its class labels only.
    public static let trainingMetadataLimit = 1 << 20

    /// The ONNX model computing `model`.
    public static func export(_ model: Model, options: ONNXExportOptions = ONNXExportOptions()) throws(ONNXError) -> ONNXModel {
        guard ONNXExportOptions.supportedOpsets.contains(options.opset) else {
            throw .unsupportedOpset(options.opset, supported: ONNXExportOptions.supportedOpsets)
        }
        var builder = try ONNXExportBuilder(model: model, options: options)
        try builder.run()
        let graph = ONNXGraph(name: model.graph.name.isEmpty ? "graft" : model.graph.name, nodes: builder.nodes,
                              initializers: builder.initializers, inputs: builder.graphInputs(),
                              outputs: try builder.graphOutputs())
        return ONNXModel(irVersion: irVersion(opset: options.opset),
                         opsets: [ONNXOperatorSet(domain: "", version: Int64(options.opset))],
                         producerName: "graft", producerVersion: GraftVersion.current, graph: graph,
                         metadata: try metadata(model))
    }

    /// Exports `model` and writes it to `path` atomically (no file is left on error). Weights
    /// totalling more than `options.externalDataThreshold` bytes go to `<file name>.data` beside it.
    /// - Returns: The paths written.
    @discardableResult
    public static func write(_ model: Model, to path: String,
                             options: ONNXExportOptions = ONNXExportOptions()) throws(ONNXError) -> [String] {
        let onnx = try export(model, options: options)
        let weightBytes = onnx.graph.initializers.reduce(0) { total, t in
            total + (t.elementCount ?? 0) * (t.dataType.byteWidth ?? 4)
        }
        guard weightBytes > options.externalDataThreshold else {
            try ONNXWriter.write(onnx, to: path)
            return [path]
        }
        let fileName = URL(fileURLWithPath: path).lastPathComponent + ".data"
        try ONNXWriter.write(onnx, to: path, external: ONNXWriter.ExternalData(fileName: fileName))
        return [path, URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(fileName).path]
    }

    /// The lowest IR version that carries `opset` (onnx/helper.py's VERSION_TABLE), so older
    /// runtimes open the file.
    static func irVersion(opset: Int) -> Int64 {
        switch opset {
        case ...14: 7
        case 15...18: 8
        case 19...20: 9
        default: 10
        }
    }

    /// `metadata_props`: each value the JSON of the Codable value, encoded as the native format
    /// encodes its documents (sorted keys, unescaped slashes).
    static func metadata(_ model: Model) throws(ONNXError) -> [ONNXKeyValue] {
        var entries: [ONNXKeyValue] = []
        if let preprocessing = model.preprocessing {
            entries.append(ONNXKeyValue(MetadataKey.preprocessing, try json(preprocessing)))
        }
        entries.append(ONNXKeyValue(MetadataKey.provenance, try json(model.provenance)))
        if let training = model.training {
            var text = try json(training)
            if text.utf8.count > trainingMetadataLimit {
                text = try json(TrainingMetadata(classLabels: training.classLabels))
            }
            entries.append(ONNXKeyValue(MetadataKey.training, text))
            if !training.classLabels.isEmpty {
                entries.append(ONNXKeyValue(MetadataKey.classLabels, try json(training.classLabels)))
            }
        }
        return entries
    }

    static func json<T: Encodable>(_ value: T) throws(ONNXError) -> String {
        do { return try MetadataDocument.encode(value) } catch {
            throw .notExportable(node: "<model>", op: "metadata", reason: "cannot encode \(T.self) as JSON: \(error.reason)")
        }
    }
}
