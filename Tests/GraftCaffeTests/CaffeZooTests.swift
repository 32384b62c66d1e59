import Foundation
import Synchronization
import Testing
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
@testable import GraftCaffe

/// The public zoo's deploy prototxts (`Tests/Fixtures/caffe/zoo`, and the unlicensed ones under
/// `$GRAFT_CAFFE_ZOO`): each imported with scaled random weights (all-zero Caffe defaults would
/// agree trivially), exported to a caffemodel, and OpenCV's reader run on the *original* prototxt
/// with those weights; every layer output OpenCV returns is compared with Graft's.
/// `GRAFT_CAFFE_ZOO_ONLY=a,b` runs only those models; each row is printed as its network finishes
/// and, with `GRAFT_CAFFE_ZOO_TABLE=path`, the table of those finished is written as Markdown.
struct CaffeZooTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        var name: String
        var file: String
        /// The shape Graft and OpenCV run (batch 1; smaller images where the net allows).
        var input: [Int]
        /// Caffe layer types Graft keeps opaque on purpose (SSD's DetectionOutput, whose inputs
        /// are compared): the row is ok when these are the only layers not run.
        var opaque: Set<String> = []
        /// OpenCV 4's Axpy computes `a·y + x` where SENet's `axpy_layer.cpp` computes `a·x + y`
        /// (bottoms 1 and 2 swapped): OpenCV then reads the prototxt with those bottoms swapped
        /// back, so that both sides compute Caffe's Axpy.
        var swapAxpyBottomsForOpenCV = false

        var testDescription: String { name }
    }

    static let entries: [Entry] = [
        Entry(name: "BVLC AlexNet", file: "bvlc_alexnet.prototxt", input: [1, 3, 227, 227]),
        Entry(name: "BVLC CaffeNet", file: "bvlc_reference_caffenet.prototxt", input: [1, 3, 227, 227]),
        Entry(name: "BVLC GoogLeNet", file: "bvlc_googlenet.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "VGG16", file: "vgg16.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "VGG19", file: "vgg19.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "ResNet-50", file: "resnet50.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "ResNet-101", file: "resnet101.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "ResNet-152", file: "resnet152.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "SqueezeNet 1.0", file: "squeezenet_v1.0.prototxt", input: [1, 3, 227, 227]),
        Entry(name: "SqueezeNet 1.1", file: "squeezenet_v1.1.prototxt", input: [1, 3, 227, 227]),
        Entry(name: "MobileNet v1", file: "mobilenet_v1.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "MobileNet v2", file: "mobilenet_v2.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "DenseNet-121 (soeaver)", file: "densenet121_soeaver.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "DenseNet-121 (shicai)", file: "densenet121.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "Inception-v3", file: "inception_v3.prototxt", input: [1, 3, 299, 299]),
        Entry(name: "Inception-v4", file: "inception_v4.prototxt", input: [1, 3, 299, 299]),
        Entry(name: "SE-ResNet-50", file: "se_resnet50.prototxt", input: [1, 3, 224, 224],
              swapAxpyBottomsForOpenCV: true),
        Entry(name: "ShuffleNet 1x g3", file: "shufflenet_1x_g3.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "ShuffleNet v2 1x", file: "shufflenet_v2_1x.prototxt", input: [1, 3, 224, 224]),
        Entry(name: "SSD300 VGG16", file: "ssd300_vgg16.prototxt", input: [1, 3, 300, 300], opaque: ["DetectionOutput"]),
        Entry(name: "MobileNet-SSD", file: "mobilenet_ssd.prototxt", input: [1, 3, 300, 300], opaque: ["DetectionOutput"]),
    ]

    /// The committed fixtures.
    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/caffe/zoo").path
    /// Where a developer keeps the zoo prototxts whose repositories state no licence (so they are
    /// not committed; see Tests/Fixtures/caffe/zoo/README.md): `$GRAFT_CAFFE_ZOO`, else
    /// `.build-caffe-zoo/` in the repository (ignored by git). Absent ones are listed, not failed.
    static let cacheDirectory = ProcessInfo.processInfo.environment["GRAFT_CAFFE_ZOO"]
        ?? SharedData.repositoryRoot.appendingPathComponent(".build-caffe-zoo").path

    static func path(of entry: Entry) -> String? {
        [fixtureDirectory, cacheDirectory].map { $0 + "/" + entry.file }.first { FileManager.default.fileExists(atPath: $0) }
    }

    static var selected: [Entry] {
        guard let only = ProcessInfo.processInfo.environment["GRAFT_CAFFE_ZOO_ONLY"], !only.isEmpty else { return entries }
        let names = only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return entries.filter { e in names.contains { e.file.lowercased().hasPrefix($0) || e.name.lowercased() == $0 } }
    }

    /// One row of the table.
    struct Row {
        var entry: Entry
        var layers = 0
        var compared = 0
        var failing: [String] = []
        /// The blob whose largest error is the largest part of its tolerance.
        var worst: (blob: String, agreement: TensorComparison)?
        var problem: String?
        /// The layers kept opaque on purpose (``Entry/opaque``) and how many nodes were not run.
        var notRun: String?
        /// The agreement of each ``reportedKinds`` node, printed apart from the table.
        var reported: [(blob: String, op: String, agreement: TensorComparison)] = []
        /// Blobs outside tolerance end to end that agree when their layer alone is run on
        /// OpenCV's own inputs to it: the layer computes what OpenCV's does, and the difference is
        /// rounding carried in from upstream (random deep nets amplify it; SE-ResNet's sigmoid
        /// gates most of all).
        var carried: [(blob: String, endToEnd: TensorComparison, alone: TensorComparison)] = []

        var markdown: String {
            let status: String
            if let problem { status = problem }
            else if failing.isEmpty {
                var notes = notRun.map { [$0] } ?? []
                if !carried.isEmpty {
                    notes.append("\(carried.count) blob(s) off by rounding carried from upstream, each agreeing on OpenCV's inputs")
                }
                status = "ok" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
            }
            else { status = "\(failing.count) blob(s) outside tolerance: " + failing.prefix(3).joined(separator: ", ") }
            let worstText = worst.map { w in
                String(format: "%.2g / %.2g (`%@`)", Double(w.agreement.maxAbsolute), Double(w.agreement.maxRelative), w.blob)
            } ?? "-"
            return "| \(entry.name) | \(layers) | \(compared) | \(worstText) | \(status) |"
        }
    }

    static let header = """
        | model | layers | blobs compared | largest max-abs / max-rel error (blob) | result |
        |---|---|---|---|---|
        """

    /// One case per network, so that the networks run concurrently with each other and with the
    /// other suites (run one after another in a debug build they were CI's longest test by ten
    /// minutes).
    @Test(.enabled(if: CrossCheck.runs(CaffeTesting.openCVPython != nil), "set GRAFT_PYTHON to a python with opencv-python-headless<5"),
          arguments: CaffeZooTests.selected)
    func zooMatchesOpenCV(_ entry: Entry) throws {
        let python = try #require(CaffeTesting.openCVPython)
        let started = ContinuousClock.now
        let row: Row
        if let path = Self.path(of: entry) {
            row = Self.compare(entry, path: path, python: python)
        } else {
            row = Row(entry: entry, problem: "prototxt absent (not committed: no licence; see Tests/Fixtures/caffe/zoo/README.md)")
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        print("caffe zoo: " + row.markdown + String(format: " (%.0f s)", seconds))
        for r in row.reported { print("caffe zoo:   \(entry.name) \(r.blob) (\(r.op)): \(r.agreement)") }
        for c in row.carried { print("caffe zoo:   \(entry.name) \(c.blob): end to end \(c.endToEnd); alone on OpenCV's inputs \(c.alone)") }
        // Written under the lock: a case that finished earlier must not overwrite a later table.
        try Self.finished.withLock { rows in
            rows[entry.file] = row.markdown
            guard let out = ProcessInfo.processInfo.environment["GRAFT_CAFFE_ZOO_TABLE"] else { return }
            let table = ([Self.header] + Self.selected.compactMap { rows[$0.file] }).joined(separator: "\n")
            try (table + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
        guard FileManager.default.fileExists(atPath: Self.fixtureDirectory + "/" + entry.file) else { return }
        #expect(row.problem == nil, "\(entry.name): \(row.problem ?? "")")
        #expect(row.failing.isEmpty, "\(entry.name): \(row.failing.count) failing, first \(row.failing.prefix(5))")
        #expect(row.compared >= row.layers / 2, "\(entry.name): only \(row.compared) of \(row.layers) layers compared")
    }

    /// The rows of the networks compared so far, by file: each case rewrites the table
    /// (`GRAFT_CAFFE_ZOO_TABLE`) with every row finished, in the order of ``entries``.
    static let finished = Mutex<[String: String]>([:])

    /// Operations whose agreement is printed per node (SSD's Normalize and the PriorBox grids), so
    /// that they are seen even when another blob is the row's worst.
    static let reportedKinds: Set<OpKind> = [.l2Norm, .constant]

    /// Imports, exports, runs both sides and compares; a failing step becomes the row's problem.
    static func compare(_ entry: Entry, path: String, python: String) -> Row {
        var row = Row(entry: entry)
        let directory = TemporaryDirectory()
        let imported: CaffeImport
        do {
            let net = try CaffePrototxt.read(path: path)
            row.layers = net.layers.count
            imported = try CaffeImporter.importNet(net, file: path, weights: nil, weightsFile: nil,
                                                   options: CaffeImportOptions(inputShape: entry.input, seed: 7, weightInit: .scaled))
        } catch { row.problem = "import: \(error)"; return row }
        let export: CaffeExport
        do { export = try CaffeExporter.export(imported.model, to: directory.path("caffe"), allowMissingWeights: true) } catch {
            row.problem = "export: \(error)"; return row
        }
        // Graft runs everything that does not depend on a node it cannot execute.
        let runnable = runnableGraph(imported.model.graph)
        let skipped = imported.model.graph.nodes.count - runnable.nodes.count
        let input = CaffeTesting.random(entry.input, seed: 3)
        let pairs = runnable.nodes.compactMap { node in node.outputs.first.map { (layer: node.name, value: $0, op: node.op) } }
        let ours: [String: Tensor]
        do {
            let model = Model(graph: runnable, weights: imported.model.weights, provenance: imported.model.provenance)
            ours = try CaffeTesting.run(model, input: input, outputs: pairs.map(\.value))
        } catch { row.problem = "Graft forward: \(error)"; return row }
        let theirs: [String: Tensor]
        do {
            var prototxt = path
            if entry.swapAxpyBottomsForOpenCV {
                prototxt = directory.path("opencv-" + entry.file)
                try swappingAxpyBottoms(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: prototxt, atomically: true, encoding: .utf8)
            }
            theirs = try openCVLayerOutputs(python: python, prototxt: prototxt, caffemodel: export.caffemodelPath, input: input,
                                            layers: pairs.map(\.layer), in: directory)
        } catch { row.problem = "OpenCV: \(error)"; return row }
        var worstScore: Float = -1
        for pair in pairs {
            guard let expected = theirs[pair.layer], let actual = ours[pair.value] else { continue }
            guard actual.shape.elementCount == expected.shape.elementCount else {
                row.failing.append("\(pair.layer) shape \(actual.shape) vs OpenCV \(expected.shape)")
                continue
            }
            let agreement = TensorComparison(actual, expected)
            row.compared += 1
            // An all-zero or non-finite reference would agree trivially or never: the weights are degenerate.
            if !expected.scalars.contains(where: { $0 != 0 }) { row.failing.append("\(pair.layer) is all zero in OpenCV") }
            if !agreement.passed {
                if let alone = agreementAlone(pair.layer, model: imported.model, graftInput: input, openCV: theirs, pairs: pairs),
                   alone.passed {
                    row.carried.append((pair.layer, agreement, alone))
                } else {
                    row.failing.append("\(pair.layer) (\(agreement))")
                }
            }
            if Self.reportedKinds.contains(pair.op.kind) { row.reported.append((pair.layer, pair.op.displayName, agreement)) }
            let score = agreement.maxAbsolute / agreement.atol
            if score > worstScore || score.isNaN { worstScore = score.isNaN ? .infinity : score; row.worst = (pair.layer, agreement) }
        }
        if skipped > 0, row.problem == nil, row.failing.isEmpty {
            let opaque = imported.model.graph.nodes.filter { if case .opaque = $0.op { true } else { false } }
            let types = Set(opaque.compactMap { if case .opaque(let o) = $0.op { o.type } else { nil } })
            if types.isSubset(of: entry.opaque) {
                row.notRun = "\(types.sorted().joined(separator: ", ")) kept opaque: \(skipped) node(s) not run"
                return row
            }
            row.problem = "ok up to \(opaque.map(\.name).prefix(2).joined(separator: ", ")) (\(opaque.first.map { if case .opaque(let o) = $0.op { o.type } else { "" } } ?? "")): "
                + "\(skipped) node(s) not run"
        }
        return row
    }

    /// The agreement of one layer run alone by Graft on OpenCV's outputs for its inputs (the net's
    /// input for the data blob), or nil when an input has no OpenCV output to take.
    static func agreementAlone(_ layer: String, model: Model, graftInput: Tensor, openCV: [String: Tensor],
                               pairs: [(layer: String, value: String, op: Op)]) -> TensorComparison? {
        guard let node = model.graph.nodes.first(where: { $0.name == layer }), let expected = openCV[layer] else { return nil }
        let producer = Dictionary(pairs.map { ($0.value, $0.layer) }, uniquingKeysWith: { _, last in last })
        var inputs: [String: Tensor] = [:]
        for value in node.inputs {
            if value == model.graph.inputs[0].name { inputs[value] = graftInput; continue }
            guard let source = producer[value], let tensor = openCV[source] else { return nil }
            inputs[value] = tensor
        }
        var graph = Graph(name: layer, inputs: node.inputs.map { GraphInput(name: $0, shape: inputs[$0]!.shape) },
                          nodes: [node], outputs: [node.outputs[0]])
        do {
            try graph.deriveParameterSpecs()
            let weights = model.weights.filter { $0.key.hasPrefix(node.name + ".") }
            let executor = try ForwardExecutor(graph: graph, weights: weights)
            guard let actual = try executor.run(inputs: inputs)[node.outputs[0]],
                  actual.shape.elementCount == expected.shape.elementCount else { return nil }
            return TensorComparison(actual, expected)
        } catch {
            return nil
        }
    }

    /// `text` with the second and third bottoms of every Axpy layer swapped (see
    /// ``Entry/swapAxpyBottomsForOpenCV``); layer blocks are found by their `type: "Axpy"` line.
    static func swappingAxpyBottoms(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            if lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("layer") {
                var end = i + 1
                while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix("layer") { end += 1 }
                if lines[i..<end].contains(where: { $0.contains("type: \"Axpy\"") }) {
                    let bottoms = (i..<end).filter { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("bottom:") }
                    if bottoms.count == 3 { lines.swapAt(bottoms[1], bottoms[2]) }
                }
                i = end
            } else {
                i += 1
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `graph` without its opaque nodes and everything downstream of them.
    static func runnableGraph(_ graph: Graph) -> Graph {
        var unavailable = Set<String>()
        var kept: [Node] = []
        for node in graph.nodes {
            let opaque = if case .opaque = node.op { true } else { false }
            if opaque || node.inputs.contains(where: unavailable.contains) {
                unavailable.formUnion(node.outputs)
            } else {
                kept.append(node)
            }
        }
        let outputs = kept.flatMap(\.outputs)
        return Graph(name: graph.name, inputs: graph.inputs, nodes: kept, outputs: outputs.isEmpty ? [] : [outputs.last!])
    }

    struct OpenCVFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// OpenCV's output of each named layer it has (first output of each), unfused because every
    /// layer's output is requested.
    static func openCVLayerOutputs(python: String, prototxt: String, caffemodel: String, input: Tensor, layers: [String],
                                   in directory: TemporaryDirectory) throws -> [String: Tensor] {
        let request = directory.path("zoo-request.npz")
        let answer = directory.path("zoo-answer.npz")
        let names = directory.path("zoo-layers.txt")
        try NPZ.write([("input", input)], to: request)
        try layers.joined(separator: "\n").write(toFile: names, atomically: true, encoding: .utf8)
        let script = """
            import sys, cv2, numpy as np
            z = np.load(sys.argv[3]); wanted = open(sys.argv[4]).read().split('\\n')
            net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
            have = set(net.getLayerNames()); names = [n for n in wanted if n in have]
            net.setInput(z['input']); ys = net.forward(names)
            np.savez(sys.argv[5], **{'out:' + n: y for n, y in zip(names, ys)})
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, prototxt, caffemodel, request, names, answer]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).split(separator: "\n").last { $0.contains("error") || $0.contains("Error") }
            throw OpenCVFailure(description: String((text ?? "exit \(process.terminationStatus)").suffix(160)))
        }
        return Dictionary(try NPZ.read(path: answer).map { (String($0.name.dropFirst(4)), $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }
}
