import Foundation
import GraftVolume

/// Caps applied before anything is allocated for a file: hostile headers cannot make Graft
/// reserve gigabytes.
public struct DICOMReadLimits: Sendable {
    /// The largest file handed to GDCM (which reads it whole).
    public var maxFileBytes: Int
    /// The largest decoded pixel buffer (all frames, all samples).
    public var maxPixelBytes: Int

    /// Limits in bytes (2 GiB each by default).
    public init(maxFileBytes: Int = 2 << 30, maxPixelBytes: Int = 2 << 30) {
        self.maxFileBytes = maxFileBytes
        self.maxPixelBytes = maxPixelBytes
    }
}

/// One DICOM image file decoded (through GDCM: uncompressed, RLE, JPEG, JPEG-LS and JPEG 2000
/// transfer syntaxes; JPEG 2000 through OpenJPEG and colour RLE with 16- or 32-bit samples by the
/// bridge itself, where GDCM 3.0 errs), with its pixels in physical units.
public struct DICOMImage: Sendable {
    /// The file read.
    public let path: String
    /// The header attributes: identity, geometry, modality LUT, windows.
    public let attributes: DICOMAttributes
    /// Rows (0028,0010) and Columns (0028,0011) of each frame, and Number of Frames (0028,0008),
    /// 1 when absent.
    public let rows: Int, columns: Int, frames: Int
    /// 1 for grayscale, 3 for colour.
    public let samplesPerPixel: Int
    /// After decoding (a JPEG decoder may have turned YBR into RGB).
    public let photometricInterpretation: String
    /// Transfer Syntax UID (0002,0010): how the pixel data is encoded (uncompressed, RLE, JPEG...).
    public let transferSyntaxUID: String
    /// Bits Stored (0028,0101): the significant bits of each stored sample.
    public let bitsStored: Int
    /// Pixel Representation (0028,0103) is 1: stored samples are two's complement.
    public let isSigned: Bool
    /// `values[((frame * rows + row) * columns + column) * samplesPerPixel + sample]`: stored
    /// values (bits beyond Bits Stored masked, signed ones sign-extended), then for grayscale the
    /// modality LUT (x Rescale Slope + Rescale Intercept: Hounsfield units for CT).
    public let values: [Float]

    /// MONOCHROME1 images display their lowest values as white: windows invert them.
    public var isInvertedGrayscale: Bool { photometricInterpretation == "MONOCHROME1" }

    /// Reads and decodes `path`.
    public static func read(_ path: String, limits: DICOMReadLimits = DICOMReadLimits()) throws(DICOMError) -> DICOMImage {
        let file = try GDCMFile(path: path, headersOnly: false, maxFileBytes: limits.maxFileBytes)
        let attributes = try DICOMAttributes(file)
        guard let pixelData = file.pixelData else {
            throw .noImage(path: path, reason: "no Pixel Data (7FE0,0010) element")
        }
        let layout = try pixelLayout(file)
        let transferSyntax = file.transferSyntax
        guard !attributes.hasModalityLUTSequence else {
            throw .unsupported(path: path, what: "a Modality LUT Sequence (only Rescale Slope/Intercept is applied)")
        }
        // Sizes with overflow checks, capped before anything is allocated.
        let pixels = try checkedProduct([layout.rows, layout.columns, layout.frames, layout.samplesPerPixel], path: path, limits: limits)
        let bufferBytes = layout.bitsAllocated == 1 ? (pixels + 7) / 8 : pixels * (layout.bitsAllocated / 8)
        guard bufferBytes <= limits.maxPixelBytes, pixels <= limits.maxPixelBytes / 4 else {
            throw .tooLarge(path: path, bytes: "\(layout.rows) x \(layout.columns) x \(layout.frames) frames x \(layout.samplesPerPixel) samples", limit: limits.maxPixelBytes)
        }
        var bytes: [UInt8]
        let decoded: (photometric: String, isPlanar: Bool)
        if pixelData.encapsulated {
            bytes = [UInt8](repeating: 0, count: bufferBytes)
            do {
                decoded = try bytes.withUnsafeMutableBytes { buffer in try file.decode(layout, into: buffer) }
            } catch let error as DICOMError {
                throw error
            } catch {
                throw .decodeFailed(path: path, reason: "\(error)")
            }
        } else {
            bytes = try nativePixels(file, pixelData, layout: layout, bufferBytes: bufferBytes, transferSyntax: transferSyntax)
            decoded = (layout.photometric, layout.isPlanar)
        }
        // The modality LUT applies to grey values only (colour stays as decoded).
        let rescale = layout.samplesPerPixel == 1 && (attributes.rescaleSlope != 1 || attributes.rescaleIntercept != 0)
            ? (attributes.rescaleSlope, attributes.rescaleIntercept) : nil
        var values = samples(bytes, layout: layout, count: pixels, rescale: rescale)
        if decoded.isPlanar && layout.samplesPerPixel > 1 {
            values = interleaved(values, pixels: layout.rows * layout.columns, frames: layout.frames, samples: layout.samplesPerPixel)
        }
        var photometric = decoded.photometric.isEmpty ? layout.photometric : decoded.photometric
        if layout.samplesPerPixel == 3, photometric == "YBR_FULL" || photometric == "YBR_FULL_422" {
            convertYBRToRGB(&values, maximum: Float((1 << min(layout.bitsStored, 24)) - 1))
            photometric = "RGB"
        }
        return DICOMImage(path: path, attributes: attributes, rows: layout.rows, columns: layout.columns,
                          frames: layout.frames, samplesPerPixel: layout.samplesPerPixel,
                          photometricInterpretation: photometric, transferSyntaxUID: transferSyntax,
                          bitsStored: layout.bitsStored, isSigned: layout.isSigned, values: values)
    }

