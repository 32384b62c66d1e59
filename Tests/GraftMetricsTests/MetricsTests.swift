import Testing
@testable import GraftMetrics
import GraftCore

struct MetricsTests {
    @Test func aucByHand() {
        // Positives 0.9, 0.4; negatives 0.6, 0.1: pairs (0.9>0.6, 0.9>0.1, 0.4<0.6, 0.4>0.1) -> 3/4.
        let roc = ROCCurve(scores: [0.9, 0.6, 0.4, 0.1], positives: [true, false, true, false])
        #expect(roc.auc == 0.75)
        #expect(roc.points.first == ROCCurve.Point(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity))
        #expect(roc.points.last?.falsePositiveRate == 1 && roc.points.last?.truePositiveRate == 1)
        #expect(roc.points.map(\.truePositiveRate) == [0, 0.5, 0.5, 1, 1])
    }

    @Test func tiesCountHalf() {
        // One positive and one negative with the same score: AUC 1/2.
        #expect(ROCCurve(scores: [0.5, 0.5], positives: [true, false]).auc == 0.5)
        // Perfect and inverted rankings.
        #expect(ROCCurve(scores: [3, 2, 1], positives: [true, true, false]).auc == 1)
        #expect(ROCCurve(scores: [1, 2, 3], positives: [true, true, false]).auc == 0)
        #expect(ROCCurve(scores: [1, 2], positives: [true, true]).auc.isNaN)
    }

    @Test func aucMatchesBruteForceMannWhitney() {
        var rng = SeededGenerator(seed: 3)
        let scores = (0..<200).map { _ in Float(Int(rng.nextUnitFloat() * 20)) / 20 }  // many ties
        let labels = (0..<200).map { _ in rng.next() % 3 == 0 }
        var wins = 0.0, pairs = 0.0
        for i in 0..<200 where labels[i] { for j in 0..<200 where !labels[j] {
            pairs += 1
            wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
        } }
        #expect(abs(ROCCurve(scores: scores, positives: labels).auc - wins / pairs) < 1e-12)
    }

    @Test func classificationMetricsBinary() {
        let probabilities: [[Float]] = [[0.1, 0.9], [0.4, 0.6], [0.6, 0.4], [0.9, 0.1]]
        let m = ClassificationMetrics(probabilities: probabilities, labels: [1, 0, 1, 0], bootstrap: 200, seed: 1)
        #expect(m.accuracy == 0.5)
        #expect(m.auc == 0.75)
        #expect(m.confusion == [[1, 1], [1, 1]])
        #expect(m.aucLow <= m.auc && m.auc <= m.aucHigh)
        #expect(m.aucLow >= 0 && m.aucHigh <= 1)
        let again = ClassificationMetrics(probabilities: probabilities, labels: [1, 0, 1, 0], bootstrap: 200, seed: 1)
        #expect(again == m)
    }

    @Test func macroOneVsRest() {
        // Three classes, each perfectly separated by its own column: macro AUC 1.
        let p: [[Float]] = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1]]
        let m = ClassificationMetrics(probabilities: p, labels: [0, 1, 2, 0], bootstrap: 0)
        #expect(m.auc == 1 && m.roc.count == 3 && m.accuracy == 1)
    }
}
