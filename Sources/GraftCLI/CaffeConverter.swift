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
        // Hash the source files on the second core while the first parses them and writes the
        // tensor data; the digests go into the header, which is written last.
        let files = prototxts + caffemodels + (options.meanFile.map { [$0] } ?? [])
        let timing = ProcessInfo.processInfo.environment["GRAFT_TIMING"] != nil
        let started = Date()
        let digests = SourceDigests(paths: files)
        var imported = try CaffeImporter.importFiles(prototxt: prototxts.first, caffemodel: caffemodels.first,
                                                     options: importOptions)
        if timing {
            FileHandle.standardError.write(Data(String(format: "timing: import %.3f s\n", Date().timeIntervalSince(started)).utf8))
        }
        imported.model.provenance.sourceFiles = try digests.placeholders()
        let provenance = imported.model.provenance
        return Conversion(model: imported.model, warnings: imported.warnings) {
            let waitStart = Date()
            var final = provenance
            final.sourceFiles = try digests.wait()
            if timing {
                FileHandle.standardError.write(Data(String(format: "timing: digests %.3f s (in parallel), waited %.3f s for them\n",
                    digests.elapsed, Date().timeIntervalSince(waitStart)).utf8))
            }
            return final
        }
    }
}
