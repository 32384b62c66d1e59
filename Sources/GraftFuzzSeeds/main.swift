// Writes the libFuzzer seed corpus of `Fuzz/` (FuzzNativeReader): three valid `.graft` files and
// five damaged ones from the corrupt-file catalogue, so the seeds always come from the current
// writer and the fixtures GraftCoreTests checks. Run by Scripts/make-fuzz-seeds.sh (`make
// fuzz-seeds`); the output folder is the first argument, by default `Fuzz/Corpus`.
import Foundation
import GraftCore
import GraftNativeFixtures

let corpus = CommandLine.arguments.dropFirst().first ?? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // main.swift, GraftFuzzSeeds/, Sources/
    return url.path + "/Fuzz/Corpus"
}()

do {
    try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
    var model = try Fixtures.smallModel()
    model.weights["state.step"] = Tensor(shape: [], scalars: [1])
    var seeds: [(String, Data)] = [
        ("small-model.graft", try NativeWriter.encode(model)),
        ("tiny.graft", HandMadeFile().bytes),
        ("mixed-dtypes.graft", HandMadeFile.mixedDTypes()),
    ]
    for damage in [Damage.offsetsWithGap, .duplicateNestedKey, .graphWithCycle, .unreferencedTensor, .shapeOverflow] {
        seeds.append(("damaged-\(damage.rawValue).graft", damage.bytes))
    }
    for (name, bytes) in seeds { try bytes.write(to: URL(fileURLWithPath: corpus + "/" + name)) }
    print("graft-fuzz-seeds: wrote \(seeds.count) seeds to \(corpus)")
} catch {
    FileHandle.standardError.write(Data("graft-fuzz-seeds: \(error)\n".utf8))
    exit(1)
}
