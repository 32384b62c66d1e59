import Foundation
import GraftCore
import GraftDICOM
import GraftImage
import GraftNIfTI
import GraftVolume
import SwiftCSV

/// How candidate patches become images: the sampler (physical size, pixels, planes) and the
/// windows that turn each plane's physical values into 8-bit channels.
public struct CandidatePatches: Sendable, Equatable {
    /// The patch geometry: side in millimetres, pixels, planes.
    public var sampler: PatchSampler
    /// The windows that turn physical values (HU for CT) into channels: 1 or 3 for a planar patch
    /// (one per channel), 1 for the three planes of a 2.5D or three-plane patch.
    public var windows: [IntensityWindow]
    /// The model's channel order: BGR reverses the channels; a grey model takes a single one.
    public var channelOrder: Preprocessing.ChannelOrder

    /// Patches cut by `sampler`, through `windows`, in `channelOrder`.
    public init(sampler: PatchSampler, windows: [IntensityWindow], channelOrder: Preprocessing.ChannelOrder) {
        self.sampler = sampler
        self.windows = windows
        self.channelOrder = channelOrder
    }
}

/// A CSV of candidates in volumes, the paper's CT task (pulmonary embolism candidates):
/// `volume,<coordinates>,label[,group]`, where `volume` is a DICOM series folder or a NIfTI file
/// (relative to the CSV's folder) and the header names the coordinates: `i,j,k` voxel indices,
/// `x,y,z` millimetres in the volume's own patient coordinates (LPS for DICOM, RAS for NIfTI), or
/// `x_lps,y_lps,z_lps` / `x_ras,y_ras,z_ras` to say which. Each candidate becomes one image cut
/// by ``CandidatePatches``; its group is the `group` column, else the DICOM Patient ID, else the
/// volume, so that splits keep a patient's candidates together.
public enum CandidateList {
    /// The coordinate systems a header can name.
    enum Coordinates { case voxel, patient(PatientCoordinates?) }

    /// True when `path` is a CSV whose header starts with `volume`.
    public static func isCandidateList(_ path: String) -> Bool {
        guard path.lowercased().hasSuffix(".csv"), let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        return String(decoding: head, as: UTF8.self).lowercased().hasPrefix("volume")
    }

