import Foundation
import GraftCore

/// libFuzzer entry point: every input must either open as a `.graft` file or be rejected with a
/// `NativeFormatError`. Anything that opens must also load, write back, and reopen with the same
/// graph and tensors; a violation crashes so libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNativeReader(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    guard let file = try? NativeFile.parse(data: data, path: "fuzz-input") else { return 0 }
    let model: Model
    do {
        model = try file.loadModel()
    } catch {
        fatalError("opened but could not load: \(error)")
    }
    do {
        let rewritten = try NativeFile.parse(data: try NativeWriter.encode(model), path: "fuzz-rewritten")
        precondition(rewritten.graph == model.graph, "graph changed when written back")
        precondition(rewritten.provenance == model.provenance, "provenance changed when written back")
        for entry in file.tensors {
            let before = try file.tensor(entry.name).scalars.map(\.bitPattern)
            let after = try rewritten.tensor(entry.name).scalars.map(\.bitPattern)
            precondition(before == after, "tensor \(entry.name) changed when written back")
        }
    } catch {
        fatalError("the reader accepted a file whose model the writer rejects: \(error)")
    }
    return 0
}
