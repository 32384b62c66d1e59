import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftEngine
import GraftTraining

extension TuneConfiguration.OptimizerKind: ExpressibleByArgument {}
extension TuneConfiguration.ScheduleKind: ExpressibleByArgument {}
extension TuneConfiguration.Balance: ExpressibleByArgument {}

/// Augmentation presets for the command line.
enum AugmentationPreset: String, ExpressibleByArgument, CaseIterable {
    case none, flips, standard
    var augmentation: Augmentation {
        switch self {
        case .none: .none
        case .flips: Augmentation(horizontalFlip: true, verticalFlip: true, rotate90: true)
        case .standard: .standard
        }
    }
}

/// Training options shared by `tune` and `study`.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Epochs (the best validation AUC's weights are kept).") var epochs: Int = 30
    @Option(help: "Images per step.") var batchSize: Int = 32
    @Option(name: .customLong("lr"), help: "Base learning rate.") var learningRate: Float = 0.001
    @Option(name: .customLong("scratch-lr"), help: "Base learning rate when training from scratch (default: a tenth of --lr).")
    var scratchLearningRate: Float?
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Option(help: "Weight decay (L2), times each parameter's decay multiplier.") var weightDecay: Float = 0.0005
    @Option(help: "sgd (Caffe's) or adam.") var optimizer: TuneConfiguration.OptimizerKind = .sgd
    @Option(help: "Learning-rate schedule: fixed, step, cosine, poly.") var schedule: TuneConfiguration.ScheduleKind = .fixed
    @Option(help: "Warm-up epochs (linear, from a tenth of the rate).") var warmupEpochs: Int = 0
    @Option(help: "Clip the global gradient norm to this before every update (default: no clipping).") var clipGradNorm: Float?
    @Option(help: "Resize images to this square size and set the model's input to it.") var inputSize: Int?
    @Option(help: "Learning-rate multiplier of the new head.") var headLrMult: Float = 10
    @Flag(help: "Keep the model's classifier instead of a new head (its classes must match the data).") var keepHead = false
    @Option(help: "Augmentation: none, flips (flips and 90-degree turns), standard (plus small rotations, zoom, shift).")
    var augment: AugmentationPreset = .none
    @Option(help: "Class imbalance: none, weights (loss weights), sampling (balanced batches).") var balance: TuneConfiguration.Balance = .none
    @Option(help: "Stop after this many epochs without a better validation AUC (0: never; default: never for tune, max(3, epochs/4) for study).")
    var patience: Int?
    @Option(help: "BLAS threads (default: all cores).") var threads: Int?

    func configuration(data: DataOptions) -> TuneConfiguration {
        var c = TuneConfiguration()
        c.epochs = epochs
        c.batchSize = batchSize
        c.learningRate = learningRate
        c.scratchLearningRate = scratchLearningRate
        c.momentum = momentum
        c.weightDecay = weightDecay
        c.optimizer = optimizer
        c.schedule = schedule
        c.warmupEpochs = warmupEpochs
        c.gradientClipNorm = clipGradNorm
        c.headLearningRateBoost = headLrMult
        c.newHead = !keepHead
        c.augmentation = augment.augmentation
        c.balance = balance
        c.patience = patience ?? 0
        c.seed = data.seed
        c.validationFraction = data.valFraction
        c.testFraction = data.testFraction
        c.skipBad = data.skipBad
        return c
    }
}

extension GraftCommand {
    struct Tune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune a model on labelled images (or train it from scratch) and measure its AUC.",
            discussion: """
                Layer-wise fine-tuning as in Tajbakhsh et al. (IEEE TMI 2016): a new classifier head for \
                the data's classes, every layer before --tune-from frozen (its outputs are computed once \
                and cached when there is no augmentation), the head learning --head-lr-mult times faster. \
                --scratch re-initialises every weight for the from-scratch baseline. The epoch with the best \
                validation AUC is kept and evaluated once on the test split. Checkpoints go to \
                <output>.checkpoints/ every epoch; --resume continues a killed run where it stopped.
                """)

        @Argument(help: "The pretrained .graft model.") var model: String
        @OptionGroup var data: DataOptions
        @OptionGroup var training: TrainingOptions
        @Option(name: .shortAndLong, help: "Where to write the tuned .graft.") var output: String
        @Option(help: "Freeze every layer before this one (see `graft inspect`); default: tune all layers.") var tuneFrom: String?
        @Option(help: "Number of classes of the new head (default: the data's).") var head: Int?
        @Flag(help: "Re-initialise every weight: train from scratch.") var scratch = false
        @Option(help: "Fraction of the training split to use (nested across fractions).") var trainFraction: Double = 1
        @Flag(help: "Continue from the last checkpoint of an interrupted run.") var resume = false
        @Option(help: "Checkpoint folder (default: <output>.checkpoints).") var checkpoints: String?
        @Option(help: "Append one JSON line per epoch and the result to this file.") var log: String?

        func run() throws {
            if let threads = training.threads { ComputeThreads.set(threads) }
            var pretrained = try NativeFile.open(model).loadModel()
            if let size = training.inputSize { pretrained = try pretrained.withInputSize(size) }
            pretrained = try pretrained.withWindows(data.windows)
            let dataset = try data.load(for: pretrained)
            if let head, head != dataset.classes.count {
                throw CommandFailure("--head \(head) does not match the data's \(dataset.classes.count) classes (\(dataset.classes.joined(separator: ", ")))")
            }
            var configuration = training.configuration(data: data)
            configuration.tuneFrom = tuneFrom
            configuration.scratch = scratch
            configuration.trainFraction = trainFraction
            let trainer = try Trainer(model: pretrained, dataset: dataset, configuration: configuration)
            let logFile = try log.map { try LogFile(path: $0) }
            let outcome = try trainer.run(checkpointDirectory: checkpoints ?? output + ".checkpoints", resume: resume,
                                          log: logFile.map { file in { file.append($0) } },
                                          events: TrainingProgress(epochs: configuration.epochs).handle)
            try NativeWriter.write(outcome.model, to: output)
            print(TuneReport(outcome: outcome, output: output).text)
        }
    }
}