    static let explicitBigEndian = "1.2.840.10008.1.2.2"

    /// Native (uncompressed) pixel data, checked for length, in host byte order, with
    /// YBR_FULL_422's shared chroma expanded to three samples per pixel.
    static func nativePixels(_ file: GDCMFile, _ pixelData: GDCMFile.PixelData, layout: GDCMFile.PixelLayout,
                             bufferBytes: Int, transferSyntax: String) throws(DICOMError) -> [UInt8] {
        let path = file.path
        let subsampled = layout.photometric == "YBR_FULL_422" && layout.samplesPerPixel == 3 && layout.bitsAllocated >= 8
        let stored = subsampled ? bufferBytes / 3 * 2 : bufferBytes
        guard !pixelData.truncated, pixelData.length >= UInt64(stored) else {
            throw .decodeFailed(path: path, reason: "Pixel Data is truncated: the file holds fewer bytes than \(layout.rows) x \(layout.columns) x \(layout.frames) frames x \(layout.samplesPerPixel) samples of \(layout.bitsAllocated) bits need (\(stored))")
        }
        var bytes = [UInt8](repeating: 0, count: stored)
        let copied = bytes.withUnsafeMutableBytes { file.copyNativePixels(into: $0) }
        guard copied == stored else {
            throw .decodeFailed(path: path, reason: "Pixel Data gave \(copied) of \(stored) bytes")
        }
        if transferSyntax == explicitBigEndian, layout.bitsAllocated == 32 {
            // GDCM's reader has already swapped big-endian OW data in 16-bit words (right for 8-,
            // 16- and 1-bit pixels); 32-bit pixels also need their two halves exchanged.
            var i = 0
            while i + 4 <= bytes.count {
                bytes.swapAt(i, i + 2)
                bytes.swapAt(i + 1, i + 3)
                i += 4
            }
        }
        guard subsampled else { return bytes }
        // Y0 Y1 Cb Cr per pair of pixels (in units of one sample) -> Y0 Cb Cr Y1 Cb Cr.
        let size = layout.bitsAllocated / 8
        var full = [UInt8](repeating: 0, count: bufferBytes)
        var source = 0, target = 0
        while source + 4 * size <= bytes.count {
            let y0 = source, y1 = source + size, cb = source + 2 * size, cr = source + 3 * size
            for (start, from) in [(0, y0), (1, cb), (2, cr), (3, y1), (4, cb), (5, cr)] {
                for b in 0..<size { full[target + start * size + b] = bytes[from + b] }
            }
            source += 4 * size
            target += 6 * size
        }
        return full
    }

