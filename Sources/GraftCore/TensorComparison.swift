import Foundation

/// How closely an output agrees with a reference computed by another implementation: the rule
/// behind `graft verify` and every cross-check in Graft's tests.
///
/// An element passes when `|actual - expected| <= atol + rtol·|expected|` (a NaN on either side
/// always fails). fp32 rounding error scales with the magnitude of the terms summed, not with the
/// element itself: a logit near zero that is a sum of terms of size 1 carries an error of order
/// 1e-7·(terms), whatever its own size, and a different summation order (AVX-512 vs AVX2 kernels,
/// OpenBLAS's per-CPU kernels) moves it. So unless the caller sets `atol`, the absolute part is
/// scaled to the reference's magnitude (its root mean square), with a floor of 1e-5: portable
/// across instruction sets and BLAS kernels, yet still 1e-4 relative for every element of typical
/// size.
public struct TensorComparison: CustomStringConvertible, Sendable {
    /// The reference's name (e.g. the key of its array in a reference `.npz`).
    public var name: String
    /// The graph value compared with the reference, when it differs from ``name``.
    public var value: String?
    /// The compared shape, or "actual vs expected" when the shapes differ.
    public var shape: String
    /// Elements compared.
    public private(set) var count = 0
    /// The largest `|actual - expected|` (infinity when an element is NaN).
    public private(set) var maxAbsolute: Float = 0
    /// The largest `|actual - expected| / max(|expected|, atol, 1e-6)`.
    public private(set) var maxRelative: Float = 0
    /// Cosine similarity of the two outputs as vectors.
    public private(set) var cosine: Double = 0
    /// Rows (first-dimension items) whose argmax agrees, out of ``top1Total``.
    public private(set) var top1Agreements = 0
    /// Rows compared for argmax agreement.
    public private(set) var top1Total = 0
    /// Elements outside the tolerance.
    public private(set) var failing = 0
    /// The relative part of the tolerance.
    public let rtol: Float
    /// The absolute part of the tolerance (given, or scaled to the reference).
    public let atol: Float

    /// The default relative tolerance: about fp32's accuracy after a deep network.
    public static let defaultRelative: Float = 1e-4
    /// The absolute part as a fraction of `rtol · rms(expected)`.
    public static let magnitudeFraction: Float = 1
    /// The smallest scaled absolute part.
    public static let absoluteFloor: Float = 1e-5

    /// Compares two flat outputs of the same length (different lengths fail every element).
    /// - Parameters:
    ///   - actual: The output under test.
    ///   - expected: The reference output.
    ///   - rtol: The relative part of the tolerance.
    ///   - atol: The absolute part; nil scales it to the reference: `max(1e-5, rtol · rms(expected))`.
    ///   - rows: How many rows (batch items) the values hold, for the top-1 agreement.
    ///   - name: The reference's name, for reports.
    ///   - shape: The shape to report (default: the element count).
    public init(_ actual: [Float], _ expected: [Float], rtol: Float = TensorComparison.defaultRelative, atol: Float? = nil,
                rows: Int = 1, name: String = "", shape: String? = nil) {
        self.name = name
        self.shape = shape ?? "\(expected.count)"
        self.rtol = rtol
        self.atol = atol ?? Self.scaledAbsolute(expected, rtol: rtol)
        guard actual.count == expected.count else {
            self.shape = shape ?? "\(actual.count) vs \(expected.count)"
            (count, maxAbsolute, maxRelative, failing) = (expected.count, .infinity, .infinity, max(expected.count, 1))
            return
        }
        count = actual.count
        let relativeFloor = max(self.atol, 1e-6), atol = self.atol
        var dot = 0.0, normA = 0.0, normE = 0.0
        var maxAbsolute: Float = 0, maxRelative: Float = 0, failing = 0
        // Buffer pointers and concrete Float operations: the cross-checks compare every blob of
        // deep networks in debug builds, where a `zip` over arrays costs tens of times more.
        actual.withUnsafeBufferPointer { actual in
            expected.withUnsafeBufferPointer { expected in
                for i in 0..<actual.count {
                    let a = actual[i], e = expected[i]
                    let d = (a - e).magnitude, size = e.magnitude
                    if d.isNaN {
                        maxAbsolute = .infinity
                        maxRelative = .infinity
                    } else {
                        if d > maxAbsolute { maxAbsolute = d }
                        let relative = d / (size > relativeFloor ? size : relativeFloor)
                        if relative > maxRelative { maxRelative = relative }
                    }
                    if !(d <= atol + rtol * size) { failing += 1 }
                    let ad = Double(a), ed = Double(e)
                    dot += ad * ed
                    normA += ad * ad
                    normE += ed * ed
                }
            }
        }
        (self.maxAbsolute, self.maxRelative, self.failing) = (maxAbsolute, maxRelative, failing)
        cosine = normA > 0 && normE > 0 ? dot / (normA.squareRoot() * normE.squareRoot()) : (normA == normE ? 1 : 0)
        let rows = max(rows, 1)
        if count > 0, count % rows == 0 {
            let length = count / rows
            top1Total = rows
            for r in 0..<rows where Self.argmax(actual, r * length, length) == Self.argmax(expected, r * length, length) {
                top1Agreements += 1
            }
        }
    }

