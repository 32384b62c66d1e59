import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftImage
import GraftTraining

extension GraftCommand {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print class probabilities for images (PNG, JPEG, DICOM or NIfTI).")

        @Argument(help: "The .graft classifier.") var model: String
        @Argument(help: "Image files.") var images: [String]
        @Option(help: "Show the most likely classes only.") var top: Int?
        @Option(name: .customLong("window"), help: ArgumentHelp(
            "An intensity window for DICOM and NIfTI images (see `graft tune --help`), when the model records none.",
            valueName: "window")) var windows: [IntensityWindow] = []

        func run() throws {
            let loaded = try NativeFile.open(model).loadModel().withWindows(windows)
            let pipeline = try ImagePipeline(preprocessing: loaded.effectivePreprocessing)
            let decoded = try pipeline.read(images).map(pipeline.prepared)
            let probabilities = try Predictor(model: loaded, pipeline: pipeline, batchSize: min(max(images.count, 1), 16))
                .probabilities(decoded)
            let labels = loaded.training?.classLabels ?? []
            for (path, row) in zip(images, probabilities) {
                let ranked = row.indices.sorted { row[$0] > row[$1] }.prefix(top ?? row.count)
                let cells = ranked.map { i in String(format: "%@ %.4f", i < labels.count ? labels[i] : "class \(i)", row[i]) }
                print("\(path): " + cells.joined(separator: ", "))
            }
        }
    }
}
