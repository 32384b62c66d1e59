import Foundation
import GraftNativeFixtures
import GraftFiles
import GraftTestSupport
import Testing
@testable import GraftCore
#if canImport(Glibc)
import Glibc
#endif

@Suite("Staged file writer: direct I/O, head written last")
struct StagedFileWriterTests {
    /// Seeded bytes, so that a misplaced block shows as a content mismatch.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Writes `head` and `data` (appended in pieces of `piece` bytes) and returns the file's bytes.
    static func roundTrip(head: [UInt8], data: [UInt8], piece: Int, direct: Bool, alignment: Int, stagingSize: Int,
                          in dir: TemporaryDirectory) throws -> (bytes: [UInt8], wasDirect: Bool) {
        let path = dir.path("f-\(UUID().uuidString)")
        let writer = try StagedFileWriter(creating: path, length: head.count + data.count, headLength: head.count,
                                          direct: direct, alignment: alignment, stagingSize: stagingSize)
        var offset = 0
        while offset < data.count {
            let n = min(piece, data.count - offset)
            try data[offset..<offset + n].withUnsafeBytes { try writer.append($0) }
            offset += n
        }
        try writer.finish(head: head)
        let wasDirect = writer.isDirect
        try writer.syncAndClose()
        return (try Data(contentsOf: URL(fileURLWithPath: path)).byteArray, wasDirect)
    }

    /// Heads ending before, on and after block and staging boundaries; data from none to several
    /// staging buffers, ending on and off block boundaries; appended in odd-sized pieces.
    @Test(arguments: [
        (0, 0), (0, 100), (8, 0), (13, 1), (100, 4096), (4095, 1), (4096, 0), (4096, 4096), (4097, 5000),
        (100, 3 * 16384 + 7), (5000, 16384 - 5000), (5000, 16384 - 5000 + 1), (16384, 16384), (20000, 40000),
    ])
    func fileHoldsHeadThenDataInBothModes(_ sizes: (head: Int, data: Int)) throws {
        let dir = TemporaryDirectory()
        let head = Self.bytes(sizes.head, seed: 1), data = Self.bytes(sizes.data, seed: 2)
        for direct in [true, false] {
            for piece in [1000, 4096, 100_000] {
                let (bytes, _) = try Self.roundTrip(head: head, data: data, piece: piece, direct: direct,
                                                    alignment: 4096, stagingSize: 16384, in: dir)
                #expect(bytes.count == head.count + data.count, "direct \(direct), pieces of \(piece)")
                #expect(bytes == head + data, "direct \(direct), pieces of \(piece)")
            }
        }
    }

    @Test func largeFileWithDefaultStagingIsWrittenDirectlyOnThisFileSystem() throws {
        let dir = TemporaryDirectory()
        let head = Self.bytes(12_345, seed: 3), data = Self.bytes(20 << 20, seed: 4)
        let (bytes, wasDirect) = try Self.roundTrip(head: head, data: data, piece: 3 << 20, direct: true,
                                                    alignment: StagedFileWriter.defaultAlignment,
                                                    stagingSize: StagedFileWriter.defaultStagingSize, in: dir)
        #expect(bytes == head + data)
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        // The temporary directory is on a disk file system here (ext4); tmpfs before Linux 6.6 would refuse.
        if Self.supportsDirectIO(dir) { #expect(wasDirect) }
        #endif
    }

    /// An alignment the device refuses (16 bytes) makes the first direct write fail with EINVAL:
    /// the writer turns direct I/O off and the file is still exact.
    @Test func refusedDirectWritesFallBackToBufferedWrites() throws {
        let dir = TemporaryDirectory()
        let head = Self.bytes(40, seed: 5), data = Self.bytes(100_000, seed: 6)
        let (bytes, wasDirect) = try Self.roundTrip(head: head, data: data, piece: 777, direct: true,
                                                    alignment: 16, stagingSize: 4096, in: dir)
        #expect(bytes == head + data)
        if Self.supportsDirectIO(dir) { #expect(!wasDirect) }
    }

    /// `directFlag` really is O_DIRECT: with it, an unaligned write is refused (EINVAL), which no
    /// other open flag does.
    @Test(.enabled(if: StagedFileWriter.directFlag != nil, "no O_DIRECT on this platform"))
    func directFlagIsODirect() throws {
        let dir = TemporaryDirectory()
        guard Self.supportsDirectIO(dir) else { return }
        let fd = open(dir.path("probe"), O_WRONLY | O_CREAT | StagedFileWriter.directFlag!, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let byte: [UInt8] = [1]
        #expect(pwrite(fd, byte, 1, 1) == -1 && errno == EINVAL)
    }

    @Test func creatingAnExistingFileFails() throws {
        let dir = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir.path("x"), contents: Data([1]))
        #expect(throws: AtomicFile.Failure.self) {
            _ = try StagedFileWriter(creating: dir.path("x"), length: 10, headLength: 2, direct: true)
        }
    }

    static func supportsDirectIO(_ dir: TemporaryDirectory) -> Bool {
        guard let flag = StagedFileWriter.directFlag else { return false }
        let fd = open(dir.path(".direct-probe"), O_WRONLY | O_CREAT | flag, 0o644)
        defer { unlink(dir.path(".direct-probe")) }
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }
}

@Suite("Native format: writer, header last")
struct NativeWriterHeaderLastTests {
    static func digestPlaceholder() -> Provenance.SourceFile {
        Provenance.SourceFile(name: "weights.caffemodel", sha256: String(repeating: "0", count: 64), bytes: 1234)
    }

