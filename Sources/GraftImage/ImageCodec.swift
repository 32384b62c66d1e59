import Foundation
internal import CJPEG
internal import CPNG

/// Decodes PNG (libpng's simplified API) and JPEG (libjpeg-turbo's TurboJPEG API) into 8-bit
/// grey or RGB, and encodes PNG. Neither API longjmps through Swift: both report errors by return
/// value. Sizes are capped before anything is allocated.
public enum ImageCodec {
    /// Largest encoded file read, in bytes.
    public static let maxFileBytes = 256 << 20
    /// Largest decoded image read, in pixels.
    public static let maxPixels = 64 << 20

    /// The linked libpng's version, e.g. "1.6.39".
    public static var pngVersion: String { String(cString: png_get_libpng_ver(nil)) }

    /// Reads and decodes an image file; colour images come back RGB, grey ones grey (alpha is
    /// composited away by the decoders' defaults).
    public static func read(path: String) throws(ImageError) -> Image {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch { throw .io(path: path, reason: "cannot open: no such file or not readable") }
        guard size <= maxFileBytes else { throw .tooLarge(path: path, bytes: size, limit: maxFileBytes) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read") }
        return try decode(data, path: path)
    }

    /// Decodes PNG or JPEG bytes (told apart by their signatures).
    public static func decode(_ data: Data, path: String) throws(ImageError) -> Image {
        let bytes = [UInt8](data)
        if bytes.count >= 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            return try decodePNG(bytes, path: path)
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try decodeJPEG(bytes, path: path)
        }
        throw .unsupportedFormat(path: path)
    }

    private static func checkDimensions(_ width: Int, _ height: Int, path: String) throws(ImageError) {
        guard width >= 1, height >= 1, width <= 1 << 16, height <= 1 << 16, width * height <= maxPixels else {
            throw .dimensionsTooLarge(path: path, width: width, height: height)
        }
    }

    private static func decodePNG(_ bytes: [UInt8], path: String) throws(ImageError) -> Image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else { throw .decodeFailed(path: path, reason: message(of: &image)) }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        try checkDimensions(width, height, path: path)
        let color = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        image.format = color ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let channels = color ? 3 : 1
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw .decodeFailed(path: path, reason: message(of: &image)) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func decodeJPEG(_ bytes: [UInt8], path: String) throws(ImageError) -> Image {
        guard let handle = tjInitDecompress() else { throw .decodeFailed(path: path, reason: "cannot create a TurboJPEG decoder") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0 else { throw .decodeFailed(path: path, reason: String(cString: tjGetErrorStr2(handle))) }
        try checkDimensions(Int(width), Int(height), path: path)
        let grey = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = grey ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let format = grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue)
        let status = bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(bytes.count), target.baseAddress, width, 0, height, format, 0)
            }
        }
        // A warning (e.g. a truncated but displayable file) still yields pixels; only errors fail.
        if status != 0, tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
            throw .decodeFailed(path: path, reason: String(cString: tjGetErrorStr2(handle)))
        }
        return Image(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
    }

    /// Encodes an image as PNG (8-bit grey or RGB).
    public static func encodePNG(_ image: Image) throws(ImageError) -> Data {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var size = 0
        // First call sizes the output, second writes it.
        let sized = image.pixels.withUnsafeBytes { png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0 else { throw .decodeFailed(path: "<png>", reason: message(of: &png)) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { target in
            image.pixels.withUnsafeBytes { png_image_write_to_memory(&png, target.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw .decodeFailed(path: "<png>", reason: message(of: &png)) }
        return Data(out.prefix(size))
    }

    /// Encodes an image as JPEG at `quality` (1...100), 4:4:4 for colour.
    public static func encodeJPEG(_ image: Image, quality: Int = 95) throws(ImageError) -> Data {
        guard let handle = tjInitCompress() else { throw .decodeFailed(path: "<jpeg>", reason: "cannot create a TurboJPEG encoder") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let format = image.channels == 3 ? Int32(TJPF_RGB.rawValue) : Int32(TJPF_GRAY.rawValue)
        let subsampling = image.channels == 3 ? Int32(TJSAMP_444.rawValue) : Int32(TJSAMP_GRAY.rawValue)
        let status = image.pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height), format, &buffer, &size,
                        subsampling, Int32(quality), 0)
        }
        defer { if let buffer { tjFree(buffer) } }
        guard status == 0, let buffer else { throw .decodeFailed(path: "<jpeg>", reason: String(cString: tjGetErrorStr2(handle))) }
        return Data(bytes: buffer, count: Int(size))
    }
}
