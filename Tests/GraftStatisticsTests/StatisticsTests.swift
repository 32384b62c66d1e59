import Foundation
import Testing
import GraftCore
@testable import GraftStatistics

/// Binormal scores for `m` positives and `n` negatives from two correlated markers: marker A
/// separates the classes by `shiftA` standard deviations, B by `shiftB`, correlation `rho`.
/// Rounded to `rounding` to create ties.
func binormal(m: Int, n: Int, shiftA: Double, shiftB: Double, rho: Double, rounding: Double = 0, generator: inout SeededGenerator)
    -> (a: [Double], b: [Double], labels: [Bool]) {
    func gaussian() -> Double { Double(generator.nextGaussian()) }
    var a: [Double] = [], b: [Double] = [], labels: [Bool] = []
    for i in 0..<(m + n) {
        let positive = i < m
        let z1 = gaussian(), z2 = rho * z1 + (1 - rho * rho).squareRoot() * gaussian()
        var x = z1 + (positive ? shiftA : 0), y = z2 + (positive ? shiftB : 0)
        if rounding > 0 { x = (x / rounding).rounded() * rounding; y = (y / rounding).rounded() * rounding }
        a.append(x); b.append(y); labels.append(positive)
    }
    return (a, b, labels)
}

@Suite("Statistics: DeLong, paired bootstrap, Holm, trends")
struct StatisticsTests {
    /// DeLong's definitions computed directly (every positive against every negative), as the
    /// 1988 paper writes them.
    static func naive(_ a: [Double], _ b: [Double], _ labels: [Bool]) -> (aucA: Double, aucB: Double, variance: Double) {
        let p = labels.indices.filter { labels[$0] }, q = labels.indices.filter { !labels[$0] }
        func psi(_ x: Double, _ y: Double) -> Double { x > y ? 1 : x == y ? 0.5 : 0 }
        func placements(_ s: [Double]) -> ([Double], [Double]) {
            (p.map { i in q.reduce(0) { $0 + psi(s[i], s[$1]) } / Double(q.count) },
             q.map { j in p.reduce(0) { $0 + psi(s[$1], s[j]) } / Double(p.count) })
        }
        let (a10, a01) = placements(a), (b10, b01) = placements(b)
        func cov(_ x: [Double], _ y: [Double]) -> Double {
            let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
            return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / Double(x.count - 1)
        }
        let m = Double(p.count), n = Double(q.count)
        let variance = (cov(a10, a10) + cov(b10, b10) - 2 * cov(a10, b10)) / m + (cov(a01, a01) + cov(b01, b01) - 2 * cov(a01, b01)) / n
        return (a10.reduce(0, +) / m, b10.reduce(0, +) / m, variance)
    }

    @Test("The midrank computation equals the definition, ties included", arguments: [0.0, 0.5])
    func midranksMatchTheDefinition(rounding: Double) throws {
        var g = SeededGenerator(seed: 7)
        let (a, b, labels) = binormal(m: 37, n: 53, shiftA: 1.2, shiftB: 0.6, rho: 0.5, rounding: rounding, generator: &g)
        let fast = try DeLong.compare([a], [b], labels: labels)
        let slow = Self.naive(a, b, labels)
        #expect(abs(fast.aucA - slow.aucA) < 1e-12 && abs(fast.aucB - slow.aucB) < 1e-12)
        #expect(abs(fast.standardError * fast.standardError - slow.variance) < 1e-12)
        #expect(fast.aucA > fast.aucB)
    }

    /// A small case worked by hand: positives score (0.9, 0.6, 0.4), negatives (0.5, 0.3) for A;
    /// placements: positives beat (2, 2, 1) of 2 negatives -> (1, 1, 0.5); negatives are beaten by
    /// (2, 3) of 3 positives -> (2/3, 1); AUC 5/6.
    @Test func handWorkedExample() throws {
        let labels = [true, true, true, false, false]
        let c = try DeLong.components(scores: [0.9, 0.6, 0.4, 0.5, 0.3], labels: labels)
        #expect(c.positives == [1, 1, 0.5])
        #expect(abs(c.negatives[0] - 2.0 / 3) < 1e-15 && c.negatives[1] == 1)
        #expect(abs(c.auc - 5.0 / 6) < 1e-15)
        // var(V10) = 1/12 over 3 positives, var(V01) = 1/18 over 2 negatives.
        let single = DeLong.interval(c)
        #expect(abs(single.standardError * single.standardError - (1.0 / 12 / 3 + 1.0 / 18 / 2)) < 1e-15)
    }

