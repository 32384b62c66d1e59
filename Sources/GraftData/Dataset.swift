import GraftCore
import GraftImage

/// Where a sample's pixels come from: a file decoded on demand, or an image already in memory
/// (MedMNIST arrays).
public enum ImageSource: Equatable, Sendable {
    /// An image file (PNG, JPEG, DICOM or NIfTI), decoded on demand.
    case file(String)
    /// Pixels already decoded: a MedMNIST image, a patch cut from a volume or a video frame.
    case memory(Image)
}

/// One labelled image.
public struct Sample: Equatable, Sendable {
    /// A stable identifier: the file path, or "<npz>:<split>:<index>".
    public var id: String
    /// Where its pixels come from.
    public var source: ImageSource
    /// Class index into ``Dataset/classes``.
    public var label: Int
    /// Samples sharing a group (a patient, a video sequence, a set of duplicates) always land in
    /// the same split. Nil: the sample is its own group.
    public var group: String?

    /// A sample; without a `group` it is a group of its own.
    public init(id: String, source: ImageSource, label: Int, group: String? = nil) {
        self.id = id
        self.source = source
        self.label = label
        self.group = group
    }

    /// The group used for splitting.
    public var splitGroup: String { group ?? "sample:\(id)" }

    /// Decodes (or returns) the sample's image. DICOM and NIfTI files go through `windows`
    /// (see ``MedicalImageFile``); photographs ignore them.
    public func image(windows: [IntensityWindow] = [], channelOrder: Preprocessing.ChannelOrder = .rgb) throws(DatasetError) -> Image {
        switch source {
        case .file(let path): try InputImage.read(path, windows: windows, channelOrder: channelOrder)
        case .memory(let image): image
        }
    }
}

/// The three parts of a dataset used by one experiment.
public struct DatasetSplits: Equatable, Sendable {
    /// The samples the model is trained on.
    public var train: [Sample]
    /// Held out from training; evaluated during it to choose the weights kept.
    public var validation: [Sample]
    /// Held out from training and validation: the figures reported.
    public var test: [Sample]

    /// Splits of these samples.
    public init(train: [Sample], validation: [Sample], test: [Sample]) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// A labelled image collection: class names and samples, and, when the source defines them
/// (MedMNIST), its own train/validation/test splits.
public struct Dataset: Equatable, Sendable {
    /// A name for messages and reports (the loaders use the folder's or file's name).
    public var name: String
    /// Class names, in label order: a sample's label indexes them.
    public var classes: [String]
    /// Every sample (with predefined splits: train, then validation, then test).
    public var samples: [Sample]
    /// The source's own splits (MedMNIST), which ``Splitter/split(_:)`` returns as they are.
    public var predefinedSplits: DatasetSplits?
    /// Things a user should know (skipped files, relabelled duplicates).
    public var notes: [String]

    /// A dataset of these parts.
    public init(name: String, classes: [String], samples: [Sample], predefinedSplits: DatasetSplits? = nil, notes: [String] = []) {
        self.name = name
        self.classes = classes
        self.samples = samples
        self.predefinedSplits = predefinedSplits
        self.notes = notes
    }

    /// Sample count per class.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for s in samples { counts[s.label] += 1 }
        return counts
    }

    /// Relabels into two classes: `positive` classes become 1, the rest 0 (e.g. malignant vs rest).
    public func binary(positive: Set<String>) throws(DatasetError) -> Dataset {
        let unknown = positive.subtracting(classes)
        guard unknown.isEmpty else { throw .unknownClass(dataset: name, name: unknown.sorted().joined(separator: ", "), classes: classes) }
        let isPositive = classes.map { positive.contains($0) }
        func map(_ s: [Sample]) -> [Sample] { s.map { var x = $0; x.label = isPositive[x.label] ? 1 : 0; return x } }
        let negativeName = "not " + positive.sorted().joined(separator: "+")
        return Dataset(name: name, classes: [negativeName, positive.sorted().joined(separator: "+")], samples: map(samples),
                       predefinedSplits: predefinedSplits.map { DatasetSplits(train: map($0.train), validation: map($0.validation), test: map($0.test)) },
                       notes: notes)
    }
}

/// A dataset that cannot be loaded; every case names the file or folder.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file or folder is missing or cannot be read.
    case io(path: String, reason: String)
    /// A class folder holds no PNG, JPEG, DICOM or NIfTI image.
    case emptyClass(path: String, className: String)
    /// Fewer than two classes.
    case tooFewClasses(path: String, count: Int)
    /// A CSV header or row that is not what the layout expects (`line` counts from 1).
    case badRow(path: String, line: Int, reason: String)
    /// A numeric label that is not a class index (a negative one in a CSV).
    case labelOutOfRange(path: String, label: Int, classes: Int)
    /// Arrays that are not what the layout expects: a MedMNIST `.npz`, a mask of the wrong size or
    /// empty.
    case badArrays(path: String, reason: String)
    /// A class name the dataset does not have.
    case unknownClass(dataset: String, name: String, classes: [String])
    /// A PNG or JPEG file could not be decoded (GraftImage's error).
    case badImage(ImageError)
    /// An image smaller than the minimum side training accepts.
    case imageTooSmall(path: String, width: Int, height: Int, minimum: Int)
    /// The samples cannot be split as asked (fractions, a class missing from a split), or a model's
    /// input is not N x 1|3 x H x W.
    case badSplit(reason: String)
    /// A DICOM or NIfTI file could not be read (the reader's typed error, as text).
    case badMedicalImage(path: String, reason: String)
    /// A DICOM or NIfTI image needs intensity windows to become model input, or got a number of
    /// them the model's channels cannot take.
    case windows(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let p, let r): "\(p): \(r)"
        case .emptyClass(let p, let c): "\(p): class folder '\(c)' has no PNG, JPEG, DICOM or NIfTI images"
        case .tooFewClasses(let p, let n): "\(p): needs at least 2 classes (one subfolder each), found \(n)"
        case .badRow(let p, let l, let r): "\(p):\(l): \(r)"
        case .labelOutOfRange(let p, let l, let n): "\(p): label \(l) is outside 0..<\(n)"
        case .badArrays(let p, let r): "\(p): \(r)"
        case .unknownClass(let d, let n, let c): "\(d): no class named \(n) (classes: \(c.joined(separator: ", ")))"
        case .badImage(let e): e.description
        case .imageTooSmall(let p, let w, let h, let m): "\(p): image of \(w)x\(h) is smaller than \(m) pixels on a side"
        case .badSplit(let r): "cannot split: \(r)"
        case .badMedicalImage(_, let r): r
        case .windows(let p, let r): "\(p): \(r)"
        }
    }
}
