import Foundation
import Testing
import GraftCore
import GraftData
import GraftVolume
import GraftTestSupport

/// Candidates in DICOM series (a synthetic CT dataset pydicom writes: patients, vessels with and
/// without emboli, scrambled Instance Numbers and file names): patient millimetres to voxels and
/// the trilinear patch match numpy's, and the candidates CSV becomes a dataset grouped by patient.
@Suite(.serialized) struct CandidatePatchTests {
    static func syntheticCT(_ folder: TemporaryDirectory) throws -> String {
        let python = try MedicalReference.requirePython()
        let (status, output) = try ChildProcess.run(python, [MedicalReference.fixture("synthetic_ct.py"), folder.url.path])
        try #require(status == 0, "synthetic_ct.py: \(output)")
        return folder.url.appendingPathComponent("candidates.csv").path
    }

    @Test func patchesMatchNumpyAndTheListGroupsByPatient() throws {
        let folder = TemporaryDirectory()
        let csv = try Self.syntheticCT(folder)
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.url.appendingPathComponent("reference.json"))) as! [[String: Any]]
        #expect(reference.count == 6)
        let sampler = PatchSampler(sideMillimetres: 16, pixels: 16, layout: .planar)
        var worstVoxel = 0.0, worstHU: Float = 0
        for candidate in reference {
            let (volume, patient) = try CandidateList.readVolume(folder.url.appendingPathComponent(candidate["volume"] as! String).path)
            #expect(patient == candidate["volume"] as? String)
            let voxel = try #require(volume.voxelToPatient.inverse).apply((candidate["x"] as! Double, candidate["y"] as! Double, candidate["z"] as! Double))
            let expected = candidate["voxel"] as! [Double]
            worstVoxel = max(worstVoxel, abs(voxel.0 - expected[0]), abs(voxel.1 - expected[1]), abs(voxel.2 - expected[2]))
            let plane = sampler.planes(of: volume, center: voxel, outside: -1024)[0]
            let patch = (candidate["patch"] as! [[Double]]).flatMap { $0 }.map(Float.init)
            worstHU = max(worstHU, zip(plane, patch).map { abs($0 - $1) }.max()!)
        }
        print("candidate patches vs numpy: max voxel difference \(worstVoxel), max HU difference \(worstHU)")
        #expect(worstVoxel < 1e-3)   // the CSV's millimetres carry 4 decimals
        #expect(worstHU < 0.5)

        let patches = CandidatePatches(sampler: PatchSampler(sideMillimetres: 20, pixels: 24, layout: .planar),
                                       windows: [IntensityWindow(parsing: "pe")!], channelOrder: .rgb)
        let dataset = try DatasetLoader.load(csv, candidates: patches)
        #expect(dataset.classes == ["embolus", "vessel"] && dataset.samples.count == 64)
        #expect(Set(dataset.samples.compactMap(\.group)) == Set((0..<8).map { String(format: "PE%03d", $0) }))
        let image = try dataset.samples[0].image()
        #expect(image.width == 24 && image.height == 24 && image.channels == 1)
        // Three-plane patches: one window over three planes.
        let three = CandidatePatches(sampler: PatchSampler(sideMillimetres: 20, pixels: 24, layout: .threePlane),
                                     windows: [IntensityWindow(parsing: "pe")!], channelOrder: .rgb)
        #expect(try DatasetLoader.load(csv, candidates: three).samples[0].image().channels == 3)
        let tooMany = CandidatePatches(sampler: three.sampler, windows: Array(repeating: IntensityWindow(parsing: "pe")!, count: 3), channelOrder: .rgb)
        #expect(throws: DatasetError.self) { try DatasetLoader.load(csv, candidates: tooMany) }
        #expect(throws: DatasetError.self) { try DatasetLoader.load(csv) }
    }

    @Test func badListsAreTypedErrorsNamingTheLine() throws {
        let folder = TemporaryDirectory()
        _ = try Self.syntheticCT(folder)
        let patches = CandidatePatches(sampler: PatchSampler(sideMillimetres: 20, pixels: 8, layout: .planar),
                                       windows: [IntensityWindow(parsing: "pe")!], channelOrder: .rgb)
        func failure(_ text: String) -> String? {
            let path = folder.url.appendingPathComponent("bad.csv").path
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try DatasetLoader.load(path, candidates: patches); return nil } catch { return error.description }
        }
        #expect(failure("volume,a,b,c,label\nPE000,1,2,3,embolus\n")?.contains("names no coordinates") == true)
        #expect(failure("volume,i,j,k,label\nPE000,10,10,5,embolus\nPE000,10,10,500,vessel\n")?.contains(":3: the candidate lies outside") == true)
        #expect(failure("volume,i,j,k,label\nPE000,10,ten,5,embolus\nPE001,1,1,1,vessel\n")?.contains(":2:") == true)
        #expect(failure("volume,i,j,k,label\nnowhere,1,1,1,embolus\nPE000,1,1,1,vessel\n")?.contains("nowhere") == true)
    }
}
