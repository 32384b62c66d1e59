import Foundation
internal import CGDCM

/// One DICOM file opened by GDCM: the only place Graft's Swift calls the GDCM bridge. Owns the
/// C++ reader (freed on deinit) and turns every status into a ``DICOMError`` naming the file.
final class GDCMFile {
    let path: String
    private let handle: OpaquePointer

    /// The pixel layout Graft read from the attributes, handed to GDCM's codecs.
    struct PixelLayout {
        var columns: Int, rows: Int, frames: Int, samplesPerPixel: Int
        var bitsAllocated: Int, bitsStored: Int, highBit: Int, isSigned: Bool, isPlanar: Bool
        var photometric: String
    }

    /// `headersOnly` stops before the pixel data: a series scan reads only what it sorts by.
    init(path: String, headersOnly: Bool, maxFileBytes: Int) throws(DICOMError) {
        self.path = path
        // GDCM reads the whole file into memory: refuse an absurd one before it does.
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard (attributes[.type] as? FileAttributeType) != .typeDirectory else {
                throw DICOMError.unreadable(path: path, reason: "it is a folder")
            }
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch let error as DICOMError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        guard size <= maxFileBytes else { throw .tooLarge(path: path, bytes: "\(size) (file)", limit: maxFileBytes) }
        var message = [CChar](repeating: 0, count: 512)
        var out: OpaquePointer? = nil
        let status = graft_gdcm_open(path, headersOnly ? 1 : 0, &out, &message, message.count)
        guard status == GRAFT_GDCM_OK, let out else {
            throw Self.error(status, path: path, message: Self.text(message))
        }
        handle = out
    }

    deinit { graft_gdcm_close(handle) }

    /// The element's value as text (multi-valued elements joined by backslashes), nil when absent.
    func string(_ tag: DICOMTag) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        var length = graft_gdcm_string(handle, tag.group, tag.element, &buffer, buffer.count)
        if length < 0 { return nil }
        if length >= Int64(buffer.count) {
            // Long values (a long list of window centres) are fetched again with room for all of it.
            guard length < 1 << 20 else { return nil }
            buffer = [CChar](repeating: 0, count: Int(length) + 1)
            length = graft_gdcm_string(handle, tag.group, tag.element, &buffer, buffer.count)
            if length < 0 { return nil }
        }
        return Self.text(buffer).trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\0")))
    }

    /// The data set's transfer syntax UID.
    var transferSyntax: String {
        var buffer = [CChar](repeating: 0, count: 128)
        graft_gdcm_transfer_syntax(handle, &buffer, buffer.count)
        return Self.text(buffer)
    }

    /// The Pixel Data element as parsed, if any.
    struct PixelData {
        var encapsulated: Bool, truncated: Bool, length: UInt64, vr: String
    }

    var pixelData: PixelData? {
        var info = graft_gdcm_pixel_data_info()
        guard graft_gdcm_pixel_data(handle, &info) == 1 else { return nil }
        let vr = withUnsafeBytes(of: &info.vr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return PixelData(encapsulated: info.encapsulated != 0, truncated: info.truncated != 0, length: info.length, vr: vr)
    }

    /// Native pixel data as stored, into `buffer`; the number of bytes copied.
    func copyNativePixels(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        Int(graft_gdcm_copy_native_pixels(handle, buffer.baseAddress, UInt64(buffer.count)))
    }

    /// Decodes every compressed frame into `buffer` (exactly the layout's size); returns the
    /// photometric interpretation and planarity after decoding (a JPEG decoder may change both).
    func decode(_ layout: PixelLayout, into buffer: UnsafeMutableRawBufferPointer) throws(DICOMError) -> (photometric: String, isPlanar: Bool) {
        var decoded = graft_gdcm_decoded()
        var message = [CChar](repeating: 0, count: 512)
        let status = layout.photometric.withCString { photometric in
            var raw = graft_gdcm_pixel_layout(
                columns: UInt32(layout.columns), rows: UInt32(layout.rows), frames: UInt32(layout.frames),
                samples_per_pixel: UInt32(layout.samplesPerPixel), bits_allocated: UInt32(layout.bitsAllocated),
                bits_stored: UInt32(layout.bitsStored), high_bit: UInt32(layout.highBit),
                pixel_representation: layout.isSigned ? 1 : 0, planar_configuration: layout.isPlanar ? 1 : 0,
                photometric: photometric)
            return graft_gdcm_decode(handle, &raw, buffer.baseAddress, UInt64(buffer.count), &decoded, &message, message.count)
        }
        guard status == GRAFT_GDCM_OK else { throw Self.error(status, path: path, message: Self.text(message)) }
        let photometric = withUnsafeBytes(of: &decoded.photometric) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return (photometric.trimmingCharacters(in: .whitespaces), decoded.planar_configuration == 1)
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func error(_ status: graft_gdcm_status, path: String, message: String) -> DICOMError {
        switch status {
        case GRAFT_GDCM_UNREADABLE: .unreadable(path: path, reason: message)
        case GRAFT_GDCM_NO_IMAGE: .noImage(path: path, reason: message)
        case GRAFT_GDCM_DECODE_FAILED, GRAFT_GDCM_BUFFER_SIZE: .decodeFailed(path: path, reason: message)
        default: .unreadable(path: path, reason: message.isEmpty ? "GDCM failed (status \(status.rawValue))" : message)
        }
    }
}
