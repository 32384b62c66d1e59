import Foundation

/// Converts SVG to PNG with `rsvg-convert` (Debian's librsvg2-bin), which `make` installs.
public enum SVGRasterizer {
    /// The PNG could not be made: no `rsvg-convert`, or it failed.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The converter's path, or nil when it is not installed.
    public static let converter: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Renders `svgPath` to `pngPath` (atomically: a temporary file renamed into place).
    public static func png(fromSVG svgPath: String, to pngPath: String) throws -> String {
        guard let converter else { throw Unavailable(description: "rsvg-convert not found; install librsvg2-bin for PNG plots") }
        let temporary = pngPath + ".tmp-\(UInt32.random(in: 0 ... .max))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: converter)
        process.arguments = ["-f", "png", "-o", temporary, svgPath]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Unavailable(description: "rsvg-convert failed on \(svgPath)")
        }
        guard rename(temporary, pngPath) == 0 else { throw Unavailable(description: "cannot rename into \(pngPath)") }
        return pngPath
    }
}
