import Foundation
import Testing
import GraftCore
import GraftDICOM
import GraftTestSupport

/// DICOM files that lie: each gets a typed error naming the file, never a crash and never an
/// allocation sized by an absurd header. The starting point is a valid file written by
/// ``TinyDICOM``; every case changes one thing.
@Suite struct DICOMHostileFileTests {
    let folder = TemporaryDirectory()

    func path(_ name: String) -> String { folder.url.appendingPathComponent(name).path }

    func read(_ file: TinyDICOM, _ name: String) throws -> DICOMImage {
        let p = path(name)
        try file.write(to: p)
        return try DICOMImage.read(p)
    }

    func error(_ bytes: [UInt8], _ name: String, limits: DICOMReadLimits = DICOMReadLimits()) -> DICOMError? {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        do {
            _ = try DICOMImage.read(p, limits: limits)
            return nil
        } catch {
            #expect(error.description.contains(p), "the error names the file: \(error)")
            return error
        }
    }

    @Test func theValidStartingPointReadsWithItsModalityLUT() throws {
        let file = TinyDICOM()
        let image = try read(file, "valid.dcm")
        #expect(image.rows == 4 && image.columns == 3 && image.frames == 1 && image.samplesPerPixel == 1)
        // 12 bits stored, signed: sign-extended from bit 11, then x 1 - 1024.
        #expect(image.values == file.storedValues.map { Float($0 - 1024) })
        #expect(image.attributes.imagePosition == [-10, -20, 30])
        #expect(image.attributes.pixelSpacing == [0.7, 0.8])
        #expect(image.attributes.patientID == "P001" && image.attributes.modality == "CT")
    }

