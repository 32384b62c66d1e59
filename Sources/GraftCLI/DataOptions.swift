import ArgumentParser
import GraftCore
import GraftData
import GraftVolume

/// Dataset options shared by `tune`, `eval` and `study`: where the images are, which classes,
/// and how the splits are drawn (the same options give the same splits).
struct DataOptions: ParsableArguments {
    @Option(help: "An image folder (one subfolder per class), a MedMNIST-style .npz, or a CSV of path,label[,group].")
    var data: String
    @Option(help: "Make the task binary: these classes (comma-separated) against the rest, e.g. malignant.")
    var positive: String?
    @Option(help: "Fraction of the data for validation (ignored for .npz with its own splits).") var valFraction: Double = 0.15
    @Option(help: "Fraction of the data for testing (ignored for .npz with its own splits).") var testFraction: Double = 0.15
    @Option(help: "Seed for splits, data order, augmentation, dropout and new weights.") var seed: UInt64 = 0
    @Flag(help: "Skip unreadable or too small images (and count them) instead of stopping.") var skipBad = false
    @Option(name: .customLong("window"), help: ArgumentHelp(
        "An intensity window for DICOM and NIfTI images: a preset (lung, mediastinum, pe, bone, brain) or LEVEL,WIDTH in the images' units (HU for CT). Once for a grey input, three times for one window per channel; recorded in the tuned model. A negative level needs '=': --window=-600,1500.",
        valueName: "window")) var windows: [IntensityWindow] = []

    @Option(help: "Candidates CSV: the patch's side in millimetres.") var patchMm: Double = 40
    @Option(help: "Candidates CSV: samples along the patch's side (the pipeline then resizes to the model's input).") var patchPixels: Int = 64
    @Option(help: "Candidates CSV: 2d (one plane, a channel per window), 2.5d (adjacent slices) or 3plane (axial, coronal, sagittal).")
    var patchLayout: PatchSampler.Layout = .planar
    @Option(help: "A volume,mask CSV: lesion patches (and as many background ones) per volume.") var patchesPerVolume: Int = 16

    func validate() throws {
        guard patchMm > 0, patchMm.isFinite, (4...1024).contains(patchPixels) else {
            throw ValidationError("--patch-mm must be positive and --patch-pixels within 4...1024.")
        }
        guard valFraction > 0, testFraction > 0, valFraction + testFraction < 1 else {
            throw ValidationError("--val-fraction and --test-fraction must be positive and sum below 1.")
        }
    }

    /// How a candidates CSV is cut for `model` (its recorded windows and channel order).
    func candidatePatches(for model: Model) -> CandidatePatches {
        let preprocessing = model.effectivePreprocessing
        return CandidatePatches(sampler: sampler, windows: preprocessing.windows ?? [], channelOrder: preprocessing.channelOrder)
    }

    var sampler: PatchSampler { PatchSampler(sideMillimetres: patchMm, pixels: patchPixels, layout: patchLayout) }

    /// The dataset, relabelled to binary when `--positive` is given; a candidates CSV is cut into
    /// patches through `model`'s windows.
    func load(for model: Model) throws -> Dataset {
        var dataset = try DatasetLoader.load(data, candidates: candidatePatches(for: model), patchesPerVolume: patchesPerVolume, seed: seed)
        if let positive {
            dataset = try dataset.binary(positive: Set(positive.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }))
        }
        return dataset
    }

    /// The splitter these options describe.
    var splitter: Splitter { Splitter(validationFraction: valFraction, testFraction: testFraction, seed: seed) }
}

extension PatchSampler.Layout: ExpressibleByArgument {}

extension IntensityWindow: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension Model {
    /// `--window`: the windows recorded in the model's preprocessing (or checked against those it
    /// was tuned with), errors worded for the command line.
    func withWindows(_ windows: [IntensityWindow]) throws -> Model {
        do { return try recordingWindows(windows) } catch { throw CommandFailure("--window: \(error)") }
    }

    /// `--input-size`: the model resized to `size` x `size`, errors worded for the command line.
    func withInputSize(_ size: Int) throws -> Model {
        do {
            return try resizingInput(height: size, width: size)
        } catch {
            throw CommandFailure("--input-size \(size): the model cannot take \(size)x\(size) inputs: \(error)")
        }
    }
}
