import Foundation
import GraftCore

/// Random geometric augmentation, as in the paper (rotation, flips, scaling) plus random crops:
/// one affine map per sample, sampled bilinearly with edge replication.
public struct Augmentation: Codable, Equatable, Sendable {
    /// Mirror left-right, with probability 1/2.
    public var horizontalFlip: Bool
    /// Mirror top-bottom, with probability 1/2.
    public var verticalFlip: Bool
    /// Random multiples of 90 degrees.
    public var rotate90: Bool
    /// Uniform small-angle rotation in ±degrees.
    public var maxRotationDegrees: Double
    /// Zoom factor range (1 = none); >1 zooms in (a random crop of 1/scale of the image).
    public var scaleRange: ClosedRange<Double>
    /// Random shift of the crop centre, as a fraction of the image size.
    public var maxTranslation: Double

    /// An augmentation of these kinds; each default leaves the image unchanged.
    public init(horizontalFlip: Bool = false, verticalFlip: Bool = false, rotate90: Bool = false,
                maxRotationDegrees: Double = 0, scaleRange: ClosedRange<Double> = 1...1, maxTranslation: Double = 0) {
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.rotate90 = rotate90
        self.maxRotationDegrees = maxRotationDegrees
        self.scaleRange = scaleRange
        self.maxTranslation = maxTranslation
    }

    /// No augmentation: every image maps to itself.
    public static let none = Augmentation()

    /// The paper's style for medical patches: flips, 90-degree and small rotations, mild zoom and shift.
    public static let standard = Augmentation(horizontalFlip: true, verticalFlip: true, rotate90: true,
                                               maxRotationDegrees: 15, scaleRange: 1...1.2, maxTranslation: 0.05)

    /// True when nothing is enabled: ``sample(using:)`` returns the identity without drawing.
    public var isIdentity: Bool { self == .none }

    /// Draws one random transform.
    public func sample(using rng: inout SeededGenerator) -> WarpTransform {
        var t = WarpTransform.identity
        guard !isIdentity else { return t }
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + Double(rng.nextUnitFloat()) * (range.upperBound - range.lowerBound)
        }
        var angle = maxRotationDegrees > 0 ? uniform(-maxRotationDegrees...maxRotationDegrees) * .pi / 180 : 0
        if rotate90 { angle += Double(rng.next() % 4) * .pi / 2 }
        let scale = uniform(scaleRange)
        let flipX: Double = horizontalFlip && rng.next() % 2 == 1 ? -1 : 1
        let flipY: Double = verticalFlip && rng.next() % 2 == 1 ? -1 : 1
        let shift = maxTranslation > 0 ? (uniform(-maxTranslation...maxTranslation), uniform(-maxTranslation...maxTranslation)) : (0, 0)
        // Output normalised coordinates -> source normalised coordinates.
        let (c, s) = (cos(angle), sin(angle))
        t.a = c * flipX / scale
        t.b = -s * flipY / scale
        t.c = s * flipX / scale
        t.d = c * flipY / scale
        t.tx = shift.0
        t.ty = shift.1
        return t
    }
}

/// Maps output coordinates (normalised to [-0.5, 0.5], centre 0) to source coordinates:
/// `x' = a*x + b*y + tx`, `y' = c*x + d*y + ty`.
public struct WarpTransform: Equatable, Sendable {
    /// The coefficients of the map above; the defaults give the identity.
    public var a = 1.0, b = 0.0, c = 0.0, d = 1.0, tx = 0.0, ty = 0.0
    /// Every output point samples the same point of the source.
    public static let identity = WarpTransform()
}
