import Foundation
import Testing
import GraftIO
import GraftDICOM
import GraftVolume
import GraftTestSupport

/// Series assembly: slices ordered by Image Position (Patient) along the normal, never by Instance
/// Number or file name; gaps and duplicates reported; geometry kept.
@Suite struct DICOMSeriesTests {
    let folder = TemporaryDirectory()

    /// An oblique six-slice series written in shuffled order with scrambled Instance Numbers.
    func writeSeries(_ name: String, positions: [Double], uid: String = "1.2.3.4.5", instanceNumbers: [Int]? = nil) throws -> String {
        let directory = folder.url.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let angle = 0.3
        let row = [cos(angle), sin(angle), 0.0], column = [0.0, 0.0, -1.0]
        let normal = [row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2], row[0] * column[1] - row[1] * column[0]]
        for (index, along) in positions.enumerated() {
            var file = TinyDICOM()
            file.rows = 3; file.columns = 2
            file.orientation = row + column
            file.position = [5 + along * normal[0], -7 + along * normal[1], 11 + along * normal[2]]
            file.seriesUID = uid
            file.instanceUID = "\(uid).\(index)"
            file.instanceNumber = instanceNumbers?[index] ?? (positions.count - index) * 3 % 7
            file.pixels = (0..<6).map { index * 100 + $0 }   // slice index in the hundreds
            try file.write(to: directory + "/\(uid)-\((index * 5) % positions.count)-\(index).dcm")
        }
        return directory
    }

    @Test func slicesAreOrderedByPositionAndTheVolumeKeepsTheGeometry() throws {
        let positions = [7.5, -2.5, 2.5, 10, 0, 5]   // a 2.5 mm grid, written out of order
        let directory = try writeSeries("regular", positions: positions)
        try Data("not dicom".utf8).write(to: URL(fileURLWithPath: directory + "/README.txt"))
        let (series, skipped) = try DICOMSeries.scan(folder: directory)
        #expect(series.count == 1 && skipped.count == 1)
        let s = try #require(series.first)
        let along = s.slices.map { $0.position - s.slices[0].position }
        #expect(zip(along, positions.sorted().map { $0 + 2.5 }).allSatisfy { abs($0 - $1) < 1e-6 }, "\(along)")
        #expect(s.irregularities.isEmpty && abs(s.sliceSpacing - 2.5) < 1e-6)
        let volume = try s.volume()
        #expect(volume.columns == 2 && volume.rows == 3 && volume.slices == 6 && volume.coordinates == .lps)
        // Slice k holds the file written at the k-th smallest position.
        let order = positions.enumerated().sorted { $0.element < $1.element }.map(\.offset)
        for k in 0..<6 {
            #expect(volume.value(column: 0, row: 0, slice: k) == Float(order[k] * 100 - 1024))
        }
        // Voxel (i, j, k) lands where the file says: origin at the first slice, 0.8 mm along a row
        // (column spacing), 0.7 mm down a column, 2.5 mm along the normal.
        let (x, y, z) = volume.voxelToPatient.apply((1, 2, 3))
        let first = s.slices[0].attributes.imagePosition!
        let o = s.slices[0].attributes.imageOrientation!
        let normal = s.slices[0].attributes.sliceNormal!
        var expected = [0.0, 0.0, 0.0]
        for a in 0..<3 {
            let alongRow: Double = 0.8 * o[a]
            let alongColumn: Double = 2 * 0.7 * o[3 + a]
            let alongNormal: Double = 3 * 2.5 * normal[a]
            expected[a] = first[a] + alongRow + alongColumn + alongNormal
        }
        #expect(abs(x - expected[0]) < 1e-9 && abs(y - expected[1]) < 1e-9 && abs(z - expected[2]) < 1e-9)
        #expect(zip(volume.spacing, [0.8, 0.7, 2.5]).allSatisfy { abs($0 - $1) < 1e-9 })
        let back = try #require(volume.voxelToPatient.inverse).apply((x, y, z))
        #expect(abs(back.0 - 1) < 1e-9 && abs(back.1 - 2) < 1e-9 && abs(back.2 - 3) < 1e-9)
    }

    @Test func gapsAndDuplicatesAreReportedAndRefused() throws {
        let gap = try DICOMSeries.load(folder: try writeSeries("gap", positions: [0, 2.5, 5, 12.5, 15]))
        #expect(gap.irregularities.count == 1)
        if case .gap(_, _, let step, let expected) = gap.irregularities.first { #expect(abs(step - 7.5) < 1e-6 && abs(expected - 2.5) < 1e-6) }
        else { Issue.record("expected a gap, got \(gap.irregularities)") }
        #expect(throws: DICOMError.self) { try gap.volume() }
        #expect(try gap.volume(allowIrregular: true).slices == 5)

        let duplicate = try DICOMSeries.load(folder: try writeSeries("duplicate", positions: [0, 2.5, 2.5, 5]))
        #expect(duplicate.irregularities.contains { if case .duplicatePosition = $0 { true } else { false } })
        #expect(throws: DICOMError.self) { try duplicate.volume() }
    }

    @Test func twoSeriesInOneFolderAreToldApart() throws {
        let directory = try writeSeries("two", positions: [0, 1, 2], uid: "1.2.3.1")
        _ = try writeSeries("two", positions: [0, 1, 2, 3], uid: "1.2.3.2")
        let (series, _) = try DICOMSeries.scan(folder: directory)
        #expect(series.map(\.seriesInstanceUID) == ["1.2.3.2", "1.2.3.1"])
        #expect(throws: DICOMError.self) { try DICOMSeries.load(folder: directory) }
        #expect(try DICOMSeries.load(folder: directory, seriesInstanceUID: "1.2.3.1").slices.count == 3)
        #expect(throws: DICOMError.self) { try DICOMSeries.load(folder: directory, seriesInstanceUID: "9.9") }
    }

    /// pydicom's dicomdir test series (small CT and MR, with localizers in mixed planes and
    /// irregular stacks): the same slice order as sorting pydicom's positions along the normal,
    /// and the same stacked values.
    @Test func pydicomSeriesMatchPydicom() throws {
        let python = try MedicalReference.requirePython()
        let root = try MedicalReference.packageFolder(python, module: "pydicom", "data/test_files/dicomdirtests")
        let scratch = TemporaryDirectory()
        let records = try MedicalReference.jsonLines(python, [MedicalReference.fixture("dicom_series_reference.py"), scratch.url.path, root])
        let (series, skipped) = try DICOMSeries.scan(folder: root)
        var matched = 0, stacked = 0
        for record in records {
            let uid = record["uid"] as! String
            guard let files = record["files"] as? [String] else {
                #expect(skipped.contains { $0.reason.contains(uid) }, "series \(uid) (mixed planes or no position) must be listed as skipped")
                continue
            }
            guard let s = series.first(where: { $0.seriesInstanceUID == uid }) else {
                Issue.record("series \(uid) missing from Graft's scan")
                continue
            }
            let standardized = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
            #expect(s.slices.map { standardized($0.path) } == files.map(standardized), "series \(uid): slice order")
            let positions = record["positions"] as! [Double]
            #expect(zip(s.slices.map(\.position), positions).allSatisfy { abs($0 - $1) < 1e-6 })
            matched += 1
            if let npy = record["npy"] as? String {
                let expected = try NPY.read(path: npy).scalars
                let volume = try s.volume(allowIrregular: true)
                #expect(volume.values == expected, "series \(uid): stacked values")
                stacked += 1
            }
        }
        print("DICOM series vs pydicom: \(matched) series in the same order, \(stacked) stacked volumes equal, \(skipped.count) files or series skipped")
        #expect(matched >= 6 && stacked >= 6)
    }
}
