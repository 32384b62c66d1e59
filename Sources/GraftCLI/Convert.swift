import ArgumentParser
import Foundation
import GraftCore
import GraftKeras

extension GraftCommand {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a framework's model files to a .graft file.",
            discussion: """
                Caffe: a deploy .prototxt with its .caffemodel (weights matched to layers by name); a \
                .caffemodel alone (its embedded net, training-only layers dropped; --input-shape when it \
                declares no input); or a .prototxt alone (random weights from its fillers, --seed). \
                Keras: a full-model .h5 (Keras 2, tf.keras or Keras 3), a .keras archive, or a weights-only \
                .h5 / Keras 3 .weights.h5 with its architecture (.json or a full-model file); \
                --preprocess caffe|tf|torch|none records how inputs are scaled, --source-backend theano \
                flips Theano-trained kernels. ONNX: a .onnx file (opsets 6 to 28, external data beside it); \
                operators Graft cannot compute become opaque nodes (--strict refuses them), --mean and \
                --scale override the recorded preprocessing, --input-shape fixes symbolic dims. Warnings go to stderr; the output file is written \
                atomically and only on success.
                """)

        @Argument(help: "The source files (.prototxt, .caffemodel; .h5, .hdf5, .keras, .json; .onnx).") var inputs: [String]
        @Option(name: .shortAndLong, help: "Where to write the .graft file.") var output: String
        @Option(help: "Source format (default: from the file extensions): \(SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var from: SourceFormat?
        @Option(help: "Input shape N,C,H,W, overriding (or supplying) the net's.") var inputShape: String?
        @Option(help: "A .binaryproto mean image; its per-channel means go into the preprocessing.") var meanFile: String?
        @Option(help: "Per-channel mean to subtract, in the net's channel order, e.g. 104,117,123.") var mean: String?
        @Option(help: "ONNX: per-channel (or one) factor applied after the mean, e.g. 0.017.") var scale: String?
        @Flag(help: "Refuse unknown fields, unused or missing weights and opaque layers instead of warning.") var strict = false
        @Option(help: "Caffe: seed for random weights (a prototxt without weights; default 0).") var seed: UInt64?
        @Option(help: "Keras: input preprocessing (default: known applications, else none).")
        var preprocess: KerasPreprocessChoice?
        @Option(help: "Keras: the backend the weights come from when the file does not say.")
        var sourceBackend: KerasSourceBackend?

        var format: SourceFormat? {
            if let from { return from }
            let formats = Set(inputs.compactMap(SourceFormat.init(path:)))
            return formats.count == 1 ? formats.first : nil
        }

        static func numbers<T: LosslessStringConvertible>(_ text: String, _ option: String) throws -> [T] {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap { T($0) }
            guard !parts.isEmpty, values.count == parts.count else {
                throw ValidationError("\(option) '\(text)' must be comma-separated numbers.")
            }
            return values
        }

        func validate() throws {
            guard !inputs.isEmpty else { throw ValidationError("give the model files to convert.") }
            for input in inputs where from == nil && SourceFormat(path: input) == nil {
                throw ValidationError("cannot tell the format of '\(input)' from its extension; pass --from.")
            }
            guard let format else { throw ValidationError("the inputs mix formats; convert one model at a time.") }
            if let problem = format.converter.validate(inputs: inputs) { throw ValidationError(problem) }
            if let inputShape {
                let dims: [Int] = try Self.numbers(inputShape, "--input-shape")
                guard dims.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--input-shape dims must be positive.") }
            }
            if let mean { _ = try Self.numbers(mean, "--mean") as [Float] }
            if let scale { _ = try Self.numbers(scale, "--scale") as [Float] }
            if mean != nil && meanFile != nil { throw ValidationError("give --mean or --mean-file, not both.") }
            // A flag another format would read is refused, not ignored.
            let formatFlags: [(flag: String, given: Bool, formats: [SourceFormat])] = [
                ("--mean-file", meanFile != nil, [.caffe]), ("--mean", mean != nil, [.caffe, .onnx]),
                ("--scale", scale != nil, [.onnx]), ("--seed", seed != nil, [.caffe]),
                ("--preprocess", preprocess != nil, [.keras]), ("--source-backend", sourceBackend != nil, [.keras]),
            ]
            for (flag, given, formats) in formatFlags where given && !formats.contains(format) {
                throw ValidationError("\(flag) applies to \(formats.map(\.displayName).joined(separator: " and ")) models, "
                                      + "not to \(format.displayName) ones.")
            }
        }

        func run() throws {
            var options = ConversionOptions(strict: strict, seed: seed ?? 0)
            options.inputShape = try inputShape.map { try Self.numbers($0, "--input-shape") }
            options.mean = try mean.map { try Self.numbers($0, "--mean") }
            options.scale = try scale.map { try Self.numbers($0, "--scale") }
            options.meanFile = meanFile
            options.preprocess = preprocess
            options.sourceBackend = sourceBackend
            let conversion = try format!.converter.convert(inputs: inputs, options: options)
            let (model, warnings) = (conversion.model, conversion.warnings)
            for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            let writeStart = Date()
            if let complete = conversion.completeProvenance {
                try NativeWriter.write(model, to: output, provenance: complete)
            } else {
                try NativeWriter.write(model, to: output)
            }
            if ProcessInfo.processInfo.environment["GRAFT_TIMING"] != nil {
                FileHandle.standardError.write(Data(String(format: "timing: write %.3f s\n", Date().timeIntervalSince(writeStart)).utf8))
            }
            let parameters = model.graph.parameterTensors.reduce(0) { $0 + $1.spec.shape.elementCount }
            print("wrote \(output): \(model.graph.nodes.count) nodes, \(Format.grouped(parameters)) parameters"
                  + (warnings.isEmpty ? "" : ", \(warnings.count) warning(s)"))
        }
    }
}
