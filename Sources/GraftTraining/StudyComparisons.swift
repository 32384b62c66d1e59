import Foundation
import GraftStatistics

/// The paired tests behind a study's answers: arms compared on the same test images with
/// DeLong's test (seeds averaged in the structural components), or, when test images share
/// groups, a paired bootstrap over the groups; Holm-corrected within each family of comparisons.
public struct StudyComparison: Codable, Equatable, Sendable {
    /// What a comparison shows, after Holm's correction.
    public enum Verdict: String, Codable, Sendable {
        /// Better with the corrected p below 0.05.
        case beats
        /// Worse with the corrected p below 0.05.
        case fallsBehind = "falls behind"
        /// The whole 95 % interval of the difference lies within ± the equivalence margin.
        case matches
        /// None of the above: the data do not decide.
        case notShown = "not shown"
    }

    /// How the difference was tested.
    public enum Method: Codable, Equatable, Sendable {
        /// DeLong's test: every test image an independent case.
        case deLong
        /// A paired bootstrap resampling whole groups (patients, video sequences), stratified by
        /// whether a group holds a positive: used when test images share groups, whose images
        /// are not independent cases (DeLong would understate the variance). Its p is floored at
        /// 2^(1-G) (GraftStatistics' `PairedBootstrap.groupPValueFloor(groups:)`).
        case groupBootstrap(groups: Int, resamples: Int)

        /// "DeLong's test on the same test images" / "a paired bootstrap over the 4 test groups".
        public var description: String {
            switch self {
            case .deLong: "DeLong's test on the same test images"
            case .groupBootstrap(let groups, let resamples):
                "a paired bootstrap over the \(groups) test groups (\(resamples) resamples; images of one group are not independent)"
            }
        }
    }

    /// How the difference was tested.
    public var method: Method
    /// The training-set fraction compared at.
    public var fraction: Double
    /// The first arm's label.
    public var armA: String
    /// The second arm's label.
    public var armB: String
    /// Seeds of arm A averaged.
    public var seedsA: Int
    /// Seeds of arm B averaged.
    public var seedsB: Int
    /// Arm A's seed-averaged AUC.
    public var aucA: Double
    /// Arm B's seed-averaged AUC.
    public var aucB: Double
    /// aucA - aucB, its standard error and 95 % interval.
    public var difference: Double
    /// The difference's standard error.
    public var standardError: Double
    /// Lower end of the difference's 95 % interval.
    public var low: Double
    /// Upper end of the difference's 95 % interval.
    public var high: Double
    /// The test's two-sided p-value, before correction.
    public var pValue: Double
    /// Holm-adjusted over the comparison's family.
    public var adjustedPValue: Double
    /// What the comparison shows.
    public var verdict: Verdict

    /// "+0.011 (95 % CI -0.020 to +0.042), p = 0.48 (Holm 0.96)".
    public var text: String {
        String(format: "%+.3f (95 %% CI %+.3f to %+.3f), p = %@ (Holm-adjusted %@)", difference, low, high,
               Self.p(pValue), Self.p(adjustedPValue))
    }

    static func p(_ value: Double) -> String { value < 0.001 ? "< 0.001" : String(format: "%.3f", value) }

    /// The equivalence margin for "matches" (in AUC).
    public static let margin = 0.02
    /// The significance level of the verdicts.
    public static let alpha = 0.05

    /// Compares two arms' completed cells at one fraction; nil when either has no cell with test
    /// scores or their test sets differ (then the report says why).
    static func compare(_ a: [CellResult], _ b: [CellResult], armA: String, armB: String, fraction: Double) -> StudyComparison? {
        guard let labels = a.first?.testLabels, !labels.isEmpty else { return nil }
        let sa = a.compactMap(\.testScores), sb = b.compactMap(\.testScores)
        guard sa.count == a.count, sb.count == b.count, !sb.isEmpty,
              (a + b).allSatisfy({ $0.testLabels == labels }) else { return nil }
        guard let c = try? DeLong.compare(sa, sb, labels: labels) else { return nil }
        var comparison = StudyComparison(method: .deLong, fraction: fraction, armA: armA, armB: armB, seedsA: sa.count, seedsB: sb.count,
                                         aucA: c.aucA, aucB: c.aucB, difference: c.difference, standardError: c.standardError,
                                         low: c.low, high: c.high, pValue: c.pValue, adjustedPValue: c.pValue, verdict: .notShown)
        // Test images that share groups (patches of one video, slices of one patient) are not
        // independent: the groups are resampled instead.
        if let groups = a.first?.testGroups, groups.count == labels.count, (a + b).allSatisfy({ $0.testGroups == groups }) {
            let count = Set(groups).count
            if count < labels.count {
                let bootstrap = PairedBootstrap(resamples: groupResamples, seed: 1)
                guard let r = try? bootstrap.compare(sa, sb, labels: labels, groups: groups) else { return nil }
                comparison.method = .groupBootstrap(groups: count, resamples: groupResamples)
                comparison.difference = r.difference
                comparison.standardError = r.standardError
                comparison.low = r.low
                comparison.high = r.high
                comparison.pValue = r.pValue
                comparison.adjustedPValue = r.pValue
            }
        }
        return comparison
    }

    /// Resamples of the group bootstrap.
    static let groupResamples = 4000

    /// Holm-adjusts a family in place and sets each verdict.
    static func settle(_ family: inout [StudyComparison]) {
        let adjusted = HolmCorrection.adjust(family.map(\.pValue))
        for i in family.indices {
            family[i].adjustedPValue = adjusted[i]
            let c = family[i]
            family[i].verdict = if c.adjustedPValue < alpha { c.difference > 0 ? .beats : .fallsBehind }
                else if c.low >= -margin && c.high <= margin { .matches } else { .notShown }
        }
    }
}

/// The trend of the fine-tuning advantage over training-set size.
public struct StudyTrend: Codable, Equatable, Sendable {
    /// Change of the (fine-tuned - scratch) AUC difference per unit of ln(fraction): negative
    /// means the advantage grows as data shrinks.
    public var slope: Double
    /// Lower end of the slope's 95 % interval.
    public var low: Double
    /// Upper end of the slope's 95 % interval.
    public var high: Double
    /// Two-sided p-value of a zero slope.
    public var pValue: Double
    /// Fractions the trend was fitted on.
    public var fractions: Int

    static func fit(_ comparisons: [StudyComparison]) -> Result<StudyTrend, WeightedTrend.Failure> {
        do {
            let f = try WeightedTrend.fit(x: comparisons.map { log($0.fraction) }, y: comparisons.map(\.difference),
                                          standardErrors: comparisons.map(\.standardError))
            return .success(StudyTrend(slope: f.slope, low: f.low, high: f.high, pValue: f.pValue, fractions: f.points))
        } catch { return .failure(error) }
    }
}
