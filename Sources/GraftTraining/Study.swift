import Foundation
import GraftMetrics
import GraftFiles
import GraftCore
import GraftData
import GraftVolume
import GraftImage

/// The paper's protocol as a grid of training runs: the pretrained model fine-tuned from every
/// depth (only the last layer, the last two, ... all layers) and the same network trained from
/// scratch, each at several training-set fractions, each repeated with several seeds. Every cell
/// is tested on the same held-out split.
public struct StudyPlan: Codable, Equatable, Sendable {
    /// What the cells learn.
    public enum Task: String, Codable, Sendable, CaseIterable {
        /// Classify whole images into the dataset's classes.
        case classify
        /// Classify patches of video frames (polyp or not), with frame-level detection on the test frames.
        case patches
    }

    /// Path of the pretrained model.
    public var model: String
    /// The dataset's path.
    public var data: String
    /// Classify whole images, or patches of video frames.
    public var task: Task
    /// Binary relabelling (`--positive`), classification only.
    public var positive: [String]?
    /// Layers to tune from, from the last layer to all layers.
    public var depths: [String]
    /// Every trainable layer of the model in graph order (to say how many layers a depth tunes).
    public var trainableLayers: [String]
    /// Training-set fractions, each a separate cell.
    public var fractions: [Double]
    /// Seeds (repeats) per arm and fraction.
    public var seeds: Int
    /// Also train the network from scratch, as the baseline arm.
    public var scratch: Bool
    /// Patches task: patch side in frame pixels, patches of each kind per frame, detection stride.
    public var patchSize: Int
    /// Patches task: patches of each kind per frame.
    public var patchesPerFrame: Int
    /// Classification from a candidates CSV or a volume,mask CSV: how patches are cut (the windows
    /// are the model's; `patchesPerFrame` is the patches of each kind per volume).
    public var candidatePatches: PatchSampler?
    /// Training settings shared by every cell (its seed, depth, scratch and fraction are set per cell).
    public var training: TuneConfiguration
    /// A cell that diverges (non-finite loss, or a validation AUC that never leaves chance) is
    /// retried once with its learning rate multiplied by this (nil: 0.1; 0: no retry).
    public var retryLearningRateFactor: Double?
    /// The best validation AUC at or below which a run counts as never having left chance (nil: 0.55).
    public var chanceValidationAUC: Double?

    /// ``retryLearningRateFactor`` with its default filled in.
    public var effectiveRetryFactor: Double { retryLearningRateFactor ?? 0.1 }
    /// ``chanceValidationAUC`` with its default filled in.
    public var effectiveChanceAUC: Double { chanceValidationAUC ?? 0.55 }

    /// A plan; the retry factor and chance AUC take their defaults.
    public init(model: String, data: String, task: Task, positive: [String]?, depths: [String], trainableLayers: [String],
                fractions: [Double], seeds: Int, scratch: Bool, patchSize: Int, patchesPerFrame: Int, training: TuneConfiguration) {
        self.trainableLayers = trainableLayers
        self.model = model
        self.data = data
        self.task = task
        self.positive = positive
        self.depths = depths
        self.fractions = fractions
        self.seeds = seeds
        self.scratch = scratch
        self.patchSize = patchSize
        self.patchesPerFrame = patchesPerFrame
        self.training = training
    }

    /// "fc7 (last 2 of 8 layers)" for a depth, "scratch" for the baseline.
    public func label(_ arm: StudyCell.Arm) -> String {
        switch arm {
        case .scratch: return "scratch"
        case .depth(let layer):
            guard let i = trainableLayers.firstIndex(of: layer) else { return "from \(layer)" }
            let tuned = trainableLayers.count - i
            return tuned == trainableLayers.count ? "\(layer) (all \(tuned) layers)" : "\(layer) (last \(tuned) of \(trainableLayers.count))"
        }
    }

    /// Every cell, in a stable order: arms (depths from the last layer, then scratch) x
    /// fractions (largest first) x seeds.
    public var cells: [StudyCell] {
        let arms = depths.map { StudyCell.Arm.depth($0) } + (scratch ? [.scratch] : [])
        var cells: [StudyCell] = []
        for arm in arms { for fraction in fractions { for seed in 0..<seeds {
            cells.append(StudyCell(index: cells.count, arm: arm, fraction: fraction, seed: seed))
        } } }
        return cells
    }
}

