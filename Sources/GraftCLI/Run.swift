import ArgumentParser
import Foundation
import GraftCore
import GraftEngine
import GraftIO

extension Layout: ExpressibleByArgument {}

extension GraftCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a forward pass on an .npy input and print or save the outputs.")

        @Argument(help: "The .graft file.") var model: String
        @Option(help: "Input array (.npy), batch first.") var input: String
        @Option(help: "Layout of the input (and of 4-D outputs written): nchw or nhwc.") var layout: Layout = .nchw
        @Option(name: .shortAndLong, help: "Write the outputs to this .npz (keys input and out:<name>).") var output: String?
        @Option(name: .customLong("blob"), help: "A value to output (repeatable; default: the graph's outputs).")
        var blobs: [String] = []
        @Option(help: "BLAS threads (default: all cores).") var threads: Int?

        func run() throws {
            if let threads { ComputeThreads.set(threads) }
            let file = try NativeFile.open(model)
            let input = try NPY.read(path: self.input).nchw(from: layout)
            let outputs = try ModelRunner(file: file, retaining: blobs).runCommand(input, values: blobs)
            var table = TextTable([("output", .left), ("shape", .left), ("min", .right), ("max", .right), ("argmax", .left)])
            for (name, tensor) in outputs {
                let stats = TensorStatistics(tensor.scalars)
                table.add([name, tensor.shape.description, Format.float(stats.min), Format.float(stats.max),
                           argmaxSummary(tensor)])
            }
            print(table.render())
            if let output {
                try NPZ.write([("input", input.converted(to: layout))] + outputs.map { ("out:\($0.name)", $0.tensor.converted(to: layout)) },
                              to: output)
                print("wrote \(output)")
            }
        }
    }
}

/// "3 (0.912)" for a batch of one; the first few for larger batches.
func argmaxSummary(_ t: Tensor) -> String {
    guard t.shape.rank >= 2, t.shape[0] >= 1 else { return "" }
    let n = t.shape[0], row = t.elementCount / n
    return (0..<min(n, 4)).map { b in
        let slice = t.scalars[(b * row)..<((b + 1) * row)]
        let best = slice.indices.max { slice[$0] < slice[$1] }!
        return "\(best - b * row) (\(Format.float(slice[best])))"
    }.joined(separator: ", ") + (n > 4 ? ", …" : "")
}

extension ModelRunner {
    /// Runs `input`, turning a shape mismatch into a hint about `--layout`.
    func runCommand(_ input: Tensor, values: [String]) throws -> [(name: String, tensor: Tensor)] {
        do {
            return try run(input, values: values)
        } catch .wrongInputShape(let name, let expected, let actual) {
            throw CommandFailure("input has shape \(actual), the model's input '\(name)' takes \(expected)"
                + " (use --layout nhwc for channels-last arrays)")
        }
    }
}
