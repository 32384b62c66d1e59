import Foundation
import GraftCore
import GraftONNX

/// libFuzzer entry point for the ONNX reader and importer: every input must either be refused
/// with an `ONNXError` (by the reader or the importer) or import to a model whose graph
/// validates; a crash, or an imported graph that does not validate, is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXImporter(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    guard let model = try? ONNXReader.decode(data, file: "fuzz-input.onnx") else { return 0 }
    guard let imported = try? ONNXImporter.importModel(model, file: "fuzz-input.onnx") else { return 0 }
    do {
        _ = try imported.model.graph.inferShapesPartially()
    } catch {
        fatalError("the importer produced a graph that does not validate: \(error)")
    }
    return 0
}
