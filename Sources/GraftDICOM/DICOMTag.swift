/// A data element tag (group, element) with the keyword the standard gives it, for messages.
public struct DICOMTag: Sendable, Hashable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16
    public let keyword: String

    public init(_ group: UInt16, _ element: UInt16, _ keyword: String) {
        self.group = group
        self.element = element
        self.keyword = keyword
    }

    public var description: String {
        func hex(_ v: UInt16) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: 4 - s.count) + s
        }
        return "\(keyword) (\(hex(group)),\(hex(element)))"
    }

    public static func == (a: DICOMTag, b: DICOMTag) -> Bool { a.group == b.group && a.element == b.element }
    public func hash(into hasher: inout Hasher) { hasher.combine(group); hasher.combine(element) }

    // The attributes Graft reads.
    public static let patientID = DICOMTag(0x0010, 0x0020, "PatientID")
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D, "StudyInstanceUID")
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E, "SeriesInstanceUID")
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018, "SOPInstanceUID")
    public static let modality = DICOMTag(0x0008, 0x0060, "Modality")
    public static let instanceNumber = DICOMTag(0x0020, 0x0013, "InstanceNumber")
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032, "ImagePositionPatient")
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037, "ImageOrientationPatient")
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030, "PixelSpacing")
    public static let sliceThickness = DICOMTag(0x0018, 0x0050, "SliceThickness")
    public static let rows = DICOMTag(0x0028, 0x0010, "Rows")
    public static let columns = DICOMTag(0x0028, 0x0011, "Columns")
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008, "NumberOfFrames")
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002, "SamplesPerPixel")
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004, "PhotometricInterpretation")
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100, "BitsAllocated")
    public static let bitsStored = DICOMTag(0x0028, 0x0101, "BitsStored")
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103, "PixelRepresentation")
    public static let highBit = DICOMTag(0x0028, 0x0102, "HighBit")
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006, "PlanarConfiguration")
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052, "RescaleIntercept")
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053, "RescaleSlope")
    public static let modalityLUTSequence = DICOMTag(0x0028, 0x3000, "ModalityLUTSequence")
    public static let windowCenter = DICOMTag(0x0028, 0x1050, "WindowCenter")
    public static let windowWidth = DICOMTag(0x0028, 0x1051, "WindowWidth")
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010, "TransferSyntaxUID")
}