/// One training run of a study.
public struct StudyCell: Codable, Equatable, Hashable, Sendable {
    /// What a cell trains: a fine-tuning depth or the scratch baseline.
    public enum Arm: Codable, Equatable, Hashable, Sendable {
        /// Fine-tune every layer from this one on.
        case depth(String)
        /// Train from scratch.
        case scratch

        /// "tune from <layer>" or "scratch".
        public var name: String {
            switch self {
            case .depth(let layer): "tune from \(layer)"
            case .scratch: "scratch"
            }
        }
    }

    /// The cell's position in ``StudyPlan/cells``.
    public var index: Int
    /// What the cell trains.
    public var arm: Arm
    /// Fraction of the training split used.
    public var fraction: Double
    /// The repeat number, 0 up.
    public var seed: Int

    /// A file-name-safe identifier, e.g. "fc7-f0.25-s1".
    public var id: String {
        let arm = switch arm {
        case .depth(let layer): layer.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }.map(String.init).joined()
        case .scratch: "scratch"
        }
        return "\(arm)-f\(fraction)-s\(seed)"
    }
}

/// How a cell ended: trained to a usable model, or diverged (kept, shown apart, never averaged in).
public enum CellStatus: String, Codable, Sendable {
    /// Trained to a usable model.
    case completed
    /// Diverged, even after the retry.
    case diverged
}

/// What one finished cell measured on the test split.
public struct CellResult: Codable, Equatable, Sendable {
    /// The cell measured.
    public var cell: StudyCell
    /// Test AUC of the kept (best-validation) weights.
    public var auc: Double
    /// Lower end of the test AUC's 95 % bootstrap interval.
    public var aucLow: Double
    /// Upper end of the test AUC's 95 % bootstrap interval.
    public var aucHigh: Double
    /// Test accuracy.
    public var accuracy: Double
    /// Validation AUC of the kept weights.
    public var validationAUC: Double
    /// The epoch whose weights were kept.
    public var bestEpoch: Int
    /// Epochs trained (fewer than configured after an early stop).
    public var epochsRun: Int
    /// Training images the cell used.
    public var trainImages: Int
    /// Test images.
    public var testImages: Int
    /// Wall-clock time of the cell.
    public var seconds: Double
    /// The test ROC curve.
    public var roc: ROCCurve
    /// Patches task: frame-level detection on the test frames.
    public var froc: FROCCurve?
    /// Nil in files written before statuses existed: completed.
    public var status: CellStatus?
    /// Why the cell diverged (and, after a retry, why the first attempt did).
    public var failure: String?
    /// The learning rate of the attempt this result comes from, and how many retries preceded it.
    public var learningRate: Float?
    /// Retries before this attempt.
    public var retries: Int?
    /// Binary tasks: the positive class's probability for every test image, in one fixed order
    /// shared by all cells, with its labels and groups: what the paired tests compare.
    public var testScores: [Double]?
    /// The test images' labels, in the order of `testScores`.
    public var testLabels: [Bool]?
    /// The test images' groups (an image's own identifier when it has none), in the same order.
    public var testGroups: [String]?

    /// Whether the cell diverged.
    public var diverged: Bool { status == .diverged }
}

/// Runs and keeps the cells of a study in a results folder: `plan.json`, `cells/<id>.json`
/// (written atomically when a cell finishes, so an interrupted study loses no finished cell).
public final class Study {
    /// The study's plan, as written to `plan.json`.
    public let plan: StudyPlan
    /// The results folder.
    public let directory: String
    private let model: Model
    private let dataset: Dataset
    private let frames: PolypFrames?

