/// An 8-bit image, rows top to bottom, channels interleaved (HWC): 1 channel (grey) or 3 (RGB).
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

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
    case io(path: String, reason: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case unsupportedFormat(path: String)
    case decodeFailed(path: String, reason: String)
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