    /// The image attributes (group 0028) read and checked against what the standard allows.
    static func pixelLayout(_ file: GDCMFile) throws(DICOMError) -> GDCMFile.PixelLayout {
        let path = file.path
        func integer(_ tag: DICOMTag, default fallback: Int?, range: ClosedRange<Int>) throws(DICOMError) -> Int {
            let raw = file.string(tag) ?? ""
            guard !raw.isEmpty else {
                guard let fallback else { throw .invalidAttribute(path: path, tag: tag, value: "", expected: "a value in \(range)") }
                return fallback
            }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw .invalidAttribute(path: path, tag: tag, value: raw, expected: "an integer in \(range)")
            }
            return value
        }
        let rows = try integer(.rows, default: nil, range: 1...65535)
        let columns = try integer(.columns, default: nil, range: 1...65535)
        let frames = try integer(.numberOfFrames, default: 1, range: 1...1_000_000)
        let samples = try integer(.samplesPerPixel, default: 1, range: 1...3)
        guard samples != 2 else { throw .invalidAttribute(path: path, tag: .samplesPerPixel, value: "2", expected: "1 or 3") }
        let bitsAllocated = try integer(.bitsAllocated, default: nil, range: 1...32)
        guard [1, 8, 16, 32].contains(bitsAllocated) else {
            throw .unsupported(path: path, what: "Bits Allocated \(bitsAllocated) (1, 8, 16 or 32 are read)")
        }
        let bitsStored = try integer(.bitsStored, default: bitsAllocated, range: 1...bitsAllocated)
        let highBit = try integer(.highBit, default: bitsStored - 1, range: 0...(bitsAllocated - 1))
        let representation = try integer(.pixelRepresentation, default: 0, range: 0...1)
        let planar = samples > 1 ? try integer(.planarConfiguration, default: 0, range: 0...1) : 0
        let photometric = (file.string(.photometricInterpretation) ?? "").trimmingCharacters(in: .whitespaces)
        let known = ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422",
                     "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT"]
        guard known.contains(photometric) else {
            throw .invalidAttribute(path: path, tag: .photometricInterpretation, value: photometric, expected: known.joined(separator: ", "))
        }
        guard (samples == 1) == photometric.hasPrefix("MONOCHROME") || photometric == "PALETTE COLOR" && samples == 1 else {
            throw .invalidAttribute(path: path, tag: .samplesPerPixel, value: "\(samples)", expected: "\(photometric.hasPrefix("MONO") || photometric == "PALETTE COLOR" ? 1 : 3) for \(photometric)")
        }
        return GDCMFile.PixelLayout(columns: columns, rows: rows, frames: frames, samplesPerPixel: samples,
                                    bitsAllocated: bitsAllocated, bitsStored: bitsStored, highBit: highBit,
                                    isSigned: representation == 1, isPlanar: planar == 1, photometric: photometric)
    }

    static func checkedProduct(_ factors: [Int], path: String, limits: DICOMReadLimits) throws(DICOMError) -> Int {
        var total = 1
        for factor in factors {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow else {
                throw .tooLarge(path: path, bytes: factors.map(String.init).joined(separator: " x "), limit: limits.maxPixelBytes)
            }
            total = product
        }
        return total
    }

    /// Full-range YCbCr (ITU-R BT.601) to RGB, rounded and clamped as pydicom's conversion does.
    static func convertYBRToRGB(_ values: inout [Float], maximum: Float) {
        let half = (maximum + 1) / 2
        var i = 0
        while i + 2 < values.count {
            let y = values[i], cb = values[i + 1] - half, cr = values[i + 2] - half
            let r = y + 1.402 * cr
            let g = y - (0.114 * 1.772 / 0.587) * cb - (0.299 * 1.402 / 0.587) * cr
            let b = y + 1.772 * cb
            values[i] = min(max((r + 0.5).rounded(.down), 0), maximum)
            values[i + 1] = min(max((g + 0.5).rounded(.down), 0), maximum)
            values[i + 2] = min(max((b + 0.5).rounded(.down), 0), maximum)
            i += 3
        }
    }

    /// The decoded buffer (host byte order) as numbers, with the bits above Bits Stored masked
    /// off, and sign-extended from Bits Stored when the pixels are signed; then `x slope +
    /// intercept` when a modality LUT is given (one pass: a CT series is tens of millions of
    /// voxels). 1-bit pixels are unpacked least significant bit first.
    static func samples(_ bytes: [UInt8], layout: GDCMFile.PixelLayout, count: Int,
                        rescale: (slope: Double, intercept: Double)? = nil) -> [Float] {
        let bits = layout.bitsStored, signed = layout.isSigned
        let mask: UInt32 = bits >= 32 ? .max : (1 << UInt32(bits)) - 1
        let signBit: UInt32 = 1 << UInt32(bits - 1)
        let range = Int64(1) << Int64(bits)
        let slope = rescale?.slope ?? 1, intercept = rescale?.intercept ?? 0
        let scaled = rescale != nil
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBytes { raw in
                @inline(__always) func value(_ v: UInt32) -> Float {
                    let m = v & mask
                    let x = signed && m & signBit != 0 ? Int64(m) - range : Int64(m)
                    return scaled ? Float(Double(x) * slope + intercept) : Float(x)
                }
                switch layout.bitsAllocated {
                case 1:
                    let p = raw.bindMemory(to: UInt8.self)
                    for i in 0..<count { o[i] = value(UInt32((p[i >> 3] >> UInt8(i & 7)) & 1)) }
                case 8:
                    let p = raw.bindMemory(to: UInt8.self)
                    for i in 0..<count { o[i] = value(UInt32(p[i])) }
                case 16:
                    let p = raw.bindMemory(to: UInt16.self)
                    for i in 0..<count { o[i] = value(UInt32(p[i])) }
                default:
                    let p = raw.bindMemory(to: UInt32.self)
                    for i in 0..<count { o[i] = value(p[i]) }
                }
            }
        }
        return out
    }

    /// Planar (RRR...GGG...BBB per frame) to interleaved (RGBRGB...).
    static func interleaved(_ planar: [Float], pixels: Int, frames: Int, samples: Int) -> [Float] {
        var out = [Float](repeating: 0, count: planar.count)
        for frame in 0..<frames {
            let base = frame * pixels * samples
            for s in 0..<samples {
                for p in 0..<pixels { out[base + p * samples + s] = planar[base + s * pixels + p] }
            }
        }
        return out
    }
}