    /// Prepares the data once. Refuses a results folder holding another plan.
    public init(plan: StudyPlan, model: Model, directory: String) throws(TrainingError) {
        self.plan = plan
        self.model = model
        self.directory = directory
        do {
            switch plan.task {
            case .classify:
                let preprocessing = model.effectivePreprocessing
                let candidates = plan.candidatePatches.map {
                    CandidatePatches(sampler: $0, windows: preprocessing.windows ?? [], channelOrder: preprocessing.channelOrder)
                }
                var d = try DatasetLoader.load(plan.data, candidates: candidates, patchesPerVolume: plan.patchesPerFrame, seed: plan.training.seed)
                if let positive = plan.positive { d = try d.binary(positive: Set(positive)) }
                dataset = d
                frames = nil
            case .patches:
                let f = try PolypFrames(root: plan.data)
                frames = f
                dataset = try f.patchDataset(patchSize: plan.patchSize, perFrame: plan.patchesPerFrame, seed: plan.training.seed)
            }
        } catch { throw .dataset(error) }
        try Self.writePlan(plan, directory: directory)
        // The split every cell uses (cells subsample its training part), for the report.
        do {
            let splits = try Splitter(validationFraction: plan.training.validationFraction, testFraction: plan.training.testFraction,
                                      seed: plan.training.seed).split(dataset)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(SplitSummary(splits: splits, classes: dataset.classes, datasetName: dataset.name)), to: directory + "/splits.json")
        } catch { throw .data("cannot split the data: \(error)") }
    }

    static func writePlan(_ plan: StudyPlan, directory: String) throws(TrainingError) {
        let path = directory + "/plan.json"
        do { try FileManager.default.createDirectory(atPath: directory + "/cells", withIntermediateDirectories: true) } catch {
            throw .checkpoint(path: directory, reason: "cannot create the results folder")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(plan)) ?? Data()
        if let existing = FileManager.default.contents(atPath: path) {
            guard let old = try? JSONDecoder().decode(StudyPlan.self, from: existing), old == plan else {
                throw .checkpoint(path: path, reason: "the results folder holds a study with another plan; use a new folder or the same options")
            }
            return
        }
        do { try AtomicFile.write(data, to: path) } catch { throw .checkpoint(path: path, reason: error.reason) }
    }

    /// Where the cell's result is stored: `cells/<id>.json`.
    public func resultPath(_ cell: StudyCell) -> String { directory + "/cells/\(cell.id).json" }
    /// Whether the cell's result has been stored.
    public func isFinished(_ cell: StudyCell) -> Bool { FileManager.default.fileExists(atPath: resultPath(cell)) }

    /// The dataset the cells train on (patches are extracted once).
    public var classes: [String] { dataset.classes }
    /// The dataset's name.
    public var datasetName: String { dataset.name }

    /// Runs one cell (unless it has finished before) and stores its result.
    @discardableResult
    public func run(_ cell: StudyCell, events: (TrainerEvent) -> Void = { _ in }) throws(TrainingError) -> CellResult {
        if let done = Self.readResult(resultPath(cell)) { return done }
        let started = Date()
        var c = plan.training
        c.splitSeed = plan.training.seed
        c.seed = RunSeeds.cell(cell.seed, of: plan.training.seed)
        c.trainFraction = cell.fraction
        switch cell.arm {
        case .depth(let layer):
            c.tuneFrom = layer
            c.scratch = false
        case .scratch:
            c.tuneFrom = nil
            c.scratch = true
        }
        var failures: [String] = []
        var result: CellResult?
        let attempts = plan.effectiveRetryFactor > 0 ? 2 : 1
        for attempt in 0..<attempts {
            if attempt > 0 { c.learningRate *= Float(plan.effectiveRetryFactor) }
            let trainer = try Trainer(model: model, dataset: dataset, configuration: c)
            let outcome: TuneOutcome
            do { outcome = try trainer.run(events: events) } catch {
                guard case .diverged = error else { throw error }
                failures.append("learning rate \(c.learningRate): \(error.description)")
                result = divergedResult(cell, trainer: trainer, learningRate: c.learningRate, retries: attempt,
                                        failure: failures.joined(separator: "; "), started: started)
                continue
            }
            var r = try completedResult(cell, trainer: trainer, outcome: outcome, configuration: c, started: started)
            r.retries = attempt
            let bestValidation = outcome.history.compactMap(\.validationAUC).max() ?? .nan
            if !(bestValidation > plan.effectiveChanceAUC) {
                failures.append(String(format: "learning rate %g: the validation AUC never left chance (best %.3f)",
                                       Double(c.learningRate), bestValidation))
                r.status = .diverged
                r.failure = failures.joined(separator: "; ")
                result = r
                continue
            }
            if !failures.isEmpty { r.failure = "retried after: " + failures.joined(separator: "; ") }
            result = r
            break
        }
        guard let result else { throw .configuration("no attempt ran") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { try AtomicFile.write(try encoder.encode(result), to: resultPath(cell)) } catch {
            throw .checkpoint(path: resultPath(cell), reason: "\(error)")
        }
        return result
    }

    /// A cell that trained: its test metrics, scores for the paired tests, frame detection.
    private func completedResult(_ cell: StudyCell, trainer: Trainer, outcome: TuneOutcome, configuration c: TuneConfiguration,
                                 started: Date) throws(TrainingError) -> CellResult {
        var froc: FROCCurve?
        if let frames {
            // Detection on the frames whose patches were held out for testing.
            let testSequences = Set(trainer.splits.test.compactMap(\.group))
            let predictor = try Predictor(model: outcome.model, pipeline: trainer.pipeline, batchSize: c.batchSize)
            let detector = FrameDetector(predictor: predictor, patchSize: plan.patchSize, stride: max(1, plan.patchSize / 2))
            var perFrame: [[FROCCurve.Detection]] = []
            for frame in frames.frames where testSequences.contains("sequence \(frame.sequence)") {
                let loaded: (image: Image, mask: [Bool])
                do { loaded = try PolypFrames.load(frame) } catch { throw .dataset(error) }
                guard loaded.mask.contains(true) else { continue }
                perFrame.append(try detector.detections(image: loaded.image, mask: loaded.mask))
            }
            froc = FROCCurve(frames: perFrame)
        }
        var result = CellResult(cell: cell, auc: outcome.test.auc, aucLow: outcome.test.aucLow, aucHigh: outcome.test.aucHigh,
                                accuracy: outcome.test.accuracy, validationAUC: outcome.validation.auc, bestEpoch: outcome.bestEpoch,
                                epochsRun: outcome.history.count, trainImages: outcome.summary.trainCount,
                                testImages: outcome.summary.testCount, seconds: Date().timeIntervalSince(started),
                                roc: outcome.test.roc.last ?? ROCCurve(scores: [], positives: []), froc: froc)
        result.status = .completed
        result.learningRate = c.learningRate
        if dataset.classes.count == 2 {
            let groups = Dictionary(trainer.splits.test.map { ($0.id, $0.group ?? $0.id) }, uniquingKeysWith: { a, _ in a })
            result.testScores = outcome.testProbabilities.map { Double($0[1]) }
            result.testLabels = outcome.testLabels.map { $0 == 1 }
            result.testGroups = outcome.testIDs.map { groups[$0] ?? $0 }
        }
        return result
    }

    /// A cell whose loss became non-finite: no model, no test metrics.
    private func divergedResult(_ cell: StudyCell, trainer: Trainer, learningRate: Float, retries: Int, failure: String,
                                started: Date) -> CellResult {
        var r = CellResult(cell: cell, auc: .nan, aucLow: .nan, aucHigh: .nan, accuracy: .nan, validationAUC: .nan, bestEpoch: 0,
                           epochsRun: 0, trainImages: 0, testImages: trainer.splits.test.count,
                           seconds: Date().timeIntervalSince(started), roc: ROCCurve(scores: [], positives: []), froc: nil)
        r.status = .diverged
        r.failure = failure
        r.learningRate = learningRate
        r.retries = retries
        return r
    }

    static func readResult(_ path: String) -> CellResult? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(CellResult.self, from: data)
    }

    /// The plan and every finished cell of a results folder (cells of other plans are ignored).
    public static func collect(directory: String) throws(TrainingError) -> (plan: StudyPlan, results: [CellResult]) {
        let path = directory + "/plan.json"
        guard let data = FileManager.default.contents(atPath: path), let plan = try? JSONDecoder().decode(StudyPlan.self, from: data) else {
            throw .checkpoint(path: path, reason: "no study plan here (run `graft study` first)")
        }
        let results = plan.cells.compactMap { readResult(directory + "/cells/\($0.id).json") }
        return (plan, results)
    }

    /// The split summary a study wrote into its results folder, if any.
    public static func splitSummary(directory: String) -> SplitSummary? {
        guard let data = FileManager.default.contents(atPath: directory + "/splits.json") else { return nil }
        return try? JSONDecoder().decode(SplitSummary.self, from: data)
    }
}
