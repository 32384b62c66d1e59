import GraftData

/// What a reader needs to trust a table: for each split, how many images, how many groups
/// (patients, sequences) and how many of each class.
public struct SplitSummary: Codable, Equatable, Sendable {
    /// One split's counts.
    public struct Row: Codable, Equatable, Sendable {
        /// The split's name as the table shows it.
        public var split: String
        /// Images in the split.
        public var images: Int
        /// Distinct groups (patients, sequences) in the split.
        public var groups: Int
        /// Images per class, in the dataset's class order.
        public var perClass: [Int]
    }

    /// The class names, in the dataset's order.
    public var classes: [String]
    /// Train, validation and test, in that order.
    public var rows: [Row]
    /// The dataset's name as the study loaded it (the report's title; nil in files written before
    /// it was recorded).
    public var datasetName: String?

    /// Counts the images, groups and classes of each split.
    public init(splits: DatasetSplits, classes: [String], datasetName: String? = nil) {
        self.classes = classes
        self.datasetName = datasetName
        rows = [("train (100 %)", splits.train), ("validation", splits.validation), ("test", splits.test)].map { name, samples in
            var perClass = [Int](repeating: 0, count: classes.count)
            for s in samples where s.label >= 0 && s.label < classes.count { perClass[s.label] += 1 }
            return Row(split: name, images: samples.count, groups: Set(samples.map { $0.group ?? $0.id }).count, perClass: perClass)
        }
    }

    /// A Markdown table.
    public var markdown: String {
        var lines = ["| split | images | groups | " + classes.joined(separator: " | ") + " |",
                     "|---|---:|---:|" + classes.map { _ in "---:|" }.joined()]
        for r in rows {
            lines.append("| \(r.split) | \(r.images) | \(r.groups) | " + r.perClass.map(String.init).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
