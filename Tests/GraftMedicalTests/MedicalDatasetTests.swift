import Foundation
import Testing
import GraftCore
import GraftData
import GraftImage
import GraftTestSupport

/// DICOM and NIfTI files where images are accepted: class folders (scanner exports without an
/// extension included), windows turning physical values into channels, the windows recorded in
/// the model's preprocessing.
@Suite struct MedicalDatasetTests {
    let folder = TemporaryDirectory()

    /// A 2 x 3 CT image with known HU values: -1000 (air), -600, 40, 100, 400, 3000 (metal).
    func writeCT(_ name: String, photometric: String = "MONOCHROME2") throws -> String {
        var file = TinyDICOM(rows: 2, columns: 3)
        file.bitsStored = 16
        file.photometric = photometric
        file.pixels = [-1000, -600, 40, 100, 400, 3000].map { $0 + 1024 }   // stored; intercept -1024
        let path = folder.url.appendingPathComponent(name).path
        try file.write(to: path)
        return path
    }

    @Test func windowsBecomeChannelsInTheModelsOrder() throws {
        let path = try writeCT("ct-slice")   // no extension: recognised by its DICM marker
        #expect(MedicalImageFile.kind(of: path) == .dicom)
        let lung = IntensityWindow(parsing: "lung")!, mediastinum = IntensityWindow(parsing: "mediastinum")!
        let bone = IntensityWindow(parsing: "bone")!
        func expected(_ window: IntensityWindow) -> [UInt8] {
            [-1000, -600, 40, 100, 400, 3000].map { UInt8((window.apply(Float($0)) * 255).rounded()) }
        }
        let grey = try InputImage.read(path, windows: [mediastinum], channelOrder: .rgb)
        #expect(grey.channels == 1 && grey.width == 3 && grey.height == 2)
        #expect(grey.pixels == expected(mediastinum))
        #expect(grey.pixels == [0, 0, 128, 166, 255, 255])   // 100 HU: (100 + 160) / 400 x 255
        let rgb = try InputImage.read(path, windows: [lung, mediastinum, bone], channelOrder: .rgb)
        #expect((0..<6).map { rgb.pixels[$0 * 3] } == expected(lung))
        #expect((0..<6).map { rgb.pixels[$0 * 3 + 2] } == expected(bone))
        // A BGR model's first input channel is the image's third: the windows are placed so that
        // the model's channel 0 still sees the first window.
        let bgr = try InputImage.read(path, windows: [lung, mediastinum, bone], channelOrder: .bgr)
        #expect((0..<6).map { bgr.pixels[$0 * 3 + 2] } == expected(lung))
        // MONOCHROME1 shows low values white: inverted after windowing.
        let inverted = try InputImage.read(try writeCT("inverted.dcm", photometric: "MONOCHROME1"), windows: [mediastinum], channelOrder: .rgb)
        #expect(inverted.pixels == [-1000, -600, 40, 100, 400, 3000].map { UInt8(((1 - mediastinum.apply(Float($0))) * 255).rounded()) })
    }

    @Test func withoutAWindowOrWithTwoItIsATypedError() throws {
        let path = try writeCT("ct.dcm")
        #expect(throws: DatasetError.self) { try InputImage.read(path, windows: [], channelOrder: .rgb) }
        do {
            _ = try InputImage.read(path, windows: [], channelOrder: .rgb)
        } catch {
            #expect(error.description.contains("--window") && error.description.contains(path))
        }
        let w = IntensityWindow(level: 40, width: 400)
        #expect(throws: DatasetError.self) { try InputImage.read(path, windows: [w, w], channelOrder: .rgb) }
        #expect(throws: DatasetError.self) { try InputImage.read(path, windows: [w, w, w], channelOrder: .grey) }
        // A damaged file is the reader's typed error, naming it.
        let broken = folder.url.appendingPathComponent("broken.dcm").path
        try Data(TinyDICOM().encoded().prefix(300)).write(to: URL(fileURLWithPath: broken))
        do {
            _ = try InputImage.read(broken, windows: [w], channelOrder: .rgb)
            Issue.record("a truncated DICOM read")
        } catch {
            #expect(error.description.contains(broken))
        }
    }

    @Test func classFoldersOfScannerExportsLoad() throws {
        for (label, hu) in [("air", -1000), ("tissue", 40)] {
            let dir = folder.url.appendingPathComponent("data/\(label)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in 0..<3 {
                var file = TinyDICOM(rows: 4, columns: 4)
                file.bitsStored = 16
                file.pixels = Array(repeating: hu + 1024 + i, count: 16)
                try file.write(to: dir.appendingPathComponent("IM00000\(i)").path)
            }
            try Data("notes".utf8).write(to: dir.appendingPathComponent("README.txt"))
        }
        let dataset = try DatasetLoader.load(folder.url.appendingPathComponent("data").path)
        #expect(dataset.classes == ["air", "tissue"] && dataset.samples.count == 6)
        let image = try dataset.samples[0].image(windows: [IntensityWindow(level: 40, width: 400)])
        #expect(image.pixels.allSatisfy { $0 == 0 })
        #expect(throws: DatasetError.self) { try dataset.samples[0].image() }
    }

    @Test func aCSVListOfDICOMFilesLoads() throws {
        var csv = "path,label,group\n"
        for i in 0..<4 {
            var file = TinyDICOM(rows: 4, columns: 4)
            file.bitsStored = 16
            file.pixels = Array(repeating: (i % 2 == 0 ? -1000 : 40) + 1024, count: 16)
            try file.write(to: folder.url.appendingPathComponent("slice\(i).dcm").path)
            csv += "slice\(i).dcm,\(i % 2 == 0 ? "air" : "tissue"),patient\(i / 2)\n"
        }
        let path = folder.url.appendingPathComponent("list.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let dataset = try DatasetLoader.load(path)
        #expect(dataset.classes == ["air", "tissue"] && dataset.samples.map(\.group) == ["patient0", "patient0", "patient1", "patient1"])
        let tissue = try dataset.samples[1].image(windows: [IntensityWindow(level: 40, width: 400)])
        #expect(tissue.pixels.allSatisfy { $0 == 128 })
    }

    @Test func windowsAreRecordedAndCheckedInThePreprocessing() throws {
        let base = Preprocessing(input: "data", inputShape: [1, 3, 16, 16], channelOrder: .rgb, valueRange: [0, 1], steps: [])
        let lung = IntensityWindow(parsing: "lung")!, pe = IntensityWindow(parsing: "pe")!
        let recorded = try base.recording(windows: [lung, pe, lung])
        #expect(recorded.windows == [lung, pe, lung])
        #expect(recorded.summary.hasPrefix("windows lung (-600,1500) | pe (100,700) | lung (-600,1500), then RGB"))
        #expect(try recorded.recording(windows: []) == recorded)
        #expect(try recorded.recording(windows: [IntensityWindow(level: -600, width: 1500), pe, lung]) == recorded)
        #expect(throws: DatasetError.self) { try recorded.recording(windows: [pe]) }
        // Into the model file's JSON and back; a hostile width is refused on decoding.
        let json = try JSONEncoder().encode(recorded)
        #expect(try JSONDecoder().decode(Preprocessing.self, from: json) == recorded)
        let hostile = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"width\":700", with: "\"width\":0")
        #expect(hostile != String(decoding: json, as: UTF8.self))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Preprocessing.self, from: Data(hostile.utf8)) }
    }
}