/// Renders trainer events: a bar per epoch on a terminal, a line per epoch otherwise.
final class TrainingProgress {
    private let epochs: Int
    private var bar: ProgressBar?
    init(epochs: Int) { self.epochs = epochs }

    func handle(_ event: TrainerEvent) {
        switch event {
        case .started(let s):
            let prefix = s.frozenPrefix.isEmpty ? "all layers trained" : "frozen: \(s.frozenPrefix.first!)...\(s.frozenPrefix.last!)"
            FileHandle.standardError.write(Data(("train \(s.trainCount), validation \(s.validationCount), test \(s.testCount) images; "
                + "\(prefix); \(s.trainedParameters) parameter tensors learn"
                + (s.usesFeatureCache ? "; frozen-prefix features cached" : "")
                + (s.liftedFreeze > 0 ? "; \(s.liftedFreeze) tensors saved as trainable: false are trained (--tune-from reaches them)" : "")
                + (s.skippedImages > 0 ? "; \(s.skippedImages) bad images skipped" : "")
                + (s.startEpoch > 0 ? "; resuming after epoch \(s.startEpoch)" : "") + "\n").utf8))
        case .batch(let epoch, let batch, let batches, let loss, let speed):
            if bar == nil { bar = ProgressBar(total: batches, label: "epoch \(epoch)/\(epochs)", interactive: isatty(STDERR_FILENO) == 1) }
            if isatty(STDERR_FILENO) == 1 {
                bar?.update(batch, status: String(format: "loss %.4f  %.1f img/s", loss, speed))
            }
        case .epochFinished(let r):
            bar = nil
            let auc = r.validationAUC.map { String(format: "%.4f", $0) } ?? "n/a"
            let line = String(format: "epoch %d/%d  loss %.4f  val AUC %@  val acc %.3f  lr %.2g  %.1f img/s  %.1fs%@\n",
                              r.epoch, epochs, r.trainLoss, auc, r.validationAccuracy, r.learningRate, r.imagesPerSecond, r.seconds,
                              r.best ? "  *best" : "")
            FileHandle.standardError.write(Data(line.utf8))
        case .earlyStop(let epoch, let best):
            FileHandle.standardError.write(Data("early stop after epoch \(epoch); best epoch \(best)\n".utf8))
        }
    }
}

/// An append-only log file, one line per call.
final class LogFile {
    private let handle: FileHandle
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CommandFailure("\(path): cannot create log file") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CommandFailure("\(path): cannot open log file") }
        handle.seekToEndOfFile()
        self.handle = handle
    }
    func append(_ line: String) { handle.write(Data((line + "\n").utf8)) }
    deinit { try? handle.close() }
}

/// The end-of-run summary printed by `tune`.
struct TuneReport {
    var outcome: TuneOutcome
    var output: String
    var text: String {
        let t = outcome.test, v = outcome.validation
        var table = TextTable([("split", .left), ("images", .right), ("AUC", .right), ("95% CI", .left), ("accuracy", .right)])
        table.add(["validation", String(v.count), String(format: "%.4f", v.auc), String(format: "%.3f-%.3f", v.aucLow, v.aucHigh),
                   String(format: "%.3f", v.accuracy)])
        table.add(["test", String(t.count), String(format: "%.4f", t.auc), String(format: "%.3f-%.3f", t.aucLow, t.aucHigh),
                   String(format: "%.3f", t.accuracy)])
        return "best epoch \(outcome.bestEpoch) of \(outcome.history.count) run\n" + table.render() + "\nwrote \(output)"
    }
}
