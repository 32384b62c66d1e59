import ArgumentParser
import GraftMetrics
import Foundation
import GraftCore
import GraftData
import GraftImage
import GraftPlot
import GraftTraining

extension GraftCommand {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a classifier on labelled images: AUC with a bootstrap interval, accuracy, confusion matrix, ROC curve.",
            discussion: """
                With the same --data, --positive, --seed and fractions as `graft tune`, --split test evaluates \
                exactly the test images the run held out. The ROC curve is written as SVG and PNG.
                """)

        enum Split: String, ExpressibleByArgument, CaseIterable { case test, validation, train, all }

        @Argument(help: "The .graft classifier.") var model: String
        @OptionGroup var data: DataOptions
        @Option(help: "Which images: test, validation, train or all.") var split: Split = .test
        @Option(help: "Batch size for inference.") var batchSize: Int = 32
        @Option(help: "Bootstrap resamples for the AUC interval.") var bootstrap: Int = 1000
        @Option(help: "Where to write the ROC plot (without extension; default: next to the model).") var roc: String?
        @Flag(help: "Print the metrics as one JSON object.") var json = false

        func run() throws {
            let file = try NativeFile.open(model)
            let loaded = try file.loadModel().withWindows(data.windows)
            let dataset = try data.load(for: loaded)
            let splits = try data.splitter.split(dataset)
            let samples: [Sample] = switch split {
            case .test: splits.test
            case .validation: splits.validation
            case .train: splits.train
            case .all: dataset.samples
            }
            let pipeline = try ImagePipeline(preprocessing: loaded.effectivePreprocessing)
            let bank = try ImageBank(samples: samples, pipeline: pipeline, minimumSize: 1, skipBad: data.skipBad)
            let probabilities = try Predictor(model: loaded, pipeline: pipeline, batchSize: batchSize).probabilities(bank.images)
            guard probabilities.first?.count == dataset.classes.count else {
                throw CommandFailure("the model has \(probabilities.first?.count ?? 0) outputs but the data has \(dataset.classes.count) classes")
            }
            let metrics = ClassificationMetrics(probabilities: probabilities, labels: bank.labels, bootstrap: bootstrap, seed: data.seed)
            let base = roc ?? (model.hasSuffix(".graft") ? String(model.dropLast(6)) : model) + "-roc"
            let written = try Self.rocPlot(metrics, classes: dataset.classes, title: "ROC: \(URL(fileURLWithPath: model).lastPathComponent) on \(dataset.name) (\(split.rawValue))").write(to: base)
            if json {
                let object = EvalJSON(model: model, data: data.data, split: split.rawValue, images: metrics.count, skipped: bank.skipped.count,
                                      classes: dataset.classes, auc: metrics.auc, aucLow: metrics.aucLow, aucHigh: metrics.aucHigh,
                                      accuracy: metrics.accuracy, confusion: metrics.confusion, plots: written)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(object), as: UTF8.self))
                return
            }
            print("\(metrics.count) images (\(split.rawValue) split of \(dataset.name))" + (bank.skipped.isEmpty ? "" : ", \(bank.skipped.count) skipped"))
            print(String(format: "AUC %.4f (95%% CI %.3f-%.3f)%@   accuracy %.4f", metrics.auc, metrics.aucLow, metrics.aucHigh,
                         dataset.classes.count > 2 ? " macro one-vs-rest" : "", metrics.accuracy))
            var table = TextTable([("true \\ predicted", .left)] + dataset.classes.map { ($0, .right) })
            for (c, row) in metrics.confusion.enumerated() { table.add([dataset.classes[c]] + row.map(String.init)) }
            print(table.render())
            print("ROC curve: " + written.joined(separator: ", "))
        }

        static func rocPlot(_ metrics: ClassificationMetrics, classes: [String], title: String) -> LinePlot {
            var plot = LinePlot(title: title, xLabel: "false positive rate", yLabel: "true positive rate", xRange: 0...1, yRange: 0...1,
                                diagonal: true)
            let names = metrics.roc.count == 1 ? [classes.last ?? "positive"] : classes
            for (curve, name) in zip(metrics.roc, names) {
                plot.series.append(.init(name: String(format: "%@ (AUC %.3f)", name, curve.auc),
                                         points: curve.points.map { ($0.falsePositiveRate, $0.truePositiveRate) }))
            }
            return plot
        }
    }
}

/// What `graft eval --json` prints.
struct EvalJSON: Encodable {
    var model: String
    var data: String
    var split: String
    var images: Int
    var skipped: Int
    var classes: [String]
    var auc: Double
    var aucLow: Double
    var aucHigh: Double
    var accuracy: Double
    var confusion: [[Int]]
    var plots: [String]

    enum CodingKeys: String, CodingKey {
        case model, data, split, images, skipped, classes, auc, accuracy, confusion, plots
        case aucLow = "auc_low", aucHigh = "auc_high"
    }
}
