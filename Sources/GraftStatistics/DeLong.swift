/// DeLong, DeLong and Clarke-Pearson's test for two correlated ROC curves (Biometrics 1988):
/// two scorings of the same test cases compared by the difference of their areas, its variance
/// estimated from the structural components (placement values) of each case. Computed with
/// midranks in O(n log n) (Sun and Xu, IEEE SPL 2014).
///
/// Several scorings per arm (seeds of a study evaluated on the same test set) are averaged case
/// by case in their structural components: the area of the seed-averaged arm is the mean of the
/// seeds' areas and its variance the one the test set's sampling gives, seeds held fixed.
public enum DeLong {
    /// The placement values of one scoring: for each positive the fraction of negatives it
    /// outscores (ties count half), and for each negative the fraction of positives that outscore it.
    public struct Components: Equatable, Sendable {
        /// Per positive case: the fraction of negatives it outscores.
        public var positives: [Double]
        /// Per negative case: the fraction of positives that outscore it.
        public var negatives: [Double]
        /// The area under the ROC curve: the mean of either list.
        public var auc: Double { positives.reduce(0, +) / Double(positives.count) }
    }

    /// Why a comparison cannot be made.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The test set lacks one of the classes.
        case oneClass(positives: Int, negatives: Int)
        /// The scores and the labels differ in number.
        case lengthMismatch(scores: Int, labels: Int)
        /// An arm without a single scoring.
        case noScorings
        /// A score is NaN or infinite.
        case nonFinite

        public var description: String {
            switch self {
            case .oneClass(let p, let n): "an ROC comparison needs both classes; the test set has \(p) positive and \(n) negative cases"
            case .lengthMismatch(let s, let l): "\(s) scores for \(l) labels"
            case .noScorings: "no scorings to compare"
            case .nonFinite: "a score is NaN or infinite"
            }
        }
    }

    /// The placement values of `scores` (higher means positive) for `labels`.
    public static func components(scores: [Double], labels: [Bool]) throws(Failure) -> Components {
        guard scores.count == labels.count else { throw .lengthMismatch(scores: scores.count, labels: labels.count) }
        guard scores.allSatisfy(\.isFinite) else { throw .nonFinite }
        let positives = scores.indices.filter { labels[$0] }.map { scores[$0] }
        let negatives = scores.indices.filter { !labels[$0] }.map { scores[$0] }
        guard !positives.isEmpty, !negatives.isEmpty else { throw .oneClass(positives: positives.count, negatives: negatives.count) }
        let m = Double(positives.count), n = Double(negatives.count)
        let all = midranks(positives + negatives)
        let withinPositives = midranks(positives), withinNegatives = midranks(negatives)
        // Rank of a positive among all minus its rank among positives = negatives below it (ties half).
        let v10 = positives.indices.map { (all[$0] - withinPositives[$0]) / n }
        // Positives above a negative = m - (its rank among all - its rank among negatives).
        let v01 = negatives.indices.map { 1 - (all[positives.count + $0] - withinNegatives[$0]) / m }
        return Components(positives: v10, negatives: v01)
    }

    /// 1-based ranks with ties given the mean of the ranks they span.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }

    /// The case-by-case mean of several scorings' components (seeds of one arm).
    public static func average(_ scorings: [Components]) throws(Failure) -> Components {
        guard let first = scorings.first else { throw .noScorings }
        let k = Double(scorings.count)
        var result = first
        for s in scorings.dropFirst() {
            for i in result.positives.indices { result.positives[i] += s.positives[i] }
            for j in result.negatives.indices { result.negatives[j] += s.negatives[j] }
        }
        result.positives = result.positives.map { $0 / k }
        result.negatives = result.negatives.map { $0 / k }
        return result
    }

    /// Two arms compared on one test set.
    public struct Comparison: Equatable, Sendable {
        /// Arm A's area under the ROC curve.
        public var aucA: Double
        /// Arm B's area under the ROC curve.
        public var aucB: Double
        /// aucA - aucB.
        public var difference: Double
        /// DeLong's standard error of the difference.
        public var standardError: Double
        /// The difference over its standard error.
        public var z: Double
        /// Two-sided p-value of `z` under the normal distribution.
        public var pValue: Double
        /// Lower end of the normal confidence interval of the difference.
        public var low: Double
        /// Upper end of the interval.
        public var high: Double
        /// The interval's confidence level, e.g. 0.95.
        public var confidence: Double
    }

    /// Compares arm A with arm B: each a list of scorings (seeds) of the same cases in the same
    /// order, averaged as described above.
    public static func compare(_ a: [[Double]], _ b: [[Double]], labels: [Bool], confidence: Double = 0.95) throws(Failure) -> Comparison {
        var ca: [Components] = [], cb: [Components] = []
        for s in a { ca.append(try components(scores: s, labels: labels)) }
        for s in b { cb.append(try components(scores: s, labels: labels)) }
        return compare(try average(ca), try average(cb), confidence: confidence)
    }

    /// DeLong's comparison of two sets of components of the same cases.
    public static func compare(_ a: Components, _ b: Components, confidence: Double = 0.95) -> Comparison {
        let m = Double(a.positives.count), n = Double(a.negatives.count)
        let s10 = covariance(a.positives, b.positives), s01 = covariance(a.negatives, b.negatives)
        let varA = variance(a.positives) / m + variance(a.negatives) / n
        let varB = variance(b.positives) / m + variance(b.negatives) / n
        let cov = s10 / m + s01 / n
        let difference = a.auc - b.auc
        let se = max(0, varA + varB - 2 * cov).squareRoot()
        let z = se > 0 ? difference / se : (difference == 0 ? 0 : difference.sign == .minus ? -.infinity : .infinity)
        let c = NormalDistribution.critical(confidence: confidence)
        return Comparison(aucA: a.auc, aucB: b.auc, difference: difference, standardError: se, z: z,
                          pValue: NormalDistribution.twoSidedP(z), low: difference - c * se, high: difference + c * se,
                          confidence: confidence)
    }

    /// One arm's area with DeLong's variance and a normal interval clipped to [0, 1].
    public static func interval(_ c: Components, confidence: Double = 0.95) -> (auc: Double, low: Double, high: Double, standardError: Double) {
        let se = (variance(c.positives) / Double(c.positives.count) + variance(c.negatives) / Double(c.negatives.count)).squareRoot()
        let z = NormalDistribution.critical(confidence: confidence)
        return (c.auc, max(0, c.auc - z * se), min(1, c.auc + z * se), se)
    }

    static func variance(_ x: [Double]) -> Double { covariance(x, x) }

    /// Sample covariance (n - 1 denominator, DeLong's S10 and S01); 0 for fewer than two values.
    static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sum = 0.0
        for i in x.indices { sum += (x[i] - mx) * (y[i] - my) }
        return sum / Double(x.count - 1)
    }
}
