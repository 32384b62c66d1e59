import Foundation
import Testing
import GraftCore
import GraftData
import GraftVolume
import GraftTestSupport

/// Volumes with NIfTI label masks as lesion / background patches, grouped by volume.
@Suite struct LabelledVolumeTests {
    let folder = TemporaryDirectory()

    /// A 20 x 20 x 10 volume of 40 with a bright sphere (300) where the mask is 1.
    func write(_ name: String, center: (Int, Int, Int), maskDims: [Int] = [20, 20, 10]) throws {
        let dims = [20, 20, 10]
        var values: [Int16] = [], mask: [Int16] = []
        for k in 0..<dims[2] { for j in 0..<dims[1] { for i in 0..<dims[0] {
            let inside = (i - center.0) * (i - center.0) + (j - center.1) * (j - center.1) + (k - center.2) * (k - center.2) <= 4
            values.append(inside ? 300 : 40)
            mask.append(inside ? 1 : 0)
        } } }
        var volume = TinyNIfTI(dims: dims)
        volume.slope = 1; volume.intercept = 0; volume.voxels = values
        try Data(volume.encoded()).write(to: folder.url.appendingPathComponent("\(name).nii"))
        var labels = TinyNIfTI(dims: maskDims)
        labels.slope = 1; labels.intercept = 0
        labels.voxels = maskDims == dims ? mask : Array(repeating: 0, count: maskDims.reduce(1, *))
        try Data(labels.encoded()).write(to: folder.url.appendingPathComponent("\(name)-mask.nii"))
    }

    @Test func lesionAndBackgroundPatchesGroupedByVolume() throws {
        try write("a", center: (6, 7, 4))
        try write("b", center: (12, 10, 5))
        try write("c", center: (9, 13, 6))
        let csv = folder.url.appendingPathComponent("volumes.csv").path
        try "volume,mask,group\na.nii,a-mask.nii,patient-a\nb.nii,b-mask.nii,patient-b\nc.nii,c-mask.nii,\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(LabelledVolumes.isVolumeMaskList(csv))
        let patches = CandidatePatches(sampler: PatchSampler(sideMillimetres: 4, pixels: 5, layout: .planar),
                                       windows: [IntensityWindow(level: 40, width: 400)], channelOrder: .rgb)
        let dataset = try DatasetLoader.load(csv, candidates: patches, patchesPerVolume: 4, seed: 1)
        #expect(dataset.classes == ["background", "lesion"] && dataset.samples.count == 24)
        #expect(Set(dataset.samples.compactMap(\.group)) == ["patient-a", "patient-b", folder.url.appendingPathComponent("c.nii").path])
        for sample in dataset.samples {
            let image = try sample.image()
            let centre = image.pixels[image.pixels.count / 2]
            // 300 HU in a 40,400 window is white; 40 HU is mid-grey.
            #expect(sample.label == 1 ? centre == 255 : centre == 128, "\(sample.id): centre \(centre)")
        }
        // The same seed draws the same patches.
        #expect(try DatasetLoader.load(csv, candidates: patches, patchesPerVolume: 4, seed: 1).samples.map(\.id) == dataset.samples.map(\.id))
    }

    @Test func aMaskOffTheVolumesGridIsRefused() throws {
        try write("d", center: (6, 7, 4), maskDims: [20, 20, 9])
        let csv = folder.url.appendingPathComponent("bad.csv").path
        try "volume,mask\nd.nii,d-mask.nii\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let patches = CandidatePatches(sampler: PatchSampler(sideMillimetres: 4, pixels: 5, layout: .planar),
                                       windows: [IntensityWindow(level: 40, width: 400)], channelOrder: .rgb)
        do {
            _ = try DatasetLoader.load(csv, candidates: patches)
            Issue.record("a mask of another size was accepted")
        } catch {
            #expect(error.description.contains("d-mask.nii") && error.description.contains("20 x 20 x 9"), "\(error)")
        }
    }
}
