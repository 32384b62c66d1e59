import ArgumentParser
import Foundation
import GraftCore
import GraftKeras

/// The frameworks `graft convert` reads, told apart by file extension (or `--from`). Each has one
/// ``ModelConverter``; a new framework adds a case, its extensions and its converter, and nothing
/// else changes.
enum SourceFormat: String, CaseIterable, ExpressibleByArgument {
    case caffe
    case keras
    case onnx

    /// The extensions (lower case, no dot) each format's files have.
    var pathExtensions: [String] {
        switch self {
        case .caffe: ["prototxt", "caffemodel"]
        case .keras: ["h5", "hdf5", "keras", "json"]
        case .onnx: ["onnx"]
        }
    }

    /// "Caffe", "Keras", "ONNX".
    var displayName: String {
        switch self {
        case .caffe: "Caffe"
        case .keras: "Keras"
        case .onnx: "ONNX"
        }
    }

    init?(path: String) {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard let format = Self.allCases.first(where: { $0.pathExtensions.contains(ext) }) else { return nil }
        self = format
    }

    var converter: any ModelConverter.Type {
        switch self {
        case .caffe: CaffeConverter.self
        case .keras: KerasConverter.self
        case .onnx: ONNXConverter.self
        }
    }
}

/// What every converter is told besides its input files.
struct ConversionOptions {
    var inputShape: [Int]?
    var mean: [Float]?
    /// ONNX: per-channel (or single) factor applied after the mean.
    var scale: [Float]?
    var meanFile: String?
    var strict = false
    var seed: UInt64 = 0
    /// Keras: preprocessing mode (nil: recognised applications, else none).
    var preprocess: KerasPreprocessChoice?
    /// Keras: the backend the weights were trained with when the file does not say (theano flips kernels).
    var sourceBackend: KerasSourceBackend?
}

/// `--preprocess`: the `keras.applications` modes a user can name.
enum KerasPreprocessChoice: String, CaseIterable, ExpressibleByArgument {
    case caffe, tf, torch, none

    var mode: KerasPreprocessingMode {
        switch self {
        case .caffe: .caffe
        case .tf: .tf
        case .torch: .torch
        case .none: .none
        }
    }
}

extension KerasSourceBackend: ExpressibleByArgument {}

/// One framework's files to a Graft model.
protocol ModelConverter {
    /// Checks that `inputs` form one model of this format (e.g. one prototxt and one caffemodel);
    /// the message says what is wrong.
    static func validate(inputs: [String]) -> String?
    /// Reads and converts; warnings are returned, errors thrown.
    static func convert(inputs: [String], options: ConversionOptions) throws -> Conversion
}

/// What a converter produced.
struct Conversion {
    var model: Model
    var warnings: [String]
    /// The final provenance when part of it is still being computed (digests of large sources,
    /// hashed on another thread): the writer calls it once the tensor data is written, and
    /// `model.provenance` holds placeholders of the same length until then.
    var completeProvenance: (() throws -> Provenance)?

    init(model: Model, warnings: [String], completeProvenance: (() throws -> Provenance)? = nil) {
        self.model = model
        self.warnings = warnings
        self.completeProvenance = completeProvenance
    }
}
