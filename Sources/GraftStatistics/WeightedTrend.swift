/// A straight line through estimates with known standard errors, fitted by inverse-variance
/// weighted least squares: the study's "does the advantage grow as data shrinks" is the slope
/// of the paired AUC difference against log(training fraction). Needs three points at least:
/// through two points a line always fits and says nothing about a trend.
public enum WeightedTrend {
    /// The fitted line and the slope's confidence interval and test.
    public struct Fit: Equatable, Sendable {
        /// Change of y per unit of x.
        public var slope: Double
        /// y at x = 0.
        public var intercept: Double
        /// The slope's standard error (inflated by the residual dispersion when above 1).
        public var standardError: Double
        /// Lower end of the slope's normal confidence interval.
        public var low: Double
        /// Upper end of the slope's interval.
        public var high: Double
        /// Two-sided p-value of a zero slope.
        public var pValue: Double
        /// Number of points fitted.
        public var points: Int
    }

    /// Why no line can be fitted.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// Fewer than three points (or x, y and errors of different lengths; the shortest count).
        case tooFewPoints(Int)
        /// The points admit no slope (e.g. all x equal); says why.
        case degenerate(String)
        public var description: String {
            switch self {
            case .tooFewPoints(let n): "a trend needs at least 3 points, got \(n)"
            case .degenerate(let why): "no trend can be fitted: \(why)"
            }
        }
    }

    /// Fits y = intercept + slope * x with weights 1/se². The slope's standard error is the
    /// model-based one, inflated by the residual dispersion when the points scatter more than
    /// their errors say (so extra between-fraction variation widens the interval, never narrows it).
    public static func fit(x: [Double], y: [Double], standardErrors: [Double], confidence: Double = 0.95) throws(Failure) -> Fit {
        let n = x.count
        guard n >= 3, y.count == n, standardErrors.count == n else { throw .tooFewPoints(min(n, y.count, standardErrors.count)) }
        let floor = 1e-12
        let w = standardErrors.map { 1 / max($0 * $0, floor) }
        let sw = w.reduce(0, +)
        let mx = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } / sw
        let my = zip(w, y).reduce(0) { $0 + $1.0 * $1.1 } / sw
        var sxx = 0.0, sxy = 0.0
        for i in 0..<n { sxx += w[i] * (x[i] - mx) * (x[i] - mx); sxy += w[i] * (x[i] - mx) * (y[i] - my) }
        guard sxx > 0 else { throw .degenerate("all x values are equal") }
        let slope = sxy / sxx, intercept = my - slope * mx
        var chi2 = 0.0
        for i in 0..<n { let r = y[i] - intercept - slope * x[i]; chi2 += w[i] * r * r }
        let dispersion = max(1, chi2 / Double(n - 2))
        let se = (dispersion / sxx).squareRoot()
        let z = NormalDistribution.critical(confidence: confidence)
        return Fit(slope: slope, intercept: intercept, standardError: se, low: slope - z * se, high: slope + z * se,
                   pValue: NormalDistribution.twoSidedP(slope / se), points: n)
    }
}
