/// A data element tag (group, element) with the keyword the standard gives it, for messages.
public struct DICOMTag: Sendable, Hashable, CustomStringConvertible {
    /// The group number: 0010 in Patient ID (0010,0020).
    public let group: UInt16
    /// The element number within the group: 0020 in Patient ID (0010,0020).
    public let element: UInt16
    /// The standard's keyword (`PatientID`), for messages; not compared.
    public let keyword: String

    /// The tag (group, element), with its keyword.
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
    /// Patient ID (0010,0020).
    public static let patientID = DICOMTag(0x0010, 0x0020, "PatientID")
    /// Study Instance UID (0020,000D).
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D, "StudyInstanceUID")
    /// Series Instance UID (0020,000E).
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E, "SeriesInstanceUID")
    /// SOP Instance UID (0008,0018).
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018, "SOPInstanceUID")
    /// Modality (0008,0060).
    public static let modality = DICOMTag(0x0008, 0x0060, "Modality")
    /// Instance Number (0020,0013).
    public static let instanceNumber = DICOMTag(0x0020, 0x0013, "InstanceNumber")
    /// Image Position (Patient) (0020,0032).
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032, "ImagePositionPatient")
    /// Image Orientation (Patient) (0020,0037).
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037, "ImageOrientationPatient")
    /// Pixel Spacing (0028,0030).
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030, "PixelSpacing")
    /// Slice Thickness (0018,0050).
    public static let sliceThickness = DICOMTag(0x0018, 0x0050, "SliceThickness")
    /// Rows (0028,0010).
    public static let rows = DICOMTag(0x0028, 0x0010, "Rows")
    /// Columns (0028,0011).
    public static let columns = DICOMTag(0x0028, 0x0011, "Columns")
    /// Number of Frames (0028,0008).
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008, "NumberOfFrames")
    /// Samples per Pixel (0028,0002).
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002, "SamplesPerPixel")
    /// Photometric Interpretation (0028,0004).
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004, "PhotometricInterpretation")
    /// Bits Allocated (0028,0100).
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100, "BitsAllocated")
    /// Bits Stored (0028,0101).
    public static let bitsStored = DICOMTag(0x0028, 0x0101, "BitsStored")
    /// Pixel Representation (0028,0103).
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103, "PixelRepresentation")
    /// High Bit (0028,0102).
    public static let highBit = DICOMTag(0x0028, 0x0102, "HighBit")
    /// Planar Configuration (0028,0006).
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006, "PlanarConfiguration")
    /// Rescale Intercept (0028,1052).
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052, "RescaleIntercept")
    /// Rescale Slope (0028,1053).
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053, "RescaleSlope")
    /// Modality LUT Sequence (0028,3000).
    public static let modalityLUTSequence = DICOMTag(0x0028, 0x3000, "ModalityLUTSequence")
    /// Window Center (0028,1050).
    public static let windowCenter = DICOMTag(0x0028, 0x1050, "WindowCenter")
    /// Window Width (0028,1051).
    public static let windowWidth = DICOMTag(0x0028, 0x1051, "WindowWidth")
    /// Transfer Syntax UID (0002,0010).
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010, "TransferSyntaxUID")
}