    /// Over 300 simulated test sets with a known true difference, DeLong's 95 % interval covers it
    /// about 95 % of the time, and its standard error agrees with the paired bootstrap's.
    @Test func intervalsCoverTheTruthAndAgreeWithTheBootstrap() throws {
        var g = SeededGenerator(seed: 2024)
        // True AUCs of binormal markers: Φ(shift / √2).
        let truth = NormalDistribution.cdf(1.0 / 2.0.squareRoot()) - NormalDistribution.cdf(0.5 / 2.0.squareRoot())
        var covered = 0
        let trials = 300
        for _ in 0..<trials {
            let (a, b, labels) = binormal(m: 60, n: 90, shiftA: 1.0, shiftB: 0.5, rho: 0.6, generator: &g)
            let c = try DeLong.compare([a], [b], labels: labels)
            if c.low <= truth && truth <= c.high { covered += 1 }
        }
        let coverage = Double(covered) / Double(trials)
        #expect(coverage > 0.91 && coverage < 0.985, "coverage \(coverage)")
        let (a, b, labels) = binormal(m: 80, n: 120, shiftA: 1.0, shiftB: 0.5, rho: 0.6, generator: &g)
        let delong = try DeLong.compare([a], [b], labels: labels)
        let boot = try PairedBootstrap(resamples: 2000, seed: 3).compare([a], [b], labels: labels)
        #expect(abs(boot.difference - delong.difference) < 1e-12)
        #expect(abs(boot.standardError / delong.standardError - 1) < 0.15, "bootstrap \(boot.standardError) vs DeLong \(delong.standardError)")
        #expect(boot.low < delong.difference && delong.difference < boot.high)
    }

    /// Identical arms differ by exactly 0 with p = 1; averaging seeds is the mean of their AUCs.
    @Test func seedsAverageAndNullDifference() throws {
        var g = SeededGenerator(seed: 5)
        let (a, b, labels) = binormal(m: 30, n: 30, shiftA: 1, shiftB: 1, rho: 0.2, generator: &g)
        let same = try DeLong.compare([a], [a], labels: labels)
        #expect(same.difference == 0 && same.pValue == 1)
        let two = try DeLong.compare([a, b], [b], labels: labels)
        let aucA = try DeLong.components(scores: a, labels: labels).auc, aucB = try DeLong.components(scores: b, labels: labels).auc
        #expect(abs(two.aucA - (aucA + aucB) / 2) < 1e-12)
        #expect(throws: DeLong.Failure.oneClass(positives: 2, negatives: 0)) {
            try DeLong.compare([[0.1, 0.2]], [[0.3, 0.4]], labels: [true, true])
        }
        #expect(throws: DeLong.Failure.nonFinite) { try DeLong.components(scores: [.nan, 1], labels: [true, false]) }
    }

    /// Clustered cases: the group bootstrap is wider than the case bootstrap when how well arm A
    /// separates the classes varies from patient to patient (a patient-level shift of A's scores on
    /// that patient's positive cases).
    @Test func groupsWidenTheBootstrap() throws {
        var g = SeededGenerator(seed: 11)
        var a: [Double] = [], b: [Double] = [], labels: [Bool] = [], groups: [String] = []
        for patient in 0..<40 {
            let (pa, pb, pl) = binormal(m: 4, n: 4, shiftA: 1, shiftB: 0.7, rho: 0.3, generator: &g)
            let effect = 2 * Double(g.nextGaussian())
            a += zip(pa, pl).map { $1 ? $0 + effect : $0 }; b += pb; labels += pl
            groups += Array(repeating: "p\(patient)", count: pl.count)
        }
        let byCase = try PairedBootstrap(resamples: 2000, seed: 1).compare([a], [b], labels: labels)
        let byGroup = try PairedBootstrap(resamples: 2000, seed: 1).compare([a], [b], labels: labels, groups: groups)
        #expect(byGroup.high - byGroup.low > 1.2 * (byCase.high - byCase.low), "group \(byGroup.low)...\(byGroup.high), case \(byCase.low)...\(byCase.high)")
    }

    @Test func holmMatchesHandComputedCases() {
        // Sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone 0.06.
        let adjusted = HolmCorrection.adjust([0.01, 0.04, 0.03, 0.005])
        let expected = [0.03, 0.06, 0.06, 0.02]
        for (x, y) in zip(adjusted, expected) { #expect(abs(x - y) < 1e-15) }
        #expect(HolmCorrection.adjust([0.5, 0.6]) == [1, 1])
        #expect(HolmCorrection.adjust([0.02]) == [0.02])
        #expect(HolmCorrection.adjust([]) == [])
    }

    @Test func normalQuantilesAndTails() {
        #expect(abs(NormalDistribution.critical(confidence: 0.95) - 1.959963984540054) < 1e-9)
        #expect(abs(NormalDistribution.quantile(0.001) + 3.090232306167813) < 1e-9)
        #expect(abs(NormalDistribution.twoSidedP(1.959963984540054) - 0.05) < 1e-12)
        for p in [1e-300, 1e-10, 0.01, 0.3, 0.5, 0.8, 0.99, 1 - 1e-12] {
            #expect(abs(NormalDistribution.cdf(NormalDistribution.quantile(p)) / p - 1) < 1e-9, "p = \(p)")
        }
    }

    @Test func trendNeedsThreePointsAndFindsASlope() throws {
        #expect(throws: WeightedTrend.Failure.tooFewPoints(2)) {
            try WeightedTrend.fit(x: [0, 1], y: [0, 1], standardErrors: [0.1, 0.1])
        }
        let x = [log(0.1), log(0.25), log(0.5), log(1.0)]
        let line = try WeightedTrend.fit(x: x, y: x.map { 0.02 - 0.03 * $0 }, standardErrors: [0.02, 0.02, 0.02, 0.02])
        #expect(abs(line.slope + 0.03) < 1e-12 && line.low < -0.03 && line.high > -0.03)
        let flat = try WeightedTrend.fit(x: x, y: [0.01, -0.01, 0.012, -0.008], standardErrors: [0.03, 0.03, 0.03, 0.03])
        #expect(flat.pValue > 0.05)
    }
}
