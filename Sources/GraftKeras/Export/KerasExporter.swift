public import GraftCore
import GraftFiles
import Foundation

/// The Keras files ``KerasExporter`` writes.
public enum KerasExportFormat: String, Sendable, CaseIterable {
    /// A Keras 2 full model `.h5` (`model_config`, `keras_version`, `backend`, `model_weights/`
    /// with `layer_names` and per-layer `weight_names`), which `tf.keras.models.load_model` and
    /// Keras 3's `keras.models.load_model` both open.
    case keras2H5
    /// A Keras 3 `.weights.h5` (`layers/<class>_<n>/vars/<i>`) plus the architecture as Keras 3
    /// JSON beside it, for `keras.models.model_from_json(...)` then `model.load_weights(...)`.
    case keras3Weights
}

/// Writes Graft models as Keras files: a channels-last Functional model of built-in layers that
/// computes what the Graft graph computes.
///
/// ```swift
/// let model = try NativeFile.open("emotion.graft").loadModel()
/// try KerasExporter.export(model, to: "emotion.h5", format: .keras2H5)
/// ```
///
/// Layouts are converted back (OIHW kernels to HWIO, channel-major dense rows after a flatten to
/// Keras's H, W, C order) by permutation only, so a model imported from Keras exports with
/// bit-identical weights. Operations without a Keras layer (LRN, Slice, opaque layers of other
/// frameworks) are a ``KerasExportError/noKerasEquivalent(node:op:reason:)`` naming the node.
public enum KerasExporter {
    /// Where ``export(_:to:format:)`` writes for `path`: the file itself for `.keras2H5`; for
    /// `.keras3Weights`, `<stem>.weights.h5` and `<stem>.json`, where `<stem>` is `path` without a
    /// `.weights.h5`, `.h5`, `.json` or `.keras` suffix (Keras 3 loads weights only from files
    /// named `*.weights.h5`).
    public static func outputPaths(for path: String, format: KerasExportFormat) -> (weights: String, architecture: String?) {
        switch format {
        case .keras2H5:
            return (path, nil)
        case .keras3Weights:
            var stem = path
            for suffix in [".weights.h5", ".h5", ".json", ".keras"] where stem.hasSuffix(suffix) {
                stem.removeLast(suffix.count)
                break
            }
            return (stem + ".weights.h5", stem + ".json")
        }
    }

    /// Writes `model` as a Keras file.
    ///
    /// - Parameters:
    ///   - model: The model to write.
    ///   - path: The file to write (see ``outputPaths(for:format:)`` for `.keras3Weights`).
    ///   - format: A Keras 2 full model `.h5`, or Keras 3 weights plus JSON architecture.
    /// - Returns: The paths written.
    /// - Throws: ``KerasExportError`` naming the node Keras cannot represent, or the file.
    @discardableResult
    public static func export(_ model: Model, to path: String, format: KerasExportFormat) throws(KerasExportError) -> [String] {
        var builder = try KerasExportBuilder(model: model, format: format)
        try builder.run()
        var outputs: [String] = []
        for value in model.graph.outputs {
            guard var binding = builder.bindings[value] else {
                throw .invalidModel(reason: "graph output '\(value)' was not written")
            }
            if case .flattenedChannelsFirst = binding.layout { binding = builder.keras(binding) }
            outputs.append(binding.layer)
        }
        let name = model.graph.name.isEmpty ? "graft_model" : model.graph.name
        let layers = builder.layers
        let paths = outputPaths(for: path, format: format)
        switch format {
        case .keras2H5:
            let config = KerasConfigWriter.keras2(name: name, layers: layers, inputs: builder.inputLayers, outputs: outputs)
            try KerasHDF5Writer.writeLegacyFull(to: paths.weights, modelConfig: config.serialized, layers: layers)
            return [paths.weights]
        case .keras3Weights:
            let config = KerasConfigWriter.keras3(name: name, layers: layers, inputs: builder.inputLayers, outputs: outputs)
            let architecture = paths.architecture!
            do {
                try AtomicFile.write(Data(config.serialized.utf8), to: architecture)
            } catch {
                throw .io(path: architecture, reason: error.reason)
            }
            try KerasHDF5Writer.writeKeras3Weights(to: paths.weights, modelName: name, layers: layers)
            return [paths.weights, architecture]
        }
    }
}