    static func model(sourceFiles: [Provenance.SourceFile]) throws -> Model {
        var model = try Fixtures.smallModel()
        model.provenance.sourceFiles = sourceFiles
        return model
    }

    /// The direct path (threshold 0) and the buffered one write what `encode` returns, byte for byte.
    @Test(arguments: [0, Int.max])
    func writtenFileIsTheEncodedBytes(_ threshold: Int) throws {
        let dir = TemporaryDirectory()
        let model = try Fixtures.smallModel()
        try NativeWriter.write(model, to: dir.path("m.graft"), fault: nil, directIOThreshold: threshold)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("m.graft"))) == (try NativeWriter.encode(model)))
        #expect(dir.contents == ["m.graft"])
    }

    @Test(arguments: [NativeWriter.Fault.afterHeader, .afterTensor(0), .afterTensor(3), .beforeRename])
    func directWriteFailureLeavesNothing(_ fault: NativeWriter.Fault) throws {
        let dir = TemporaryDirectory()
        #expect(throws: NativeFormatError.self) {
            try NativeWriter.write(try Fixtures.smallModel(), to: dir.path("m.graft"), fault: fault, directIOThreshold: 0)
        }
        #expect(dir.contents.isEmpty)
    }

    /// A final provenance of the placeholders' length gives exactly the file written with it from
    /// the start; the closure runs once, after the tensors.
    @Test(arguments: [0, Int.max])
    func provenanceOfTheSameLengthGivesTheSameBytes(_ threshold: Int) throws {
        let dir = TemporaryDirectory()
        let final = Provenance.SourceFile(name: "weights.caffemodel", sha256: String(repeating: "ab", count: 32), bytes: 1234)
        var calls = 0
        try NativeWriter.write(try Self.model(sourceFiles: [Self.digestPlaceholder()]), to: dir.path("m.graft"),
                               completingProvenance: {
            calls += 1
            var provenance = try Self.model(sourceFiles: []).provenance
            provenance.sourceFiles = [final]
            return provenance
        }, fault: nil, directIOThreshold: threshold)
        #expect(calls == 1)
        let written = try Data(contentsOf: URL(fileURLWithPath: dir.path("m.graft")))
        #expect(written == (try NativeWriter.encode(try Self.model(sourceFiles: [final]))))
        #expect(try NativeFile.open(dir.path("m.graft")).provenance.sourceFiles == [final])
    }

    /// A shorter final provenance leaves the reserved header length, padded with spaces: still a
    /// valid file holding the final provenance.
    @Test func shorterProvenanceIsPaddedWithSpaces() throws {
        let dir = TemporaryDirectory()
        let placeholder = try Self.model(sourceFiles: [Self.digestPlaceholder()])
        let reservedHeader = try NativeWriter.encode(placeholder).prefix(8)
        try NativeWriter.write(placeholder, to: dir.path("m.graft")) {
            var provenance = placeholder.provenance
            provenance.sourceFiles = []
            return provenance
        }
        let file = try NativeFile.open(dir.path("m.graft"))
        #expect(file.provenance.sourceFiles.isEmpty)
        #expect(withUnsafeBytes(of: UInt64(file.headerSize).littleEndian, Array.init) == Array(reservedHeader))
        let written = try Data(contentsOf: URL(fileURLWithPath: dir.path("m.graft")))
        #expect(written[8..<file.dataStart].last == UInt8(ascii: " "))
        // The tensor data is where the reserved header put it (bit for bit: the fixture holds NaNs).
        let encoded = try NativeWriter.encode(placeholder)
        #expect(written.count == encoded.count && written[file.dataStart...] == encoded[file.dataStart...])
    }

    @Test func longerProvenanceIsRefusedAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        let placeholder = try Self.model(sourceFiles: [Self.digestPlaceholder()])
        #expect {
            try NativeWriter.write(placeholder, to: dir.path("m.graft")) {
                var provenance = placeholder.provenance
                provenance.notes.append(String(repeating: "x", count: 100))
                return provenance
            }
        } throws: { error in
            guard case .headerTooLarge(let path, _, _) = error as? NativeFormatError else { return false }
            return path == dir.path("m.graft")
        }
        #expect(dir.contents.isEmpty)
    }

    struct DigestFailed: Error {}

    @Test func provenanceErrorPropagatesAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        #expect(throws: DigestFailed.self) {
            try NativeWriter.write(try Self.model(sourceFiles: [Self.digestPlaceholder()]), to: dir.path("m.graft")) {
                throw DigestFailed()
            }
        }
        #expect(dir.contents.isEmpty)
    }
}

@Suite("Huge pages advice")
struct HugePagesTests {
    /// Advice on any buffer (unaligned, small, large) leaves its contents and use unchanged.
    @Test(arguments: [100, 3 << 20, (6 << 20) + 12_345])
    func adviceChangesNothingVisible(_ byteCount: Int) throws {
        let buffer = try #require(malloc(byteCount + 1))
        defer { free(buffer) }
        let start = buffer + 1   // deliberately not aligned
        memset(start, 7, byteCount)
        HugePages.advise(start, byteCount: byteCount)
        let bytes = UnsafeRawBufferPointer(start: start, count: byteCount)
        #expect(bytes.allSatisfy { $0 == 7 })
        memset(start, 9, byteCount)
        #expect(bytes.allSatisfy { $0 == 9 })
    }
}
