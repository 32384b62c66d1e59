import Foundation

/// Element-wise agreement of an output with a reference computed by another implementation.
///
/// An element passes when `|actual - expected| <= atol + rtol·|expected|`. fp32 rounding error
/// scales with the magnitude of the terms summed, not with the element itself: a logit near zero
/// that is a sum of terms of size 1 carries an error of order 1e-7·(terms), whatever its own size,
/// and a different summation order (AVX-512 vs AVX2 kernels, OpenBLAS's per-CPU kernels) moves it.
/// So the absolute part is scaled to the output's magnitude (its root mean square), with a floor
/// of 1e-5 for outputs of small magnitude computed from larger activations (RetinaFace's box
/// offsets moved by 3.6e-6 under OpenBLAS's Haswell kernels), unless a test sets it: portable
/// across instruction sets and BLAS kernels, yet still 1e-4 relative for every element of typical
/// size.
public struct Agreement: CustomStringConvertible, Sendable {
    public private(set) var count = 0
    public private(set) var maxAbsolute: Float = 0
    public private(set) var maxRelative: Float = 0
    /// Elements outside the tolerance (a NaN on either side always fails).
    public private(set) var failing = 0
    public let rtol: Float
    public let atol: Float

    /// The default relative tolerance: about fp32's accuracy after a deep network.
    public static let defaultRelative: Float = 1e-4
    /// The absolute part as a fraction of `rtol · rms(expected)`.
    public static let magnitudeFraction: Float = 1
    /// The smallest absolute part.
    public static let absoluteFloor: Float = 1e-5

    /// - Parameters:
    ///   - atol: The absolute part; nil scales it to the reference's magnitude:
    ///     `max(1e-5, rtol · rms(expected))`.
    public init(_ actual: [Float], _ expected: [Float], rtol: Float = Agreement.defaultRelative, atol: Float? = nil) {
        precondition(actual.count == expected.count, "agreement of \(actual.count) and \(expected.count) values")
        self.rtol = rtol
        self.atol = atol ?? Self.scaledAbsolute(expected, rtol: rtol)
        count = actual.count
        for (a, e) in zip(actual, expected) {
            let d = abs(a - e)
            maxAbsolute = max(maxAbsolute, d.isNaN ? .infinity : d)
            maxRelative = max(maxRelative, d.isNaN ? .infinity : d / max(abs(e), 1e-6))
            if !(d <= self.atol + rtol * abs(e)) { failing += 1 }
        }
    }

    /// `max(1e-5, rtol · rms(expected))`, NaNs and infinities ignored.
    public static func scaledAbsolute(_ expected: [Float], rtol: Float) -> Float {
        var sum: Double = 0
        var n = 0
        for e in expected where e.isFinite {
            sum += Double(e) * Double(e)
            n += 1
        }
        let rms = n == 0 ? 0 : Float((sum / Double(n)).squareRoot())
        return max(absoluteFloor, magnitudeFraction * rtol * rms)
    }

    /// Every element within tolerance, and there was something to compare.
    public var passed: Bool { failing == 0 && count > 0 }

    public var description: String {
        func g(_ x: Float) -> String {
            x.isFinite ? String(format: "%.3g", Double(x)) : "\(x)"
        }
        return "max abs \(g(maxAbsolute)), max rel \(g(maxRelative)) over \(count) values"
            + (failing > 0 ? ", \(failing) outside \(g(atol)) + \(g(rtol))·|ref|" : "")
    }
}
