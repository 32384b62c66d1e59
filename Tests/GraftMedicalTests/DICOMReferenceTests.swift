import Foundation
import Testing
import GraftCore
import GraftIO
import GraftDICOM
import GraftTestSupport

/// Every DICOM file pydicom ships (its test files: CT and MR in explicit and implicit VR, big
/// endian, RLE, JPEG baseline and extended, JPEG-LS, JPEG 2000, multi-frame, colour, the
/// dicomdir test series) read by Graft through GDCM and by pydicom through its own and
/// pylibjpeg's decoders, compared value by value after the modality LUT.
@Suite(.serialized) struct DICOMReferenceTests {
    /// JPEG baseline/extended and lossy JPEG-LS/JPEG 2000 decoders may round differently (IDCT
    /// implementations); their values are compared within this many stored units.
    static let lossyTolerance: Float = 3

    @Test func pydicomTestFilesDecodeToPydicomsValues() throws {
        let python = try MedicalReference.requirePython()
        let folder = try MedicalReference.packageFolder(python, module: "pydicom", "data/test_files")
        let top: [String] = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".dcm") }.sorted()
            .map { folder + "/" + $0 }
        let files = top + DICOMSeries.files(under: folder + "/dicomdirtests").filter { !$0.hasSuffix("DICOMDIR") }
        #expect(files.count > 100, "pydicom's test files: found only \(files.count)")
        let scratch = TemporaryDirectory()
        let records = try MedicalReference.jsonLines(python, [MedicalReference.fixture("dicom_reference.py"), scratch.url.path] + files)
        #expect(records.count == files.count)

        var compared = 0, lossy = 0, bothRefused = 0, refused = 0
        var comparedExactly: [String] = []
        var lines: [String] = []
        for record in records {
            let path = record["file"] as! String
            let name = "/" + path.replacingOccurrences(of: folder + "/", with: "")
            let graft: Result<DICOMImage, DICOMError>
            do { graft = .success(try DICOMImage.read(path)) } catch { graft = .failure(error) }
            guard let npy = record["npy"] as? String else {
                // pydicom cannot read it: Graft must either refuse it with a typed error, or be one
                // of the files GDCM decodes and pydicom's plugins do not.
                switch graft {
                case .failure(let error):
                    bothRefused += 1
                    lines.append("both refuse  \(name): \(error)")
                case .success(let image):
                    let pydicomError = record["error"] as? String ?? ""
                    #expect(Self.gdcmOnly.contains(where: { name.hasSuffix($0) }),
                            "\(name): pydicom refuses it (\(pydicomError)) but Graft read \(image.rows)x\(image.columns)x\(image.frames)")
                    lines.append("GDCM only    \(name)")
                }
                continue
            }
            let image: DICOMImage
            switch graft {
            case .success(let read):
                #expect(!Self.refusedByGraft.contains(where: { name.hasSuffix($0) }), "\(name): expected Graft to refuse it")
                image = read
            case .failure(let error):
                if Self.refusedByGraft.contains(where: { name.hasSuffix($0) }), case .unsupported = error {
                    refused += 1
                    lines.append("Graft refuses \(name): \(error)")
                } else {
                    Issue.record("\(name): pydicom reads it, Graft does not: \(error)")
                }
                continue
            }
            let expected = try NPY.read(path: npy)
            let rows = record["rows"] as! Int, columns = record["columns"] as! Int
            let frames = record["frames"] as! Int, samples = record["samples"] as! Int
            #expect(image.rows == rows && image.columns == columns && image.frames == frames && image.samplesPerPixel == samples,
                    "\(name): Graft \(image.rows)x\(image.columns)x\(image.frames)x\(image.samplesPerPixel), pydicom \(rows)x\(columns)x\(frames)x\(samples)")
            guard image.values.count == expected.scalars.count else {
                Issue.record("\(name): \(image.values.count) values, pydicom \(expected.scalars.count)")
                continue
            }
            #expect(image.attributes.imagePosition == (record["image_position"] as? [Double]), "\(name): Image Position")
            #expect(image.attributes.imageOrientation == (record["image_orientation"] as? [Double]), "\(name): Image Orientation")
            #expect(image.attributes.pixelSpacing == (record["pixel_spacing"] as? [Double]), "\(name): Pixel Spacing")
            #expect(image.attributes.rescaleSlope == record["rescale_slope"] as! Double, "\(name): Rescale Slope")
            #expect(image.attributes.rescaleIntercept == record["rescale_intercept"] as! Double, "\(name): Rescale Intercept")
            let isLossy = record["lossy"] as? Bool ?? false
            var maxAbsolute: Float = 0, different = 0
            for (a, b) in zip(image.values, expected.scalars) {
                let d = Swift.abs(a - b)
                maxAbsolute = Swift.max(maxAbsolute, d)
                if d > 1e-4 * Swift.max(1, Swift.abs(b)) { different += 1 }
            }
            if isLossy {
                lossy += 1
                #expect(maxAbsolute <= Self.lossyTolerance, "\(name) (lossy): max abs difference \(maxAbsolute)")
            } else {
                compared += 1
                comparedExactly.append(name)
                #expect(different == 0, "\(name): \(different) of \(image.values.count) values differ, max abs \(maxAbsolute)")
            }
            lines.append("\(isLossy ? "lossy " : "exact ") \(name): \(rows)x\(columns)x\(frames)x\(samples) \(image.transferSyntaxUID), max abs \(maxAbsolute)")
        }
        print(lines.joined(separator: "\n"))
        print("DICOM vs pydicom: \(compared) lossless files equal, \(lossy) lossy within \(Self.lossyTolerance), \(bothRefused) refused by both, \(refused) refused by Graft (unsupported)")
        #expect(refused == Self.refusedByGraft.count)
        for file in Self.colourRLE {
            #expect(comparedExactly.contains { $0.hasSuffix(file) }, "\(file) was not compared with pydicom")
        }
        #expect(compared >= 60, "only \(compared) lossless files compared")
    }

    /// Files pydicom's plugins cannot decode and GDCM can: 12-bit lossy JPEG (libjpeg in
    /// pylibjpeg refuses its scan parameters).
    static let gdcmOnly: [String] = ["/JPEG-lossy.dcm"]

    /// Files Graft refuses with a typed "unsupported" error rather than decode wrongly: none. (GDCM
    /// 3.0 orders the byte segments of multi-byte colour RLE wrongly; the bridge decodes those
    /// itself, and pydicom's SC_rgb_rle_16bit/32bit files, one and two frames, must match.)
    static let refusedByGraft: [String] = []

    /// The multi-byte colour RLE files the bridge decodes without GDCM: each must be compared.
    static let colourRLE: [String] = [
        "/SC_rgb_rle_16bit.dcm", "/SC_rgb_rle_16bit_2frame.dcm", "/SC_rgb_rle_32bit.dcm", "/SC_rgb_rle_32bit_2frame.dcm",
    ]
}
