/// Holm's step-down correction (Scand. J. Statist. 1979) for a family of tests: the i-th smallest
/// of m p-values is multiplied by m - i + 1, and adjusted values are made non-decreasing in that
/// order and capped at 1. Controls the family-wise error rate without Bonferroni's loss of power.
public enum HolmCorrection {
    /// Adjusted p-values in the input's order.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            let value = min(1, pValues[index] * Double(m - rank))
            running = max(running, value.isNaN ? 1 : value)
            adjusted[index] = running
        }
        return adjusted
    }
}
