import ArgumentParser
import Foundation
import GraftCore

extension GraftCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model's layers, shapes, parameters, MACs and preprocessing.",
            discussion: """
                Reads only the file's header unless --stats is given, so it is instant on any size of model. \
                Given a Keras (.h5, .keras, .weights.h5) or Caffe (.caffemodel) file instead, lists every array it \
                stores with its path, shape, type and statistics: weights files that hold no graph can be looked \
                inside too.
                """)

        @Argument(help: "The .graft file, or a Keras or Caffe weights file.") var model: String
        @Flag(help: "Print one JSON object instead of tables.") var json = false
        @Flag(help: "Also compute weight statistics (min, max, mean, std, zeros, NaN/Inf) per tensor.") var stats = false
        @Option(help: "Batch size for shapes, MACs and activation memory.") var batch: Int = 1

        func validate() throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1.") }
        }

        func run() throws {
            if let weights = try WeightsFileReport.load(model) {
                try show(weights, text: weights.text)
                return
            }
            let report = try InspectReport(file: try NativeFile.open(model), batch: batch, withStatistics: stats)
            try show(report, text: report.text)
        }

        /// Prints `report` as JSON (`--json`) or as `text`.
        private func show(_ report: some Encodable, text: String) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(text)
            }
        }
    }
}

/// Everything `graft inspect` shows, as data (encoded for `--json`, rendered for people).
struct InspectReport: Encodable {
    struct Row: Encodable {
        var name: String
        var op: String
        var inputs: [String]
        var outputShapes: [String]
        var parameters: Int
        var trainable: Int
        var frozen: Int
        var macs: Int
        var flops: Int
        var activationBytes: Int
    }
    struct TensorRow: Encodable {
        var name: String
        var dtype: String
        var shape: String
        var statistics: TensorStatistics?
    }
    struct Totals: Encodable {
        var parameters = 0, trainable = 0, frozen = 0, macs = 0, flops = 0, activationBytes = 0
    }

    var file: String
    var fileBytes: Int
    var formatVersion: Int
    var graphName: String
    var batch: Int
    var inputs: [String: String]
    var outputs: [String: String]
    var nodes: [Row]
    var totals: Totals
    var unresolved: [String]
    var preprocessing: Preprocessing?
    var provenance: Provenance
    var training: TrainingMetadata?
    var tensors: [TensorRow]

    init(file: NativeFile, batch: Int, withStatistics: Bool) throws {
        let graph = file.graph
        var inputShapes: [String: Shape] = [:]
        for input in graph.inputs {
            var shape = input.shape
            shape[0] = batch
            inputShapes[input.name] = shape
        }
        let shapes = try graph.inferShapesPartially(inputShapes: inputShapes)
        let costs = graph.costs(shapes: shapes, frozen: file.training?.frozenTensors ?? [])
        self.file = file.path
        fileBytes = file.fileSize
        formatVersion = file.formatVersion
        graphName = graph.name
        self.batch = batch
        inputs = Dictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputShapes[$0.name]!.description) })
        outputs = Dictionary(uniqueKeysWithValues: graph.outputs.map { ($0, shapes.values[$0]?.description ?? "?") })
        var totals = Totals()
        nodes = graph.nodes.map { node in
            let cost = costs[node.name] ?? NodeCost()
            totals.parameters += cost.parameters
            totals.trainable += cost.trainableParameters
            totals.frozen += cost.frozenParameters
            totals.macs += cost.macs
            totals.flops += cost.flops
            totals.activationBytes += cost.activationBytes
            return Row(name: node.name, op: node.op.displayName, inputs: node.inputs,
                       outputShapes: node.outputs.map { shapes.values[$0]?.description ?? "?" },
                       parameters: cost.parameters, trainable: cost.trainableParameters, frozen: cost.frozenParameters,
                       macs: cost.macs, flops: cost.flops, activationBytes: cost.activationBytes)
        }
        self.totals = totals
        unresolved = shapes.unresolved.prefix(1).map { "\($0.node): \($0.reason)" }
        preprocessing = file.preprocessing
        provenance = file.provenance
        training = file.training
        tensors = try file.tensors.map { entry in
            TensorRow(name: entry.name, dtype: entry.dtype.rawValue, shape: entry.shape.description,
                      statistics: withStatistics ? TensorStatistics(try file.tensor(entry.name).scalars) : nil)
        }
    }

    var text: String {
        var out: [String] = []
        let name = graphName.isEmpty ? "" : " \"\(graphName)\""
        out.append("Model\(name): \(file) (\(Format.bytes(fileBytes)), graft format \(formatVersion), \(tensors.count) tensors)")
        let source = provenance.sourceVersion.isEmpty ? provenance.sourceFormat : "\(provenance.sourceFormat) \(provenance.sourceVersion)"
        let files = provenance.sourceFiles.map { "\($0.name) (sha256 \($0.sha256.prefix(12))…)" }.joined(separator: ", ")
        out.append("Source: \(source)\(files.isEmpty ? "" : " from \(files)"); written by \(provenance.converter)")
        for note in provenance.notes { out.append("  note: \(note)") }
        out.append("Inputs: " + inputs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append("")
        var table = TextTable([("#", .right), ("node", .left), ("op", .left), ("output", .left), ("params", .right),
                               ("trainable", .right), ("frozen", .right), ("MACs", .right)])
        for (i, row) in nodes.enumerated() {
            table.add([String(i + 1), row.name, row.op, row.outputShapes.joined(separator: ", "),
                       row.parameters == 0 ? "-" : Format.grouped(row.parameters),
                       row.parameters == 0 ? "-" : Format.grouped(row.trainable),
                       row.parameters == 0 ? "-" : Format.grouped(row.frozen),
                       row.macs == 0 ? "-" : Format.grouped(row.macs)])
        }
        out.append(table.render())
        out.append("")
        out.append("Total: \(Format.grouped(totals.parameters)) parameters (\(Format.grouped(totals.trainable)) trainable, "
            + "\(Format.grouped(totals.frozen)) frozen), \(Format.metric(totals.macs)) MACs, \(Format.metric(totals.flops)) FLOPs, "
            + "activations \(Format.bytes(totals.activationBytes)) at batch \(batch)")
        if !unresolved.isEmpty { out.append("Shapes unknown from \(unresolved[0])") }
        out.append("Outputs: " + outputs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append("Preprocessing: " + (preprocessing.map { "\($0.input) \($0.inputShape): \($0.summary)" } ?? "not recorded"))
        if let training {
            let frozen = training.frozenTensors.count
            let labels = training.classLabels.isEmpty ? "" : "; classes: " + training.classLabels.joined(separator: ", ")
            out.append("Training: \(training.parameters.count) parameter settings, \(frozen) frozen\(labels)")
        }
        if tensors.contains(where: { $0.statistics != nil }) {
            out.append("")
            var stats = TextTable([("tensor", .left), ("dtype", .left), ("shape", .left), ("min", .right), ("max", .right),
                                   ("mean", .right), ("std", .right), ("zeros", .right), ("nan/inf", .right)])
            for t in tensors {
                guard let s = t.statistics else { continue }
                stats.add([t.name, t.dtype, t.shape, Format.float(s.min), Format.float(s.max), Format.float(Float(s.mean)),
                           Format.float(Float(s.std)), Format.grouped(s.zeros), Format.grouped(s.nonFinite)])
            }
            out.append(stats.render())
        }
        return out.joined(separator: "\n")
    }
}
