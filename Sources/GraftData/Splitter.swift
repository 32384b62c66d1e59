import GraftCore

/// Splits a dataset into train/validation/test, stratified by class and **group-aware**: all
/// samples of a group (a video sequence, a patient, a set of duplicate images) go to the same
/// split, so near-duplicates never leak from training into evaluation.
public struct Splitter: Sendable {
    /// About this share of each class goes to validation (whole groups move together).
    public var validationFraction: Double
    /// About this share of each class goes to test; training gets the rest.
    public var testFraction: Double
    /// Shuffles the groups: the same seed gives the same split.
    public var seed: UInt64

    /// A splitter with these fractions and seed (70/15/15 by default).
    public init(validationFraction: Double = 0.15, testFraction: Double = 0.15, seed: UInt64 = 0) {
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
    }

    /// Groups in a deterministic, seed-shuffled order: (group key, samples, per-class counts).
    private static func shuffledGroups(_ samples: [Sample], classes: Int, seed: UInt64) -> [(key: String, samples: [Sample], counts: [Int])] {
        var byGroup: [String: [Sample]] = [:]
        for s in samples { byGroup[s.splitGroup, default: []].append(s) }
        var keys = byGroup.keys.sorted()
        var rng = SeededGenerator(seed: seed)
        keys.shuffle(using: &rng)
        return keys.map { key in
            let members = byGroup[key]!
            var counts = [Int](repeating: 0, count: classes)
            for s in members { counts[s.label] += 1 }
            return (key, members, counts)
        }
    }

    /// Splits `dataset` (or returns its predefined splits when it has them).
    public func split(_ dataset: Dataset) throws(DatasetError) -> DatasetSplits {
        if let predefined = dataset.predefinedSplits { return predefined }
        guard validationFraction >= 0, testFraction >= 0, validationFraction + testFraction < 1 else {
            throw .badSplit(reason: "validation \(validationFraction) + test \(testFraction) must be below 1")
        }
        let classes = dataset.classes.count
        let groups = Self.shuffledGroups(dataset.samples, classes: classes, seed: seed)
        let totals = dataset.classCounts
        let fractions = [1 - validationFraction - testFraction, validationFraction, testFraction]
        let targets = fractions.map { f in totals.map { Double($0) * f } }
        var current = [[Int]](repeating: [Int](repeating: 0, count: classes), count: 3)
        var parts: [[Sample]] = [[], [], []]
        // Largest groups first (stable over the shuffled order), each to the split that needs its
        // classes most, relative to that split's target.
        let order = groups.indices.sorted { groups[$0].samples.count > groups[$1].samples.count }
        for g in order {
            let group = groups[g]
            var best = 0, bestScore = -Double.infinity
            for s in 0..<3 where fractions[s] > 0 {
                var score = 0.0
                for c in 0..<classes where group.counts[c] > 0 {
                    score += Double(group.counts[c]) * (targets[s][c] - Double(current[s][c])) / max(targets[s][c], 1)
                }
                if score > bestScore { (best, bestScore) = (s, score) }
            }
            parts[best] += group.samples
            for c in 0..<classes { current[best][c] += group.counts[c] }
        }
        for (s, name) in [(1, "validation"), (2, "test")] where fractions[s] > 0 {
            for c in 0..<classes where totals[c] > 0 && current[s][c] == 0 {
                throw .badSplit(reason: "the \(name) split got no sample of class '\(dataset.classes[c])' (too few groups of that class)")
            }
        }
        return DatasetSplits(train: parts[0], validation: parts[1], test: parts[2])
    }

    /// A class-stratified, group-preserving subset holding about `fraction` of `samples`. Subsets
    /// are nested: for one seed, the 0.25 subset lies inside the 0.5 subset.
    public static func subset(_ samples: [Sample], fraction: Double, classes: Int, seed: UInt64) -> [Sample] {
        guard fraction < 1 else { return samples }
        let groups = shuffledGroups(samples, classes: classes, seed: seed ^ 0x5EED_F4AC)
        var totals = [Int](repeating: 0, count: classes)
        for s in samples { totals[s.label] += 1 }
        let quota = totals.map { max(1, Int((Double($0) * fraction).rounded())) }
        var taken = [Int](repeating: 0, count: classes)
        var result: [Sample] = []
        for group in groups {
            let majority = group.counts.indices.max { group.counts[$0] < group.counts[$1] }!
            guard taken[majority] < quota[majority] else { continue }
            result += group.samples
            for c in 0..<classes { taken[c] += group.counts[c] }
        }
        return result
    }
}