    /// Compares two tensors; differing shapes fail every element. The first dimension is the rows
    /// of the top-1 agreement.
    /// - Parameters:
    ///   - name: The reference's name, for reports.
    ///   - actual: The output under test.
    ///   - expected: The reference output.
    ///   - rtol: The relative part of the tolerance.
    ///   - atol: The absolute part; nil scales it to the reference.
    public init(name: String, actual: Tensor, expected: Tensor, rtol: Float = TensorComparison.defaultRelative,
                atol: Float? = nil) {
        if actual.shape == expected.shape {
            self.init(actual.scalars, expected.scalars, rtol: rtol, atol: atol,
                      rows: expected.shape.rank > 0 ? expected.shape[0] : 1, name: name, shape: expected.shape.description)
        } else {
            self.init([], expected.scalars.isEmpty ? [0] : expected.scalars, rtol: rtol, atol: atol ?? 0, name: name,
                      shape: "\(actual.shape) vs \(expected.shape)")
        }
    }

    /// `max(1e-5, rtol · rms(expected))`, NaNs and infinities ignored.
    public static func scaledAbsolute(_ expected: [Float], rtol: Float) -> Float {
        var sum: Double = 0
        var n = 0
        expected.withUnsafeBufferPointer { expected in
            for i in 0..<expected.count where expected[i].isFinite {
                let e = Double(expected[i])
                sum += e * e
                n += 1
            }
        }
        let rms = n == 0 ? 0 : Float((sum / Double(n)).squareRoot())
        return max(absoluteFloor, magnitudeFraction * rtol * rms)
    }

    private static func argmax(_ values: [Float], _ start: Int, _ length: Int) -> Int {
        values.withUnsafeBufferPointer { values in
            var best = start
            for i in start..<(start + length) where values[i] > values[best] { best = i }
            return best - start
        }
    }

    /// Every element within tolerance, and there was something to compare.
    public var passed: Bool { failing == 0 && count > 0 }

    public var description: String {
        func g(_ x: Float) -> String { x.isFinite ? String(format: "%.3g", Double(x)) : "\(x)" }
        return "max abs \(g(maxAbsolute)), max rel \(g(maxRelative)) over \(count) values"
            + (failing > 0 ? ", \(failing) outside \(g(atol)) + \(g(rtol))·|ref|" : "")
    }
}

extension TensorComparison: Encodable {
    private enum CodingKeys: String, CodingKey {
        case name, value, shape, maxAbsoluteError, maxRelativeError, cosine, top1Agreements, top1Total,
             failingElements, passed, rtol, atol
    }

    /// The keys `graft verify --json` prints.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encode(shape, forKey: .shape)
        try c.encode(maxAbsolute, forKey: .maxAbsoluteError)
        try c.encode(maxRelative, forKey: .maxRelativeError)
        try c.encode(cosine, forKey: .cosine)
        try c.encode(top1Agreements, forKey: .top1Agreements)
        try c.encode(top1Total, forKey: .top1Total)
        try c.encode(failing, forKey: .failingElements)
        try c.encode(passed, forKey: .passed)
        try c.encode(rtol, forKey: .rtol)
        try c.encode(atol, forKey: .atol)
    }
}
