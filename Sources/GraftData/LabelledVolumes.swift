import Foundation
import GraftCore
import GraftImage
import GraftNIfTI
import GraftVolume
import SwiftCSV

/// Volumes with label masks as patch classification, like the polyp task: a CSV of
/// `volume,mask[,group]` (a DICOM series folder or NIfTI file, and a NIfTI mask on the same grid:
/// non-zero voxels are the finding). From each volume, `perVolume` patches are centred on random
/// mask voxels ("lesion") and as many on random voxels more than `margin` voxels (along some
/// axis) from every mask voxel ("background"), seeded; every patch keeps its volume's group (the
/// `group` column, else the DICOM Patient ID, else the volume), so that splits never share a
/// patient.
public enum LabelledVolumes {
    /// True when `path` is a CSV whose header starts with `volume,mask`.
    public static func isVolumeMaskList(_ path: String) -> Bool {
        guard path.lowercased().hasSuffix(".csv"), let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 64)) ?? Data(), as: UTF8.self).lowercased()
        return head.replacingOccurrences(of: " ", with: "").hasPrefix("volume,mask")
    }

    /// The patches of every volume `path` lists, cut as `patches` says: `perVolume` lesion and
    /// `perVolume` background patches each, drawn with `seed`; a background centre has no mask
    /// voxel in the (2 margin + 1)^3 cube around it. Classes: background (0), lesion (1).
    public static func load(_ path: String, patches: CandidatePatches, perVolume: Int, seed: UInt64, margin: Int = 3) throws(DatasetError) -> Dataset {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .io(path: path, reason: "cannot read as UTF-8 text") }
        guard perVolume > 0 else { throw .badRow(path: path, line: 1, reason: "patches per volume must be positive") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : folder.appendingPathComponent(p).path }
        var samples: [Sample] = []
        var generator = SeededGenerator(seed: seed)
        var volumes = 0
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated() where index > 0 {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.allSatisfy(\.isEmpty) { continue }
            guard cells.count >= 2, !cells[0].isEmpty, !cells[1].isEmpty else {
                throw .badRow(path: path, line: index + 1, reason: "expected volume,mask[,group]")
            }
            let volumePath = resolve(cells[0]), maskPath = resolve(cells[1])
            let (volume, patient) = try CandidateList.readVolume(volumePath)
            let mask = try readMask(maskPath, on: volume)
            let group = cells.count > 2 && !cells[2].isEmpty ? cells[2] : patient ?? volumePath
            let lesion = mask.indices.filter { mask[$0] }
            guard !lesion.isEmpty else { throw .badArrays(path: maskPath, reason: "the mask has no non-zero voxel") }
            let background = backgroundVoxels(mask, volume: volume, margin: margin)
            guard !background.isEmpty else { throw .badArrays(path: maskPath, reason: "no voxel lies more than \(margin) voxels from the mask") }
            let outside = volume.values.min() ?? 0
            for (label, pool) in [(1, lesion), (0, background)] {
                for n in 0..<perVolume {
                    let voxel = pool[Int.random(in: 0..<pool.count, using: &generator)]
                    let i = voxel % volume.columns, j = voxel / volume.columns % volume.rows, k = voxel / (volume.columns * volume.rows)
                    let image = try CandidateList.patchImage(volume, center: (Double(i), Double(j), Double(k)), outside: outside,
                                                            patches: patches, source: "\(path):\(index + 1)")
                    samples.append(Sample(id: "\(volumePath)@\(i),\(j),\(k)#\(label == 1 ? "lesion" : "background")\(n)",
                                          source: .memory(image), label: label, group: group))
                }
            }
            volumes += 1
        }
        guard volumes > 0 else { throw .badRow(path: path, line: 2, reason: "no volumes listed") }
        return Dataset(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, classes: ["background", "lesion"],
                       samples: samples, notes: ["\(volumes) volumes, \(perVolume) lesion and \(perVolume) background patches each"])
    }

    /// The mask's non-zero voxels, on the volume's grid: same size, and the same voxel-to-patient
    /// map (within 0.01 mm per voxel) once both are in one convention.
    static func readMask(_ path: String, on volume: Volume) throws(DatasetError) -> [Bool] {
        let image: NIfTIImage
        do { image = try NIfTIImage.read(path) } catch { throw .badMedicalImage(path: path, reason: error.description) }
        let mask = image.volume().expressed(in: volume.coordinates)
        guard mask.columns == volume.columns, mask.rows == volume.rows, mask.slices == volume.slices else {
            throw .badArrays(path: path, reason: "the mask is \(mask.columns) x \(mask.rows) x \(mask.slices), the volume \(volume.columns) x \(volume.rows) x \(volume.slices)")
        }
        let worst = zip(mask.voxelToPatient.matrix, volume.voxelToPatient.matrix).map { abs($0 - $1) }.max() ?? 0
        guard worst < 0.01 else {
            throw .badArrays(path: path, reason: String(format: "the mask's affine differs from the volume's by %.3f mm: not on the same grid (resample it, or check its orientation)", worst))
        }
        return mask.values.map { $0 != 0 }
    }

    /// Voxels whose (2 margin + 1)^3 neighbourhood holds no mask voxel.
    static func backgroundVoxels(_ mask: [Bool], volume: Volume, margin: Int) -> [Int] {
        let nx = volume.columns, ny = volume.rows, nz = volume.slices
        // A mask voxel marks its neighbourhood as near, slice by slice, with separable passes.
        var near = mask
        for axis in 0..<3 {
            var next = near
            let (stride, length) = axis == 0 ? (1, nx) : axis == 1 ? (nx, ny) : (nx * ny, nz)
            for index in near.indices where near[index] {
                let position = index / stride % length
                for d in -margin...margin where d != 0 {
                    let p = position + d
                    if p >= 0 && p < length { next[index + d * stride] = true }
                }
            }
            near = next
        }
        return near.indices.filter { !near[$0] }
    }
}
