import Foundation
import Testing
import GraftCore
import GraftNIfTI
import GraftTestSupport

@Suite struct NIfTIHostileFileTests {
    let folder = TemporaryDirectory()

    func path(_ name: String) -> String { folder.url.appendingPathComponent(name).path }

    func outcome(_ bytes: [UInt8], _ name: String) -> Result<NIfTIImage, NIfTIError> {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        do { return .success(try NIfTIImage.read(p)) } catch {
            #expect(error.description.contains(p), "the error names the file: \(error)")
            return .failure(error)
        }
    }

    @Test func theValidStartingPointReadsScaledWithItsSform() throws {
        let file = TinyNIfTI()
        let image = try outcome(file.encoded(), "valid.nii").get()
        #expect(image.dimensions == [4, 3, 2] && image.formatVersion == 1 && image.sformCode == 1)
        #expect(image.values == file.values.map { Float($0) * 2 - 100 })
        #expect(image.affine.matrix == [0.5, 0, 0, 10, 0, 1, 0, -20, 0, 0, 1.5, 5, 0, 0, 0, 1])
        #expect(image.volume().value(column: 1, row: 2, slice: 1) == image.values[(1 * 3 + 2) * 4 + 1])
    }

    @Test func eachLieIsATypedError() {
        func expectFailure(_ file: TinyNIfTI, _ name: String, _ check: (NIfTIError) -> Bool) {
            switch outcome(file.encoded(), name) {
            case .success: Issue.record("\(name): read without error")
            case .failure(let error): #expect(check(error), "\(name): \(error)")
            }
        }
        var truncated = TinyNIfTI()
        truncated.truncateData = 5
        expectFailure(truncated, "truncated.nii") { if case .truncated = $0 { true } else { false } }

        var huge = TinyNIfTI()
        huge.dims = [32767, 32767, 32767, 32767]
        huge.voxels = []
        expectFailure(huge, "huge.nii") { if case .tooLarge = $0 { true } else { false } }

        var negative = TinyNIfTI()
        negative.dims = [4, -3, 2]
        negative.voxels = []
        expectFailure(negative, "negative-dim.nii") { _ in true }

        var noDims = TinyNIfTI()
        noDims.dims = []
        noDims.voxels = []
        expectFailure(noDims, "zero-ndim.nii") { _ in true }

        var complex = TinyNIfTI()
        complex.datatype = 32; complex.bitpix = 64
        expectFailure(complex, "complex.nii") { if case .unsupported = $0 { true } else { false } }

        var bitpix = TinyNIfTI()
        bitpix.bitpix = 8
        expectFailure(bitpix, "bitpix.nii") { _ in true }

        var offset = TinyNIfTI()
        offset.voxOffset = 1e9
        expectFailure(offset, "offset-past-end.nii") { if case .truncated = $0 { true } else { false } }

        var nanIntercept = TinyNIfTI()
        nanIntercept.intercept = .nan
        expectFailure(nanIntercept, "nan-intercept.nii") {
            if case .invalidHeader(_, let field, _, _) = $0 { field == "scl_inter" } else { false }
        }

        var analyze = TinyNIfTI()
        analyze.magic = "\0\0\0"
        expectFailure(analyze, "analyze.nii") { _ in true }

        if case .success = outcome([], "empty.nii") { Issue.record("an empty file read") }
        if case .success = outcome(Array("not a header".utf8), "text.nii") { Issue.record("text read") }
        #expect(throws: NIfTIError.self) { try NIfTIImage.read(path("missing.nii")) }
    }

    @Test func everyTruncationFails() {
        let bytes = TinyNIfTI().encoded()
        var read = 0
        for length in 0..<bytes.count {
            if case .success = outcome(Array(bytes.prefix(length)), "cut-\(length).nii") { read += 1 }
            try? FileManager.default.removeItem(atPath: path("cut-\(length).nii"))
        }
        #expect(read == 0, "\(read) truncated copies read without error")
    }

    @Test func mutationFuzz() {
        let original = TinyNIfTI(dims: [5, 4, 3, 2]).encoded()
        var generator = SeededGenerator(seed: 11)
        var read = 0, refused = 0
        for round in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<352, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
                case 1: bytes[at] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &generator)]
                default: bytes[at] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            switch outcome(bytes, "mutant-\(round).nii") {
            case .success(let image):
                #expect(image.values.count == image.dimensions.reduce(1, *))
                read += 1
            case .failure: refused += 1
            }
            try? FileManager.default.removeItem(atPath: path("mutant-\(round).nii"))
        }
        print("NIfTI mutation fuzz: \(read) read, \(refused) refused, 0 crashes")
        #expect(read > 0 && refused > 0)
    }
}
