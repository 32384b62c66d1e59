import ArgumentParser
import Foundation
import GraftCore
import GraftEngine
import GraftIO

extension GraftCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a model's outputs with a reference computed by another implementation.",
            discussion: """
                The reference .npz holds `input` and either `out:<name>` arrays or a single `output` \
                (the graph's output). Each <name> is a value of the graph, else a node (its first output: \
                OpenCV names Caffe outputs by layer), else whatever --map names; the line before the table \
                says which. Outputs are compared element by element in their original order. \
                An element passes when |graft - reference| <= atol + rtol * |reference|; the exit status is \
                non-zero if any element of any output fails.
                """)

        @Argument(help: "The .graft file.") var model: String
        @Option(help: "Reference .npz (input plus out:<name> or output arrays).") var reference: String
        @Option(help: "Relative tolerance.") var rtol: Float = 1e-4
        @Option(help: "Absolute tolerance.") var atol: Float = 1e-5
        @Option(help: "Layout of the reference's 4-D arrays: nchw (Caffe, OpenCV) or nhwc (Keras).") var layout: Layout = .nchw
        @Flag(help: "Print the comparison as JSON.") var json = false
        @Option(name: .customLong("map"), help: ArgumentHelp("Compare reference array out:<ref> with graph value <value> (repeatable).",
                                                             valueName: "ref=value"))
        var maps: [String] = []

        func run() throws {
            let file = try NativeFile.open(model)
            let arrays = try NPZ.read(path: reference)
            guard let input = arrays.first(where: { $0.name == "input" })?.tensor else {
                throw CommandFailure("\(reference): has no 'input' array")
            }
            let names = try ReferenceNames(graph: file.graph, file: model, maps: maps)
            let keys = Set(arrays.map(\.name).filter { $0.hasPrefix("out:") }.map { String($0.dropFirst(4)) })
            for key in names.mapped.keys.sorted() where !keys.contains(key) {
                throw CommandFailure("--map \(key)=\(names.mapped[key]!): \(reference) has no array out:\(key)")
            }
            var expected: [(name: String, label: String, tensor: Tensor)] = []
            var resolutions: [String] = []
            for (name, tensor) in arrays where name != "input" {
                if name.hasPrefix("out:") {
                    let (value, _, description) = try names.resolve(String(name.dropFirst(4)))
                    resolutions.append("\(name) is \(description)")
                    expected.append((value, name, tensor.nchw(from: layout)))
                } else if name == "output" {
                    guard file.graph.outputs.count == 1 else {
                        throw CommandFailure("\(reference): 'output' is ambiguous; the model has \(file.graph.outputs.count) outputs")
                    }
                    expected.append((file.graph.outputs[0], name, tensor.nchw(from: layout)))
                }
            }
            guard !expected.isEmpty else { throw CommandFailure("\(reference): has no 'out:<name>' or 'output' arrays") }
            let actual = try ModelRunner(file: file, retaining: expected.map(\.name)).runCommand(input.nchw(from: layout), values: expected.map(\.name))
            var comparisons: [TensorComparison] = []
            for ((value, label, reference), (_, tensor)) in zip(expected, actual) {
                var c = TensorComparison(name: label, actual: tensor, expected: reference, rtol: rtol, atol: atol)
                c.value = value
                comparisons.append(c)
            }
            // Which value each key was compared with; on stderr when stdout is JSON.
            for line in resolutions {
                if json { FileHandle.standardError.write(Data("note: \(line)\n".utf8)) } else { print(line) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(comparisons), as: UTF8.self))
            } else {
                var table = TextTable([("output", .left), ("shape", .left), ("max abs", .right), ("max rel", .right),
                                       ("cosine", .right), ("top-1", .right), ("result", .left)])
                for c in comparisons {
                    table.add([c.name, c.shape, Format.float(c.maxAbsolute), Format.float(c.maxRelative),
                               String(format: "%.7f", c.cosine), "\(c.top1Agreements)/\(c.top1Total)",
                               c.passed ? "ok" : "FAIL (\(c.failing) elements)"])
                }
                print(table.render())
                print("tolerance: |graft - reference| <= \(atol) + \(rtol) * |reference|")
            }
            if comparisons.contains(where: { !$0.passed }) { throw ExitCode(1) }
        }
    }
}
