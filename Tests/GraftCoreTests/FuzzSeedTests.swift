import Foundation
import Testing
@testable import GraftCore

/// Writes the libFuzzer seed corpus (`Fuzz/Corpus/`) when `GRAFT_WRITE_FUZZ_SEEDS=1`, so the seeds
/// always come from the current writer and fixtures.
@Suite("Fuzz seed corpus")
struct FuzzSeedTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GRAFT_WRITE_FUZZ_SEEDS"] == "1",
                   "set GRAFT_WRITE_FUZZ_SEEDS=1 to regenerate Fuzz/Corpus"))
    func writeSeedCorpus() throws {
        let corpus = repositoryRoot + "/Fuzz/Corpus"
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
    }
}
