import Foundation
import Testing
import GraftIO
import GraftNIfTI
import GraftVolume
import GraftTestSupport

/// NIfTI files read by Graft (nifticlib) and by nibabel: the files nibabel ships, and variants
/// nibabel writes here (every voxel type, big endian, scaling, sform/qform/neither, 2D to 5D,
/// NIfTI-1 and -2, gzip, .hdr/.img pairs). Dimensions, affine and every scaled value compared.
@Suite(.serialized) struct NIfTIReferenceTests {
    @Test func nibabelFilesAndVariantsMatchNibabel() throws {
        let python = try MedicalReference.requirePython()
        let data = try MedicalReference.packageFolder(python, module: "nibabel", "tests/data")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: data)
            .filter { $0.hasSuffix(".nii") || $0.hasSuffix(".nii.gz") || $0.hasSuffix(".hdr") }.sorted().map { data + "/" + $0 }
        let scratch = TemporaryDirectory()
        let variantsFolder = scratch.url.appendingPathComponent("variants").path
        try FileManager.default.createDirectory(atPath: variantsFolder, withIntermediateDirectories: true)
        let (status, output) = try ChildProcess.run(python, [MedicalReference.fixture("nifti_variants.py"), variantsFolder])
        try #require(status == 0, "nifti_variants.py: \(output)")
        let variants = output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("/") }
        #expect(variants.count >= 20)
        let files = shipped + variants
        let records = try MedicalReference.jsonLines(python, [MedicalReference.fixture("nifti_reference.py"), scratch.url.path] + files)
        #expect(records.count == files.count)

        var compared = 0
        var lines: [String] = []
        for record in records {
            let path = record["file"] as! String
            let name = URL(fileURLWithPath: path).lastPathComponent
            let graft: Result<NIfTIImage, NIfTIError>
            do { graft = .success(try NIfTIImage.read(path)) } catch { graft = .failure(error) }
            guard let npy = record["npy"] as? String else {
                // nibabel does not read it as NIfTI (ANALYZE 7.5): Graft must refuse it, typed.
                if case .failure(let error) = graft {
                    lines.append("both refuse \(name): \(error)")
                } else {
                    Issue.record("\(name): nibabel refuses it (\(record["error"] ?? "")) but Graft read it")
                }
                continue
            }
            let image: NIfTIImage
            switch graft {
            case .success(let read): image = read
            case .failure(let error):
                Issue.record("\(name): nibabel reads it, Graft does not: \(error)")
                continue
            }
            let shape = record["shape"] as! [Int]
            #expect(image.dimensions == shape, "\(name): dims \(image.dimensions), nibabel \(shape)")
            #expect(image.formatVersion == record["version"] as! Int, "\(name): NIfTI version")
            #expect(image.datatype == record["datatype"] as! Int, "\(name): datatype")
            let affine = record["affine"] as! [Double]
            let affineError = zip(image.affine.matrix, affine).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? .infinity
            #expect(affineError < 1e-6, "\(name): affine differs by \(affineError) (Graft \(image.affine.matrix), nibabel \(affine))")
            let expected = try NPY.read(path: npy).scalars
            guard image.values.count == expected.count else {
                Issue.record("\(name): \(image.values.count) values, nibabel \(expected.count)")
                continue
            }
            var maxRelative: Float = 0
            for (a, b) in zip(image.values, expected) {
                maxRelative = Swift.max(maxRelative, Swift.abs(a - b) / Swift.max(1, Swift.abs(b)))
            }
            #expect(maxRelative <= 1e-6, "\(name): max relative difference \(maxRelative)")
            // The volume view keeps the geometry and the first volume's values.
            let volume = image.volume()
            #expect(volume.coordinates == .ras && volume.voxelToPatient == image.affine)
            #expect(volume.values == Array(image.values.prefix(volume.values.count)))
            compared += 1
            lines.append("equal \(name): \(shape) datatype \(image.datatype) NIfTI-\(image.formatVersion), max rel \(maxRelative), affine \(affineError)")
        }
        print(lines.joined(separator: "\n"))
        print("NIfTI vs nibabel: \(compared) files equal")
        #expect(compared >= 28, "only \(compared) files compared")
    }
}
