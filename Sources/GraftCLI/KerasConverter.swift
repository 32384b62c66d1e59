import Foundation
import GraftCore
import GraftKeras

/// `graft convert` for Keras: an `.h5`/`.hdf5` (full model or weights), a `.keras` archive, or a
/// Keras 3 `.weights.h5`, with the architecture from a `.json` (or a full model file) when the
/// weights file has none.
enum KerasConverter: ModelConverter {
    static func split(_ inputs: [String]) -> (weights: [String], architectures: [String]) {
        let isJSON = { (p: String) in URL(fileURLWithPath: p).pathExtension.lowercased() == "json" }
        return (inputs.filter { !isJSON($0) }, inputs.filter(isJSON))
    }

    static func validate(inputs: [String]) -> String? {
        let (weights, architectures) = split(inputs)
        if weights.isEmpty { return "give a Keras .h5, .hdf5 or .keras file (and its architecture .json if it holds only weights)" }
        if weights.count > 2 || architectures.count > 1 { return "give one weights file and at most one architecture" }
        return nil
    }

    static func convert(inputs: [String], options: ConversionOptions) throws -> Conversion {
        var (weights, architectures) = split(inputs)
        // Two HDF5 files: the one named like a weights file holds the weights, the other the architecture.
        if weights.count == 2 {
            let first = weights[0].lowercased().hasSuffix(".weights.h5") ? 0 : 1
            architectures.append(weights[1 - first])
            weights = [weights[first]]
        }
        var importOptions = KerasImportOptions(strict: options.strict)
        if let choice = options.preprocess { importOptions.preprocessing = choice.mode }
        importOptions.sourceBackend = options.sourceBackend
        if let shape = options.inputShape {
            // --input-shape is N,C,H,W everywhere in Graft; Keras wants H,W,C without the batch.
            guard shape.count == 4 else { throw CommandFailure("--input-shape for Keras models must be N,C,H,W") }
            importOptions.inputShape = [shape[2], shape[3], shape[1]]
        }
        let result = try KerasImporter.importModel(path: weights[0], architecture: architectures.first, options: importOptions)
        return Conversion(model: result.model, warnings: result.warnings.map { "\($0)" })
    }
}
