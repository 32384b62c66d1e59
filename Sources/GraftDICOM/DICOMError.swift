/// Why a DICOM file or series could not be read. Every case names the file (or folder) and what
/// was expected, so a user with a thousand-file series knows which one to look at.
public enum DICOMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Missing, unreadable, or not DICOM at all (GDCM could not parse it).
    case unreadable(path: String, reason: String)
    /// A DICOM object without an image (a structured report, an RT plan...).
    case noImage(path: String, reason: String)
    /// An attribute is missing or its value is not what the standard allows.
    case invalidAttribute(path: String, tag: DICOMTag, value: String, expected: String)
    /// A valid image Graft does not handle (1-bit pixels, a Modality LUT Sequence...).
    case unsupported(path: String, what: String)
    /// The pixel data would exceed the configured limit (a guard against absurd dimensions).
    case tooLarge(path: String, bytes: String, limit: Int)
    /// The pixel data could not be decoded, or is shorter than rows x columns x frames.
    case decodeFailed(path: String, reason: String)
    /// A folder holds no image of the requested series, or the series cannot form a volume.
    case series(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): not a readable DICOM file: \(reason)"
        case let .noImage(path, reason): "\(path): no image in this DICOM object: \(reason)"
        case let .invalidAttribute(path, tag, value, expected):
            "\(path): \(tag) is \(value.isEmpty ? "missing or empty" : "'\(value)'"); expected \(expected)"
        case let .unsupported(path, what): "\(path): not supported: \(what)"
        case let .tooLarge(path, bytes, limit): "\(path): pixel data of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .decodeFailed(path, reason): "\(path): cannot decode the pixel data: \(reason)"
        case let .series(path, reason): "\(path): \(reason)"
        }
    }
}
