import Foundation
import GraftVolume

/// One series found in a folder: its files sorted along the slice normal by Image Position
/// (Patient) — not by Instance Number, which scanners do not keep consistent — with what is
/// irregular about the stack (gaps, duplicate positions) reported, not hidden.
public struct DICOMSeries: Sendable {
    /// A file of the series and where its slice lies along the normal (millimetres).
    public struct Slice: Sendable {
        /// The file.
        public let path: String
        /// Its header attributes.
        public let attributes: DICOMAttributes
        /// Its Image Position (Patient) projected on the slice normal (millimetres): the sort key.
        public let position: Double
    }

    /// Why a stack of slices is not a regular grid.
    public enum Irregularity: Sendable, Equatable, CustomStringConvertible {
        /// Two files at the same position (within 0.01 mm).
        case duplicatePosition(first: String, second: String, position: Double)
        /// A step between neighbours that differs from the series' usual spacing by more than 10%.
        case gap(after: String, before: String, step: Double, expected: Double)

        public var description: String {
            switch self {
            case let .duplicatePosition(first, second, position):
                "duplicate slice position \(Self.mm(position)) mm: \(first) and \(second)"
            case let .gap(after, before, step, expected):
                "gap of \(Self.mm(step)) mm (usual spacing \(Self.mm(expected)) mm) between \(after) and \(before)"
            }
        }

        private static func mm(_ x: Double) -> String { String(format: "%.3f", x) }
    }

    /// Series Instance UID (0020,000E), shared by every slice.
    public let seriesInstanceUID: String
    /// The series' files, sorted by position along the slice normal (then by path).
    public let slices: [Slice]
    /// The median distance between neighbouring slices (the slice thickness for one slice).
    public let sliceSpacing: Double
    /// Gaps and duplicate positions between neighbouring slices, in slice order; empty for a
    /// regular stack.
    public let irregularities: [Irregularity]

    /// Patient ID (0010,0020) of the first slice.
    public var patientID: String { slices[0].attributes.patientID }
    /// Modality (0008,0060) of the first slice.
    public var modality: String { slices[0].attributes.modality }

