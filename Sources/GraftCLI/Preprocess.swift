import ArgumentParser
import Foundation
import GraftCore
import GraftData
import GraftIO

extension GraftCommand {
    struct Preprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the arrays a model would see for some images (PNG, JPEG, DICOM, NIfTI) as a .npy.",
            discussion: """
                The inputs go through exactly what `tune`, `eval` and `predict` do (decoding, the \
                model's intensity windows, resizing, channel order, value range, the recorded steps; \
                no augmentation), into one N x C x H x W float32 array, so windows and crops can be \
                checked, or the arrays fed to another framework.
                """)

        @Argument(help: "The .graft model whose preprocessing applies.") var model: String
        @Argument(help: "Image files.") var inputs: [String]
        @Option(name: .shortAndLong, help: "Where to write the .npy.") var output: String
        @Option(name: .customLong("window"), help: ArgumentHelp(
            "An intensity window for DICOM and NIfTI images (see `graft tune --help`), when the model records none.",
            valueName: "window")) var windows: [IntensityWindow] = []

        func run() throws {
            let loaded = try NativeFile.open(model).loadModel().withWindows(windows)
            let preprocessing = loaded.effectivePreprocessing
            let pipeline = try ImagePipeline(preprocessing: preprocessing)
            let tensor = pipeline.inputs(try pipeline.read(inputs))
            try NPY.write(tensor, to: output)
            print("\(output): \(tensor.shape) float32; \(preprocessing.summary)")
        }
    }
}
