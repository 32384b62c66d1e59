/// A receiver operating characteristic curve for scores of the positive class.
public struct ROCCurve: Codable, Equatable, Sendable {
    /// One point per distinct threshold, from (0, 0) to (1, 1).
    public struct Point: Codable, Equatable, Sendable {
        /// Fraction of negatives scored at or above the threshold.
        public var falsePositiveRate: Double
        /// Fraction of positives scored at or above the threshold.
        public var truePositiveRate: Double
        /// Scores at or above this count as positive (+inf for the first point).
        public var threshold: Double
    }

    /// The curve, the threshold falling.
    public var points: [Point]
    /// Area under the curve (trapezoids; equals the Mann–Whitney U statistic with ties as 1/2).
    /// NaN when the labels hold only one class.
    public var auc: Double

    /// - Parameters:
    ///   - scores: higher means more likely positive.
    ///   - positives: true for positive samples.
    public init(scores: [Float], positives: [Bool]) {
        precondition(scores.count == positives.count, "ROCCurve: \(scores.count) scores for \(positives.count) labels")
        let p = positives.filter { $0 }.count, n = positives.count - p
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [Point(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity)]
        var tp = 0, fp = 0, area = 0.0
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            let (tp0, fp0) = (tp, fp)
            while i < order.count, scores[order[i]] == threshold {
                if positives[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            area += Double(fp - fp0) * Double(tp + tp0) / 2
            points.append(Point(falsePositiveRate: n > 0 ? Double(fp) / Double(n) : 0,
                                truePositiveRate: p > 0 ? Double(tp) / Double(p) : 0, threshold: Double(threshold)))
        }
        self.points = points
        auc = p > 0 && n > 0 ? area / Double(p * n) : .nan
    }
}
