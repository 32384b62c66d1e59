import Foundation
import Testing
import GraftTestSupport
@testable import GraftIO

struct FileDigestTests {
    @Test func knownVectors() throws {
        let dir = TemporaryDirectory()
        try Data("abc".utf8).write(to: dir.url.appendingPathComponent("abc"))
        try Data().write(to: dir.url.appendingPathComponent("empty"))
        // FIPS 180-2 test vectors.
        #expect(try FileDigest.sha256(path: dir.path("abc")).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try FileDigest.sha256(path: dir.path("empty")).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let entry = try FileDigest.sourceFile(path: dir.path("abc"))
        #expect(entry.name == "abc" && entry.bytes == 3)
        #expect(throws: NumPyError.self) { try FileDigest.sha256(path: dir.path("missing")) }
    }

    @Test("a file over two 4 MiB chunks hashes as its bytes in memory do")
    func multipleChunks() throws {
        let dir = TemporaryDirectory()
        var bytes = Data(count: (9 << 20) + 123)
        bytes.withUnsafeMutableBytes { raw in
            for i in raw.indices { raw[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
        }
        try bytes.write(to: dir.url.appendingPathComponent("big"))
        // An independent implementation: coreutils' sha256sum.
        let (status, output) = try ChildProcess.run("/usr/bin/env", ["sha256sum", dir.path("big")])
        #expect(status == 0)
        let expected = String(output.prefix(64))
        let digest = try FileDigest.sha256(path: dir.path("big"))
        #expect(digest.hex == expected)
        #expect(digest.bytes == bytes.count)
    }
}