    @Test func eachLieIsATypedError() throws {
        func expectError(_ file: TinyDICOM, _ name: String, _ check: (DICOMError) -> Bool) {
            let e = error(file.encoded(), name)
            #expect(e.map(check) == true, "\(name): \(e.map { "\($0)" } ?? "read without error")")
        }
        var short = TinyDICOM()
        short.pixelBytes = Array(short.storedBytes().prefix(10))
        expectError(short, "short-pixels.dcm") { if case .decodeFailed = $0 { true } else { false } }

        var huge = TinyDICOM()
        huge.rows = 65535; huge.columns = 65535; huge.frames = 1_000_000
        huge.pixelBytes = [0, 0, 0, 0]
        expectError(huge, "absurd-dimensions.dcm") { if case .tooLarge = $0 { true } else { false } }

        var zeroRows = TinyDICOM()
        zeroRows.rows = 0
        expectError(zeroRows, "zero-rows.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .rows } else { false } }

        var badFrames = TinyDICOM()
        badFrames.frames = -3
        badFrames.pixelBytes = [0, 0]
        expectError(badFrames, "negative-frames.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .numberOfFrames } else { false } }

        var twelve = TinyDICOM()
        twelve.bitsAllocated = 12
        expectError(twelve, "bits-allocated-12.dcm") { if case .unsupported = $0 { true } else { false } }

        var stored = TinyDICOM()
        stored.bitsStored = 20
        expectError(stored, "bits-stored-20.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .bitsStored } else { false } }

        var samples = TinyDICOM()
        samples.samples = 2
        expectError(samples, "two-samples.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .samplesPerPixel } else { false } }

        var photometric = TinyDICOM()
        photometric.photometric = "CMYK"
        expectError(photometric, "cmyk.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .photometricInterpretation } else { false } }

        var slope = TinyDICOM()
        slope.slope = "one"
        expectError(slope, "bad-slope.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .rescaleSlope } else { false } }

        var spacing = TinyDICOM()
        spacing.spacing = "0\\-1"
        expectError(spacing, "bad-spacing.dcm") { if case .invalidAttribute(_, let tag, _, _) = $0 { tag == .pixelSpacing } else { false } }

        // An element whose length runs past the end of the file.
        var bytes = TinyDICOM().encoded()
        let pixelTag: [UInt8] = [0xE0, 0x7F, 0x10, 0x00]
        let at = try #require(bytes.indices.last { Array(bytes[$0..<min($0 + 4, bytes.count)]) == pixelTag })
        bytes[at + 8] = 0xF0; bytes[at + 9] = 0xFF; bytes[at + 10] = 0xFF; bytes[at + 11] = 0x00
        let overrun = error(bytes, "length-past-end.dcm")
        #expect(overrun != nil, "a Pixel Data length past the end of the file must fail")

        // Not DICOM at all, empty, a folder.
        #expect(error(Array("hello, I am a PNG".utf8), "text.dcm").map { if case .unreadable = $0 { true } else { false } } == true)
        #expect(error([], "empty.dcm") != nil)
        #expect(throws: DICOMError.self) { try DICOMImage.read(folder.url.path) }
        #expect(throws: DICOMError.self) { try DICOMImage.read(path("missing.dcm")) }

        // A file larger than the caller's limit is refused before GDCM reads it.
        let limited = error(TinyDICOM().encoded(), "limit.dcm", limits: DICOMReadLimits(maxFileBytes: 100))
        #expect(limited.map { if case .tooLarge = $0 { true } else { false } } == true)
    }

    /// Reads a mutant: true when it read with consistent sizes, false when refused (naming it).
    func readOrRefuse(_ bytes: [UInt8], _ name: String) -> Bool {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: p) }
        do {
            let image = try DICOMImage.read(p)
            #expect(image.values.count == image.rows * image.columns * image.frames * image.samplesPerPixel)
            return true
        } catch {
            #expect(error.description.contains(p))
            return false
        }
    }

    @Test func everyTruncationFails() throws {
        let bytes = TinyDICOM().encoded()
        var failures = 0
        for length in stride(from: 0, to: bytes.count, by: 1) {
            if error(Array(bytes.prefix(length)), "cut-\(length).dcm") != nil { failures += 1 }
            try? FileManager.default.removeItem(atPath: path("cut-\(length).dcm"))
        }
        #expect(failures == bytes.count, "\(bytes.count - failures) truncated copies read without error")
    }

    /// Seeded byte mutations (flips, overwrites with boundary values, deletions, insertions) of the
    /// valid file: each either reads with consistent sizes or fails typed; none crashes.
    @Test func mutationFuzz() throws {
        let original = TinyDICOM(rows: 6, columns: 5, frames: 2).encoded()
        var generator = SeededGenerator(seed: 20261205)
        var read = 0, refused = 0
        for round in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 128..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
                case 1: bytes[at] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &generator)]
                case 2: bytes.remove(at: at)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                }
            }
            if readOrRefuse(bytes, "mutant-\(round).dcm") { read += 1 } else { refused += 1 }
        }
        print("DICOM mutation fuzz: \(read) read, \(refused) refused, 0 crashes")
        #expect(read > 0 && refused > 0)
    }

    /// The same on pydicom's compressed files (RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG
    /// 2000), mutating the pixel data, where the codecs run: no crash, no runaway allocation.
    @Test func compressedPixelDataFuzz() throws {
        let python = try MedicalReference.requirePython()
        let folder = try MedicalReference.packageFolder(python, module: "pydicom", "data/test_files")
        // SC_rgb_rle_16bit_2frame and _32bit go through the bridge's own RLE decoder.
        let names = ["MR_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_32bit.dcm", "JPEG2000.dcm", "MR_small_jp2klossless.dcm", "SC_rgb_jpeg.dcm", "693_J2KI.dcm", "GDCMJ2K_TextGBR.dcm",
                     "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPEGLSNearLossless_16.dcm",
                     "examples_ybr_color.dcm", "CT_small.dcm", "MR_small_bigendian.dcm"]
        var generator = SeededGenerator(seed: 7)
        var read = 0, refused = 0
        for name in names {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            for round in 0..<30 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    let at = Int.random(in: (bytes.count / 3)..<bytes.count, using: &generator)
                    bytes[at] = Int.random(in: 0..<2, using: &generator) == 0 ? bytes[at] ^ 0xFF : UInt8.random(in: 0...255, using: &generator)
                }
                if round % 10 == 9 { bytes.removeLast(Int.random(in: 1...(bytes.count / 4), using: &generator)) }
                if readOrRefuse(bytes, "\(name)-\(round).dcm") { read += 1 } else { refused += 1 }
            }
        }
        print("DICOM compressed-data fuzz: \(read) read, \(refused) refused, 0 crashes")
        #expect(read + refused == names.count * 30)
    }
}
