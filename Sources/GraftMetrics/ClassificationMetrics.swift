import GraftCore

/// How well predicted class probabilities match labels: accuracy, ROC AUC (binary, or macro
/// one-vs-rest for more classes) with a bootstrap confidence interval, confusion matrix and the
/// ROC curve(s).
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    /// Number of samples.
    public var count: Int
    /// Fraction of samples whose highest-scoring class is the label.
    public var accuracy: Double
    /// ROC AUC: the positive class's for two classes, the mean of the one-vs-rest AUCs for more.
    public var auc: Double
    /// 95 % percentile bootstrap interval of the AUC (samples resampled with replacement).
    public var aucLow: Double
    /// Upper end of the interval (``aucLow`` is the lower).
    public var aucHigh: Double
    /// `confusion[true][predicted]`.
    public var confusion: [[Int]]
    /// Binary: the positive class's curve. More classes: one per class (one vs rest).
    public var roc: [ROCCurve]

    /// - Parameters:
    ///   - probabilities: one row of class probabilities (or scores) per sample.
    ///   - labels: true class per sample.
    ///   - bootstrap: resamples for the interval (0 to skip; the interval is then the point value).
    ///   - seed: seeds the bootstrap's resampling, so the same inputs give the same interval.
    public init(probabilities: [[Float]], labels: [Int], bootstrap: Int = 1000, seed: UInt64 = 0) {
        precondition(probabilities.count == labels.count, "ClassificationMetrics: \(probabilities.count) rows, \(labels.count) labels")
        let classes = max(probabilities.first?.count ?? 0, (labels.max() ?? 0) + 1)
        count = labels.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var correct = 0
        for (row, label) in zip(probabilities, labels) {
            let predicted = row.indices.max { row[$0] < row[$1] } ?? 0
            confusion[label][predicted] += 1
            if predicted == label { correct += 1 }
        }
        self.confusion = confusion
        accuracy = count > 0 ? Double(correct) / Double(count) : .nan
        roc = Self.curves(probabilities, labels, classes: classes)
        auc = Self.meanAUC(roc)
        guard bootstrap > 0, count > 1 else { (aucLow, aucHigh) = (auc, auc); return }
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(bootstrap)
        for _ in 0..<bootstrap {
            var p: [[Float]] = [], l: [Int] = []
            p.reserveCapacity(count)
            l.reserveCapacity(count)
            for _ in 0..<count {
                let i = Int(rng.next() % UInt64(count))
                p.append(probabilities[i])
                l.append(labels[i])
            }
            let value = Self.meanAUC(Self.curves(p, l, classes: classes))
            if !value.isNaN { values.append(value) }
        }
        values.sort()
        guard !values.isEmpty else { (aucLow, aucHigh) = (auc, auc); return }
        aucLow = values[Int(Double(values.count - 1) * 0.025)]
        aucHigh = values[Int(Double(values.count - 1) * 0.975)]
    }

    private static func curves(_ probabilities: [[Float]], _ labels: [Int], classes: Int) -> [ROCCurve] {
        if classes == 2 {
            return [ROCCurve(scores: probabilities.map { $0[1] }, positives: labels.map { $0 == 1 })]
        }
        return (0..<classes).map { c in ROCCurve(scores: probabilities.map { $0[c] }, positives: labels.map { $0 == c }) }
    }

    /// Mean AUC over the curves that are defined (classes present among the labels).
    private static func meanAUC(_ curves: [ROCCurve]) -> Double {
        let defined = curves.map(\.auc).filter { !$0.isNaN }
        return defined.isEmpty ? .nan : defined.reduce(0, +) / Double(defined.count)
    }
}
