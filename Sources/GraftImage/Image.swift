/// An 8-bit image, rows top to bottom, channels interleaved (HWC): 1 channel (grey) or 3 (RGB).
public struct Image: Equatable, Sendable {
    /// Pixels per row.
    public var width: Int
    /// Rows.
    public var height: Int
    /// 1 (grey) or 3 (RGB).
    public var channels: Int
    /// `width * height * channels` bytes, rows top to bottom, channels interleaved.
    public var pixels: [UInt8]

    /// An image of these pixels; traps unless there are 1 or 3 channels and exactly
    /// `width * height * channels` bytes.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "Image: 1 or 3 channels, got \(channels)")
        precondition(pixels.count == width * height * channels, "Image: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The pixel value at (x, y) in channel c.
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        pixels[(y * width + x) * channels + c]
    }
}

/// An image that cannot be read or written; every case names the file.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// The file is larger than the size limit (``ImageCodec/maxFileBytes``).
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// Neither PNG nor JPEG.
    case unsupportedFormat(path: String)
    /// libpng or libjpeg-turbo refused the data.
    case decodeFailed(path: String, reason: String)
    /// The decoded image would exceed ``ImageCodec/maxPixels``.
    case dimensionsTooLarge(path: String, width: Int, height: Int)

    public var description: String {
        switch self {
        case .io(let p, let r): "\(p): \(r)"
        case .tooLarge(let p, let b, let l): "\(p): \(b) bytes exceeds the image size limit of \(l)"
        case .unsupportedFormat(let p): "\(p): not a PNG or JPEG image"
        case .decodeFailed(let p, let r): "\(p): cannot decode image: \(r)"
        case .dimensionsTooLarge(let p, let w, let h): "\(p): image of \(w)x\(h) pixels exceeds the limit"
        }
    }
}
