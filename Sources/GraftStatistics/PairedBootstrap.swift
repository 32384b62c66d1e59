import GraftCore

/// The paired bootstrap of an AUC difference: the test set's groups (patients, sequences) are
/// drawn with replacement, every arm scored on the same draw, so the interval carries the test
/// set's sampling and the correlation between arms. Groups are drawn within strata (groups with
/// and without positive cases) so every draw has both classes. A check on DeLong's normal
/// approximation, and the method when cases are clustered in groups.
public struct PairedBootstrap: Sendable {
    /// Number of bootstrap draws.
    public var resamples: Int
    /// The interval's confidence level, e.g. 0.95.
    public var confidence: Double
    /// Seeds the draws, so the same inputs give the same result.
    public var seed: UInt64

    /// A bootstrap of `resamples` draws seeded with `seed`, for a `confidence` interval.
    public init(resamples: Int = 2000, confidence: Double = 0.95, seed: UInt64 = 1) {
        self.resamples = resamples
        self.confidence = confidence
        self.seed = seed
    }

    /// The observed AUC difference (A - B) with its bootstrap interval and p-value.
    public struct Result: Equatable, Sendable {
        /// AUC of A minus AUC of B on the full test set.
        public var difference: Double
        /// Lower percentile of the bootstrap differences.
        public var low: Double
        /// Upper percentile of the bootstrap differences.
        public var high: Double
        /// Two-sided: twice the smaller tail of the bootstrap differences beyond 0, (k + 1)/(B + 1).
        public var pValue: Double
        /// Standard deviation of the bootstrap differences.
        public var standardError: Double
    }

    /// Compares arm A with arm B (each a list of scorings of the same cases, averaged per draw).
    /// `groups` clusters cases (nil: every case its own group); with groups, p is never below
    /// ``groupPValueFloor(groups:)``.
    public func compare(_ a: [[Double]], _ b: [[Double]], labels: [Bool], groups: [String]? = nil) throws(DeLong.Failure) -> Result {
        guard !a.isEmpty, !b.isEmpty else { throw .noScorings }
        for s in a + b where s.count != labels.count { throw .lengthMismatch(scores: s.count, labels: labels.count) }
        let positives = labels.filter { $0 }.count
        guard positives > 0, positives < labels.count else { throw .oneClass(positives: positives, negatives: labels.count - positives) }
        let keys = groups ?? labels.indices.map(String.init)
        var members: [String: [Int]] = [:]
        var order: [String] = []
        for (i, k) in keys.enumerated() {
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(i)
        }
        let clusters = order.map { members[$0]! }
        let withPositive = clusters.filter { $0.contains { labels[$0] } }
        let withoutPositive = clusters.filter { !$0.contains { labels[$0] } }
        func meanAUC(_ arm: [[Double]], _ cases: [Int]) -> Double {
            arm.reduce(0) { $0 + Self.auc($1, labels, cases) } / Double(arm.count)
        }
        let all = Array(labels.indices)
        let observed = meanAUC(a, all) - meanAUC(b, all)
        var generator = SeededGenerator(seed: seed)
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        while differences.count < resamples {
            var cases: [Int] = []
            for stratum in [withPositive, withoutPositive] where !stratum.isEmpty {
                for _ in stratum.indices { cases += stratum[Int(generator.next() % UInt64(stratum.count))] }
            }
            let p = cases.filter { labels[$0] }.count
            guard p > 0, p < cases.count else { continue }  // a draw without negatives (all groups mixed)
            differences.append(meanAUC(a, cases) - meanAUC(b, cases))
        }
        differences.sort()
        let alpha = (1 - confidence) / 2
        func quantile(_ q: Double) -> Double {
            let position = q * Double(differences.count - 1)
            let i = Int(position), f = position - Double(i)
            return i + 1 < differences.count ? differences[i] * (1 - f) + differences[i + 1] * f : differences[i]
        }
        let below = differences.filter { $0 <= 0 }.count, above = differences.filter { $0 >= 0 }.count
        // With few groups every resample can fall on one side and p would go to 1/resamples; no
        // test over G groups can be surer than a sign-flip test, whose smallest two-sided p is 2^(1-G).
        let floor = groups == nil ? 0 : Self.groupPValueFloor(groups: clusters.count)
        let p = max(floor, min(1, 2 * Double(min(below, above) + 1) / Double(differences.count + 1)))
        let mean = differences.reduce(0, +) / Double(differences.count)
        let se = (differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(differences.count - 1)).squareRoot()
        return Result(difference: observed, low: quantile(alpha), high: quantile(1 - alpha), pValue: p, standardError: se)
    }

    /// The smallest p a comparison over `groups` independent groups can claim: 2^(1-G) (0.125 for 4).
    public static func groupPValueFloor(groups: Int) -> Double { groups >= 60 ? 0 : 1 / Double(UInt64(1) << UInt64(max(groups, 1) - 1)) }

    /// The Mann-Whitney area of `scores` over the (possibly repeated) cases, from midranks.
    static func auc(_ scores: [Double], _ labels: [Bool], _ cases: [Int]) -> Double {
        let ranks = DeLong.midranks(cases.map { scores[$0] })
        var positivesRankSum = 0.0, positives = 0.0
        for (k, c) in cases.enumerated() where labels[c] { positivesRankSum += ranks[k]; positives += 1 }
        let negatives = Double(cases.count) - positives
        return (positivesRankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
