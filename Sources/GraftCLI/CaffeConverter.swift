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

    static func convert(inputs: [String], options: ConversionOptions) throws -> (model: Model, warnings: [String]) {
        let (prototxts, caffemodels) = split(inputs)
        let importOptions = CaffeImportOptions(inputShape: options.inputShape, mean: options.mean, meanFile: options.meanFile,
                                               strict: options.strict, seed: options.seed)
        // Hash the source files on the second core while the first parses them.
        let files = prototxts + caffemodels + (options.meanFile.map { [$0] } ?? [])
        let started = Date()
        let digests = SourceDigests(paths: files)
        let result = Result { () throws(CaffeImportError) in
            try CaffeImporter.importFiles(prototxt: prototxts.first, caffemodel: caffemodels.first, options: importOptions)
        }
        let imported0 = Date()
        let sourceFiles = try digests.wait()
        var imported = try result.get()
        if ProcessInfo.processInfo.environment["GRAFT_TIMING"] != nil {
            FileHandle.standardError.write(Data(String(format: "timing: import %.3f s, digests %.3f s (in parallel), waited %.3f s for digests\n",
                imported0.timeIntervalSince(started), digests.elapsed, Date().timeIntervalSince(imported0)).utf8))
        }
        imported.model.provenance.sourceFiles = sourceFiles
        return (imported.model, imported.warnings)
    }
}
