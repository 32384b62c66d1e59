import Foundation
import GraftCaffe
import GraftCore

/// `graft convert` for Caffe: a `.prototxt`, a `.caffemodel`, or both.
enum CaffeConverter: ModelConverter {
    static func split(_ inputs: [String]) -> (prototxts: [String], caffemodels: [String]) {
        let ext = { (p: String) in URL(fileURLWithPath: p).pathExtension.lowercased() }
        return (inputs.filter { ext($0) == "prototxt" }, inputs.filter { ext($0) == "caffemodel" })
    }

    static func validate(inputs: [String]) -> String? {
        let (prototxts, caffemodels) = split(inputs)
        if prototxts.count > 1 { return "give at most one .prototxt (got \(prototxts.count))" }
        if caffemodels.count > 1 { return "give at most one .caffemodel (got \(caffemodels.count))" }
        if prototxts.isEmpty && caffemodels.isEmpty { return "give a .prototxt, a .caffemodel or both" }
        return nil
    }

    static func convert(inputs: [String], options: ConversionOptions) throws -> Conversion {
        let (prototxts, caffemodels) = split(inputs)
        let importOptions = CaffeImportOptions(inputShape: options.inputShape, mean: options.mean, meanFile: options.meanFile,
                                               strict: options.strict, seed: options.seed)
        // The digests go into the header, which is written last: hashing overlaps parsing and writing.
        let started = Date()
        let (imported, completeProvenance) = try CaffeImporter.importFilesHashingOnward(
            prototxt: prototxts.first, caffemodel: caffemodels.first, options: importOptions)
        if ProcessInfo.processInfo.environment["GRAFT_TIMING"] != nil {
            FileHandle.standardError.write(Data(String(format: "timing: import %.3f s\n", Date().timeIntervalSince(started)).utf8))
        }
        return Conversion(model: imported.model, warnings: imported.warnings) { try completeProvenance() }
    }
}
