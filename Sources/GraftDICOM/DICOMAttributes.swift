import Foundation
import GraftCore
import GraftVolume

/// The header attributes Graft uses: identity (patient, study, series, instance), geometry, and
/// the modality LUT. Read from a file's headers alone, so a series scan never decodes pixels.
public struct DICOMAttributes: Sendable, Equatable {
    /// Patient ID (0010,0020); empty when absent.
    public var patientID: String
    /// Study Instance UID (0020,000D); empty when absent.
    public var studyInstanceUID: String
    /// Series Instance UID (0020,000E): what a folder scan groups files by; empty when absent.
    public var seriesInstanceUID: String
    /// SOP Instance UID (0008,0018): the file's own identifier; empty when absent.
    public var sopInstanceUID: String
    /// Modality (0008,0060): CT, MR, US...; empty when absent.
    public var modality: String
    /// Instance Number (0020,0013), nil when absent. Slices are not ordered by it.
    public var instanceNumber: Int?
    /// Image Position (Patient): the centre of the first pixel, millimetres, LPS.
    public var imagePosition: [Double]?
    /// Image Orientation (Patient): the row direction (along a row, i.e. increasing column) then
    /// the column direction, unit vectors in LPS.
    public var imageOrientation: [Double]?
    /// Pixel Spacing: between rows, then between columns (millimetres).
    public var pixelSpacing: [Double]?
    /// Slice Thickness (0018,0050), millimetres: taken as the slice spacing of a one-slice series.
    public var sliceThickness: Double?
    /// The modality LUT: stored value x slope + intercept gives physical units (HU for CT).
    public var rescaleSlope: Double
    /// Rescale Intercept (0028,1052); 0 when absent (an absent Rescale Slope is 1).
    public var rescaleIntercept: Double
    /// The windows the file suggests (Window Center / Width), in physical units.
    public var windows: [IntensityWindow]
    /// A Modality LUT Sequence (a table instead of slope/intercept), which Graft does not apply.
    public var hasModalityLUTSequence: Bool

    init(_ file: GDCMFile) throws(DICOMError) {
        let path = file.path
        func text(_ tag: DICOMTag) -> String { file.string(tag) ?? "" }
        func numbers(_ tag: DICOMTag, count: Int) throws(DICOMError) -> [Double]? {
            guard let raw = file.string(tag), !raw.isEmpty else { return nil }
            let values = raw.split(separator: "\\", omittingEmptySubsequences: false)
                .map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == count, values.allSatisfy({ $0?.isFinite == true }) else {
                throw .invalidAttribute(path: path, tag: tag, value: raw, expected: "\(count) decimal numbers")
            }
            return values.map { $0! }
        }
        func number(_ tag: DICOMTag) throws(DICOMError) -> Double? { try numbers(tag, count: 1)?.first }

        patientID = text(.patientID)
        studyInstanceUID = text(.studyInstanceUID)
        seriesInstanceUID = text(.seriesInstanceUID)
        sopInstanceUID = text(.sopInstanceUID)
        modality = text(.modality)
        if let raw = file.string(.instanceNumber), !raw.isEmpty {
            guard let n = Int(raw.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidAttribute(path: path, tag: .instanceNumber, value: raw, expected: "an integer")
            }
            instanceNumber = n
        }
        imagePosition = try numbers(.imagePositionPatient, count: 3)
        imageOrientation = try numbers(.imageOrientationPatient, count: 6)
        pixelSpacing = try numbers(.pixelSpacing, count: 2)
        if let spacing = pixelSpacing, !spacing.allSatisfy({ $0 > 0 }) {
            throw .invalidAttribute(path: path, tag: .pixelSpacing, value: text(.pixelSpacing), expected: "two positive spacings")
        }
        sliceThickness = try number(.sliceThickness)
        rescaleSlope = try number(.rescaleSlope) ?? 1
        rescaleIntercept = try number(.rescaleIntercept) ?? 0
        hasModalityLUTSequence = file.string(.modalityLUTSequence) != nil
        windows = []
        if let centres = file.string(.windowCenter), let widths = file.string(.windowWidth) {
            let c = centres.split(separator: "\\").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            let w = widths.split(separator: "\\").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            for (level, width) in zip(c, w) where level.isFinite && width.isFinite && width > 0 {
                windows.append(IntensityWindow(level: level, width: width))
            }
        }
    }

    /// The unit normal of the image plane (row direction x column direction), when the
    /// orientation is present and its two vectors are unit length and orthogonal.
    public var sliceNormal: [Double]? {
        guard let o = imageOrientation else { return nil }
        let r = Array(o[0..<3]), c = Array(o[3..<6])
        let n = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
        let length = (n.map { $0 * $0 }.reduce(0, +)).squareRoot()
        guard length > 0.99, length < 1.01 else { return nil }
        return n.map { $0 / length }
    }
}
