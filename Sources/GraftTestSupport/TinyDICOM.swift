import Foundation

/// A minimal DICOM writer for the tests (explicit VR little endian, a CT image): the valid
/// starting point of the hostile-file catalogue and the synthetic series. Not a library feature:
/// Graft reads DICOM through GDCM and writes none.
public struct TinyDICOM {
    public var rows = 4, columns = 3, frames: Int? = nil
    public var bitsAllocated = 16, bitsStored = 12, highBit: Int? = nil, signed = true, samples = 1
    public var photometric = "MONOCHROME2"
    public var slope = "1", intercept = "-1024"
    public var position: [Double] = [-10, -20, 30]
    public var orientation: [Double] = [1, 0, 0, 0, 1, 0]
    public var spacing = "0.7\\0.8"
    public var seriesUID = "1.2.826.0.1.3680043.2.1125.1.1"
    public var instanceUID = "1.2.826.0.1.3680043.2.1125.1.2"
    public var instanceNumber = 1
    public var patientID = "P001"
    public init() {}

    public init(rows: Int, columns: Int, frames: Int? = nil) {
        self.rows = rows
        self.columns = columns
        self.frames = frames
    }

    /// Stored values, rows x columns x frames (defaults to a ramp).
    public var pixels: [Int]? = nil
    /// Overrides the Pixel Data bytes (to make them short, say).
    public var pixelBytes: [UInt8]? = nil

    public func encoded() -> [UInt8] {
        var meta: [UInt8] = []
        meta += element(0x0002, 0x0001, "OB", [0, 1])
        meta += element(0x0002, 0x0002, "UI", text("1.2.840.10008.5.1.4.1.1.2", pad: 0))
        meta += element(0x0002, 0x0003, "UI", text(instanceUID, pad: 0))
        meta += element(0x0002, 0x0010, "UI", text("1.2.840.10008.1.2.1", pad: 0))
        meta += element(0x0002, 0x0012, "UI", text("1.2.826.0.1.3680043.2.1125.9", pad: 0))
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        out += element(0x0002, 0x0000, "UL", le32(UInt32(meta.count)))
        out += meta
        out += element(0x0008, 0x0018, "UI", text(instanceUID, pad: 0))
        out += element(0x0008, 0x0060, "CS", text("CT"))
        out += element(0x0010, 0x0020, "LO", text(patientID))
        out += element(0x0020, 0x000D, "UI", text("1.2.826.0.1.3680043.2.1125.1.0", pad: 0))
        out += element(0x0020, 0x000E, "UI", text(seriesUID, pad: 0))
        out += element(0x0020, 0x0013, "IS", text("\(instanceNumber)"))
        out += element(0x0020, 0x0032, "DS", text(position.map(Self.decimal).joined(separator: "\\")))
        out += element(0x0020, 0x0037, "DS", text(orientation.map(Self.decimal).joined(separator: "\\")))
        out += element(0x0028, 0x0002, "US", le16(UInt16(samples)))
        out += element(0x0028, 0x0004, "CS", text(photometric))
        if let frames { out += element(0x0028, 0x0008, "IS", text("\(frames)")) }
        out += element(0x0028, 0x0010, "US", le16(UInt16(truncatingIfNeeded: rows)))
        out += element(0x0028, 0x0011, "US", le16(UInt16(truncatingIfNeeded: columns)))
        out += element(0x0028, 0x0030, "DS", text(spacing))
        out += element(0x0028, 0x0100, "US", le16(UInt16(bitsAllocated)))
        out += element(0x0028, 0x0101, "US", le16(UInt16(bitsStored)))
        out += element(0x0028, 0x0102, "US", le16(UInt16(highBit ?? bitsStored - 1)))
        out += element(0x0028, 0x0103, "US", le16(signed ? 1 : 0))
        out += element(0x0028, 0x1052, "DS", text(intercept))
        out += element(0x0028, 0x1053, "DS", text(slope))
        out += element(0x7FE0, 0x0010, bitsAllocated == 8 ? "OB" : "OW", pixelBytes ?? storedBytes())
        return out
    }

    /// The default pixels: a ramp with negative values (stored two's complement in Bits Stored).
    public var storedValues: [Int] {
        pixels ?? (0..<(rows * columns * (frames ?? 1))).map { $0 * 37 - 100 }
    }

    public func storedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        let mask = (1 << bitsStored) - 1
        for v in storedValues {
            let stored = v & mask
            switch bitsAllocated {
            case 8: bytes.append(UInt8(truncatingIfNeeded: stored))
            case 32: bytes += le32(UInt32(truncatingIfNeeded: stored))
            default: bytes += le16(UInt16(truncatingIfNeeded: stored))
            }
        }
        if bytes.count % 2 == 1 { bytes.append(0) }
        return bytes
    }

    public func write(to path: String) throws {
        try Data(encoded()).write(to: URL(fileURLWithPath: path))
    }

    static func decimal(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    func text(_ s: String, pad: UInt8 = 0x20) -> [UInt8] {
        var bytes = Array(s.utf8)
        if bytes.count % 2 == 1 { bytes.append(pad) }
        return bytes
    }

    func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
        var out = le16(group) + le16(element) + Array(vr.utf8)
        if ["OB", "OW", "SQ", "UN", "UT"].contains(vr) {
            out += [0, 0] + le32(UInt32(value.count))
        } else {
            out += le16(UInt16(value.count))
        }
        return out + value
    }

    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xff) } }
}
