import Foundation
import GraftCore
import GraftONNX

/// `graft convert` for ONNX: one `.onnx` file (external data read from beside it).
enum ONNXConverter: ModelConverter {
    static func validate(inputs: [String]) -> String? {
        inputs.count == 1 ? nil : "give one .onnx file (got \(inputs.count) files)"
    }

    static func convert(inputs: [String], options: ConversionOptions) throws -> Conversion {
        let importOptions = ONNXImportOptions(strict: options.strict, inputShape: options.inputShape, mean: options.mean,
                                              scale: options.scale)
        let imported = try ONNXImporter.importModel(path: inputs[0], options: importOptions)
        return Conversion(model: imported.model, warnings: imported.warnings)
    }
}