    /// The candidates of `path` cut into images (volumes are read one at a time, in the order
    /// they first appear).
    public static func load(_ path: String, patches: CandidatePatches) throws(DatasetError) -> Dataset {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .io(path: path, reason: "cannot read as UTF-8 text") }
        let table: CSV<Named>
        do { table = try CSV<Named>(string: text, delimiter: .comma, loadColumns: false) } catch {
            throw .badRow(path: path, line: 1, reason: "not valid CSV: \(error)")
        }
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let columns: [String], coordinates: Coordinates
        if ["i", "j", "k"].allSatisfy(header.contains) {
            (columns, coordinates) = (["i", "j", "k"], .voxel)
        } else if ["x_lps", "y_lps", "z_lps"].allSatisfy(header.contains) {
            (columns, coordinates) = (["x_lps", "y_lps", "z_lps"], .patient(.lps))
        } else if ["x_ras", "y_ras", "z_ras"].allSatisfy(header.contains) {
            (columns, coordinates) = (["x_ras", "y_ras", "z_ras"], .patient(.ras))
        } else if ["x", "y", "z"].allSatisfy(header.contains) {
            (columns, coordinates) = (["x", "y", "z"], .patient(nil))
        } else {
            throw .badRow(path: path, line: 1, reason: "the header names no coordinates: expected volume,i,j,k,label (voxels), volume,x,y,z,label (the volume's own patient mm), or x_lps/y_lps/z_lps or x_ras/y_ras/z_ras columns")
        }
        guard header.contains("volume"), header.contains("label") else {
            throw .badRow(path: path, line: 1, reason: "expected volume and label columns (volume,\(columns.joined(separator: ",")),label[,group])")
        }
        let raw = table.header
        func cell(_ row: [String: String], _ name: String) -> String {
            guard let key = raw.first(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == name }) else { return "" }
            return (row[key] ?? "").trimmingCharacters(in: .whitespaces)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        struct Row { var line: Int; var volume: String; var point: [Double]; var label: String; var group: String? }
        var rows: [Row] = []
        for (index, row) in table.rows.enumerated() {
            let line = index + 2
            if row.values.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let volume = cell(row, "volume"), label = cell(row, "label")
            guard !volume.isEmpty, !label.isEmpty else { throw .badRow(path: path, line: line, reason: "empty volume or label") }
            let point = columns.map { Double(cell(row, $0)) }
            guard point.allSatisfy({ $0?.isFinite == true }) else {
                throw .badRow(path: path, line: line, reason: "\(columns.joined(separator: ",")) must be numbers, got \(columns.map { cell(row, $0) }.joined(separator: ","))")
            }
            let resolved = volume.hasPrefix("/") ? volume : folder.appendingPathComponent(volume).path
            let group = cell(row, "group")
            rows.append(Row(line: line, volume: resolved, point: point.map { $0! }, label: label, group: group.isEmpty ? nil : group))
        }
        guard !rows.isEmpty else { throw .badRow(path: path, line: 2, reason: "no candidates listed") }
        let names = Set(rows.map(\.label))
        let numeric = names.allSatisfy { Int($0) != nil }
        let classes = numeric ? names.sorted { Int($0)! < Int($1)! } : names.sorted()
        guard classes.count >= 2 else { throw .tooFewClasses(path: path, count: classes.count) }
        let labelIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })

        var samples = [Sample?](repeating: nil, count: rows.count)
        var order: [String] = []
        for row in rows where !order.contains(row.volume) { order.append(row.volume) }
        for volumePath in order {
            let (volume, patient) = try readVolume(volumePath)
            let outside = volume.values.min() ?? 0
            let inverse = volume.voxelToPatient.inverse
            for (index, row) in rows.enumerated() where row.volume == volumePath {
                var center: (Double, Double, Double)
                switch coordinates {
                case .voxel:
                    center = (row.point[0], row.point[1], row.point[2])
                case .patient(let convention):
                    guard let inverse else {
                        throw .badMedicalImage(path: volumePath, reason: "\(volumePath): its voxel-to-patient affine is singular; give voxel coordinates (i,j,k)")
                    }
                    var p = row.point
                    if let convention, convention != volume.coordinates { p[0] = -p[0]; p[1] = -p[1] }
                    center = inverse.apply((p[0], p[1], p[2]))
                }
                guard center.0 > -0.5, center.1 > -0.5, center.2 > -0.5, center.0 < Double(volume.columns) - 0.5,
                      center.1 < Double(volume.rows) - 0.5, center.2 < Double(volume.slices) - 0.5 else {
                    throw .badRow(path: path, line: row.line, reason: String(format: "the candidate lies outside the volume (voxel %.1f, %.1f, %.1f of %d x %d x %d)", center.0, center.1, center.2, volume.columns, volume.rows, volume.slices))
                }
                let image = try patchImage(volume, center: center, outside: outside, patches: patches, source: "\(path):\(row.line)")
                let id = "\(volumePath)@\(row.point.map { String($0) }.joined(separator: ","))#\(row.line)"
                samples[index] = Sample(id: id, source: .memory(image), label: labelIndex[row.label]!, group: row.group ?? patient ?? volumePath)
            }
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return Dataset(name: name, classes: classes, samples: samples.compactMap { $0 },
                       notes: ["\(rows.count) candidates in \(order.count) volumes, \(patches.sampler.layout.rawValue) patches of \(patches.sampler.sideMillimetres) mm at \(patches.sampler.pixels) pixels"])
    }

    /// A DICOM series folder or a NIfTI file as a volume, with the patient it belongs to when the
    /// file says (DICOM Patient ID).
    public static func readVolume(_ path: String) throws(DatasetError) -> (Volume, patient: String?) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .io(path: path, reason: "no such volume (a DICOM series folder or a NIfTI file)") }
        if isFolder.boolValue {
            do {
                let series = try DICOMSeries.load(folder: path)
                return (try series.volume(), series.patientID.isEmpty ? nil : series.patientID)
            } catch { throw .badMedicalImage(path: path, reason: error.description) }
        }
        guard MedicalImageFile.kind(of: path) == .nifti else {
            throw .io(path: path, reason: "a volume is a DICOM series folder or a .nii/.nii.gz file")
        }
        do {
            let image = try NIfTIImage.read(path)
            guard image.volumeCount == 1 else {
                throw DatasetError.badMedicalImage(path: path, reason: "\(path): \(image.volumeCount) volumes (time points); candidates need one 3D volume")
            }
            return (image.volume(), nil)
        } catch let error as DatasetError {
            throw error
        } catch let error as NIfTIError {
            throw .badMedicalImage(path: path, reason: error.description)
        } catch {
            throw .badMedicalImage(path: path, reason: "\(error)")
        }
    }

    /// One candidate's planes through the windows into an 8-bit image: a planar patch takes one
    /// channel per window (1 or 3); 2.5D and three-plane patches take one window for their three planes.
    public static func patchImage(_ volume: Volume, center: (Double, Double, Double), outside: Float, patches: CandidatePatches,
                           source: String) throws(DatasetError) -> Image {
        let planes = patches.sampler.planes(of: volume, center: center, outside: outside)
        let windows = patches.windows
        guard !windows.isEmpty else {
            throw .windows(path: source, reason: "candidate patches need an intensity window: give --window (a preset or LEVEL,WIDTH)")
        }
        let channels: [(plane: [Float], window: IntensityWindow)]
        if planes.count == 1 {
            guard windows.count == 1 || windows.count == 3 else {
                throw .windows(path: source, reason: "\(windows.count) windows: give 1 (a grey input) or 3 (one per channel)")
            }
            channels = windows.map { (planes[0], $0) }
        } else {
            guard windows.count == 1 else {
                throw .windows(path: source, reason: "\(patches.sampler.layout.rawValue) patches show three planes as channels: give one window, not \(windows.count)")
            }
            channels = planes.map { ($0, windows[0]) }
        }
        guard channels.count == 1 || patches.channelOrder != .grey else {
            throw .windows(path: source, reason: "three channels for a model with one (grey) input channel")
        }
        let ordered = patches.channelOrder == .bgr ? channels.reversed() : channels
        let n = patches.sampler.pixels, count = ordered.count
        var pixels = [UInt8](repeating: 0, count: n * n * count)
        for (c, channel) in ordered.enumerated() {
            for i in 0..<(n * n) { pixels[i * count + c] = UInt8((channel.window.apply(channel.plane[i]) * 255).rounded()) }
        }
        return Image(width: n, height: n, channels: count, pixels: pixels)
    }
}