    /// Every image series under `folder` (searched recursively; symbolic links to folders are not
    /// followed), largest first. Files that are not DICOM images, and series whose slices
    /// disagree on orientation or spacing, are listed in `skipped` with the reason.
    public static func scan(folder: String, limits: DICOMReadLimits = DICOMReadLimits())
        throws(DICOMError) -> (series: [DICOMSeries], skipped: [(path: String, reason: String)]) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .series(path: folder, reason: "not a folder")
        }
        var groups: [String: [(String, DICOMAttributes)]] = [:]
        var skipped: [(path: String, reason: String)] = []
        for path in files(under: folder) {
            do {
                let file = try GDCMFile(path: path, headersOnly: true, maxFileBytes: limits.maxFileBytes)
                let attributes = try DICOMAttributes(file)
                guard !attributes.seriesInstanceUID.isEmpty else {
                    skipped.append((path, "no Series Instance UID"))
                    continue
                }
                guard file.string(.rows) != nil, file.string(.columns) != nil else {
                    skipped.append((path, "not an image (no Rows/Columns)"))
                    continue
                }
                groups[attributes.seriesInstanceUID, default: []].append((path, attributes))
            } catch {
                skipped.append((path, error.description))
            }
        }
        // A series that cannot be ordered (no orientation, slices in different planes such as a
        // three-plane localizer) is listed with the skipped files, not fatal to the scan.
        var series: [DICOMSeries] = []
        for (uid, members) in groups.sorted(by: { $0.key < $1.key }) {
            do {
                series.append(try DICOMSeries(uid: uid, members: members, folder: folder))
            } catch {
                skipped.append((members.map(\.0).sorted()[0], "series \(uid) (\(members.count) files) cannot form a stack: \(error)"))
            }
        }
        series.sort { ($0.slices.count, $1.seriesInstanceUID) > ($1.slices.count, $0.seriesInstanceUID) }
        return (series, skipped)
    }

    /// The one series under `folder`, or the one with `seriesInstanceUID`.
    public static func load(folder: String, seriesInstanceUID: String? = nil,
                            limits: DICOMReadLimits = DICOMReadLimits()) throws(DICOMError) -> DICOMSeries {
        let (found, skipped) = try scan(folder: folder, limits: limits)
        if let uid = seriesInstanceUID {
            guard let match = found.first(where: { $0.seriesInstanceUID == uid }) else {
                let why = skipped.first { $0.reason.contains(uid) }.map { ": \($0.reason)" } ?? ""
                throw .series(path: folder, reason: "no usable series \(uid)\(why) (found: \(found.map(\.seriesInstanceUID).joined(separator: ", ")))")
            }
            return match
        }
        guard found.count == 1 else {
            throw .series(path: folder, reason: found.isEmpty ? "no DICOM image series in this folder"
                : "\(found.count) series in this folder (\(found.map { "\($0.seriesInstanceUID): \($0.slices.count) files" }.joined(separator: "; "))); name one")
        }
        return found[0]
    }

    init(uid: String, members: [(String, DICOMAttributes)], folder: String) throws(DICOMError) {
        seriesInstanceUID = uid
        let first = members[0].1
        guard let orientation = first.imageOrientation, let normal = first.sliceNormal else {
            throw .invalidAttribute(path: members[0].0, tag: .imageOrientationPatient, value: "",
                                    expected: "two orthogonal unit vectors (needed to order the slices of series \(uid))")
        }
        var slices: [Slice] = []
        for (path, attributes) in members {
            guard let position = attributes.imagePosition else {
                throw .invalidAttribute(path: path, tag: .imagePositionPatient, value: "", expected: "three coordinates (mm)")
            }
            guard let o = attributes.imageOrientation, zip(o, orientation).allSatisfy({ abs($0 - $1) < 1e-3 }) else {
                throw .series(path: path, reason: "its Image Orientation (Patient) differs from the rest of series \(uid) (\(members[0].0))")
            }
            guard attributes.pixelSpacing == first.pixelSpacing || zip(attributes.pixelSpacing ?? [], first.pixelSpacing ?? []).allSatisfy({ abs($0 - $1) < 1e-4 }) else {
                throw .series(path: path, reason: "its Pixel Spacing differs from the rest of series \(uid)")
            }
            let along = zip(position, normal).map(*).reduce(0, +)
            slices.append(Slice(path: path, attributes: attributes, position: along))
        }
        slices.sort { ($0.position, $0.path) < ($1.position, $1.path) }
        self.slices = slices
        let steps = zip(slices.dropFirst(), slices).map { $0.position - $1.position }
        let sorted = steps.filter { $0 >= 0.01 }.sorted()
        sliceSpacing = sorted.isEmpty ? (first.sliceThickness ?? 1) : sorted[sorted.count / 2]
        var irregular: [Irregularity] = []
        for (index, step) in steps.enumerated() {
            let a = slices[index], b = slices[index + 1]
            if step < 0.01 {
                irregular.append(.duplicatePosition(first: a.path, second: b.path, position: a.position))
            } else if abs(step - sliceSpacing) > 0.1 * sliceSpacing {
                irregular.append(.gap(after: a.path, before: b.path, step: step, expected: sliceSpacing))
            }
        }
        irregularities = irregular
    }

    /// The slices decoded and stacked: values in physical units, geometry in LPS (origin at the
    /// first slice's first pixel, the slice axis from first to last position). Refuses a stack
    /// with gaps or duplicates unless `allowIrregular` (then slices are placed at the mean step).
    public func volume(limits: DICOMReadLimits = DICOMReadLimits(), allowIrregular: Bool = false) throws(DICOMError) -> Volume {
        if !allowIrregular, let problem = irregularities.first {
            throw .series(path: slices[0].path, reason: "series \(seriesInstanceUID) is not a regular stack: \(problem)"
                          + (irregularities.count > 1 ? " (and \(irregularities.count - 1) more)" : ""))
        }
        var values: [Float] = []
        var rows = 0, columns = 0
        for (index, slice) in slices.enumerated() {
            let image = try DICOMImage.read(slice.path, limits: limits)
            guard image.frames == 1, image.samplesPerPixel == 1 else {
                throw .unsupported(path: slice.path, what: "a series of multi-frame or colour images (\(image.frames) frames, \(image.samplesPerPixel) samples)")
            }
            if index == 0 {
                rows = image.rows
                columns = image.columns
                let (total, overflow) = (rows * columns).multipliedReportingOverflow(by: slices.count * 4)
                guard !overflow, total <= limits.maxPixelBytes else {
                    throw .tooLarge(path: slice.path, bytes: "\(rows) x \(columns) x \(slices.count) slices x 4", limit: limits.maxPixelBytes)
                }
                values.reserveCapacity(rows * columns * slices.count)
            } else if image.rows != rows || image.columns != columns {
                throw .series(path: slice.path, reason: "\(image.rows) x \(image.columns) pixels, the series' first slice has \(rows) x \(columns)")
            }
            values += image.values
        }
        let first = slices[0].attributes
        let o = first.imageOrientation!
        let spacing = first.pixelSpacing ?? [1, 1]
        let origin = first.imagePosition!
        let sliceStep: [Double]
        if slices.count > 1, let last = slices.last!.attributes.imagePosition {
            sliceStep = zip(last, origin).map { ($0 - $1) / Double(slices.count - 1) }
        } else {
            sliceStep = first.sliceNormal!.map { $0 * sliceSpacing }
        }
        var m = [Double](repeating: 0, count: 16)
        for axis in 0..<3 {
            m[axis * 4 + 0] = o[axis] * spacing[1]       // i: along a row, column spacing
            m[axis * 4 + 1] = o[3 + axis] * spacing[0]   // j: down a column, row spacing
            m[axis * 4 + 2] = sliceStep[axis]
            m[axis * 4 + 3] = origin[axis]
        }
        m[15] = 1
        return Volume(columns: columns, rows: rows, slices: slices.count, values: values,
                      voxelToPatient: VoxelAffine(matrix: m), coordinates: .lps)
    }

    /// Regular files under `folder`, sorted, without following links to folders.
    public static func files(under folder: String) -> [String] {
        let root = URL(fileURLWithPath: folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let url as URL in walker {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(url.path) }
        }
        return out.sorted()
    }
}
