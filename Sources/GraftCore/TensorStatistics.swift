/// Summary statistics of a tensor's values, for spotting dead, exploding or corrupt weights.
/// NaN and infinite values are counted and left out of the other figures.
public struct TensorStatistics: Codable, Equatable, Sendable {
    /// Elements, non-finite ones included.
    public var count: Int
    /// The smallest finite value (NaN when there is none).
    public var min: Float
    /// The largest finite value (NaN when there is none).
    public var max: Float
    /// Mean of the finite values.
    public var mean: Double
    /// Population standard deviation of the finite values.
    public var std: Double
    /// Elements equal to zero.
    public var zeros: Int
    /// NaN and infinite elements.
    public var nonFinite: Int

    /// The statistics of `values`.
    public init(_ values: [Float]) {
        var lo = Float.infinity, hi = -Float.infinity
        var sum = 0.0, sumSquares = 0.0
        var zeros = 0, nonFinite = 0
        for v in values {
            guard v.isFinite else { nonFinite += 1; continue }
            if v == 0 { zeros += 1 }
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            let d = Double(v)
            sum += d
            sumSquares += d * d
        }
        let finite = values.count - nonFinite
        count = values.count
        min = finite > 0 ? lo : .nan
        max = finite > 0 ? hi : .nan
        mean = finite > 0 ? sum / Double(finite) : .nan
        let variance = finite > 0 ? Swift.max(0, sumSquares / Double(finite) - mean * mean) : .nan
        std = variance.squareRoot()
        self.zeros = zeros
        self.nonFinite = nonFinite
    }
}
