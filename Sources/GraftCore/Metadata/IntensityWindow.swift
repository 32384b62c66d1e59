import Foundation

/// A display window (level and width, in the volume's units) mapping values linearly onto 0...1:
/// `level - width/2` and below to 0, `level + width/2` and above to 1. Several windows stacked
/// give the three channels a pretrained RGB network expects.
public struct IntensityWindow: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The window's centre, in the image's units (HU for CT).
    public var level: Double
    /// The range of values spread over 0...1; positive.
    public var width: Double
    /// The preset's name when the window came from one (kept so reports and model metadata say "lung").
    public var name: String?

    /// A window of `level` and `width` (finite, and the width positive: a caller bug otherwise).
    public init(level: Double, width: Double, name: String? = nil) {
        precondition(width > 0 && width.isFinite && level.isFinite, "a window needs a finite level and a positive width")
        self.level = level
        self.width = width
        self.name = name
    }

    private enum CodingKeys: String, CodingKey { case level, width, name }

    /// Decoded from a model's metadata (untrusted): a window must have a finite level and a
    /// positive, finite width.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let level = try c.decode(Double.self, forKey: .level)
        let width = try c.decode(Double.self, forKey: .width)
        guard level.isFinite, width.isFinite, width > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .width, in: c, debugDescription: "a window needs a finite level and a positive width, got \(level),\(width)")
        }
        self.init(level: level, width: width, name: try c.decodeIfPresent(String.self, forKey: .name))
    }

    /// The usual CT windows, in Hounsfield units.
    public static let presets: [IntensityWindow] = [
        IntensityWindow(level: -600, width: 1500, name: "lung"),
        IntensityWindow(level: 40, width: 400, name: "mediastinum"),
        IntensityWindow(level: 100, width: 700, name: "pe"),
        IntensityWindow(level: 400, width: 1800, name: "bone"),
        IntensityWindow(level: 40, width: 80, name: "brain"),
    ]

    /// A preset name (`lung`, `mediastinum`, `pe`, `bone`, `brain`) or `LEVEL,WIDTH`; nil when it
    /// is neither (or the width is not positive).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let preset = Self.presets.first(where: { $0.name == trimmed }) {
            self = preset
            return
        }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let level = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let width = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              level.isFinite, width.isFinite, width > 0 else { return nil }
        self.init(level: level, width: width)
    }

    /// The value mapped onto 0...1.
    @inline(__always)
    public func apply(_ value: Float) -> Float {
        let low = Float(level - width / 2)
        let scaled = (value - low) / Float(width)
        return min(max(scaled, 0), 1)
    }

    public var description: String {
        let core = "\(Self.format(level)),\(Self.format(width))"
        return name.map { "\($0) (\(core))" } ?? core
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
