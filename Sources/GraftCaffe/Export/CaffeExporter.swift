import Foundation
import GraftFiles
public import GraftCore

/// What an export wrote.
public struct CaffeExport: Sendable {
    /// Where the prototxt was written.
    public var prototxtPath: String
    /// Where the caffemodel was written.
    public var caffemodelPath: String
    /// Things the user should know (BatchNorm factors, fork fields kept in the prototxt only).
    public var notes: [String]
}

/// Writes Graft models as Caffe nets: a `deploy.prototxt` (V2 `layer` blocks, one `Input` layer
/// per graph input with its shape) and a V2 `.caffemodel` (BlobShape blobs) through protobuf-c.
///
/// Nodes whose operation or attributes Caffe cannot express (asymmetric padding, ReLU6, Pad,
/// opaque layers of other frameworks, ...) make the export fail with an error naming the node,
/// before any file is written. Both files are written atomically.
public enum CaffeExporter {
    /// The prototxt's file name in an export folder.
    public static let prototxtName = "deploy.prototxt"
    /// The caffemodel's file name in an export folder.
    public static let caffemodelName = "weights.caffemodel"

    /// The Caffe net for `model`, with blobs; the notes say what the user should know.
    ///
    /// - Parameters:
    ///   - model: the model to export; its graph and weights.
    ///   - allowMissingWeights: write layers that should have weights but have none
    ///     (``CaffeExportError/layersWithoutWeights(_:)``) without them, with a note, instead of failing.
    public static func net(for model: Model, allowMissingWeights: Bool = false) throws(CaffeExportError) -> (net: CaffeNet, notes: [String]) {
        do { try model.graph.validateStructure() } catch { throw .invalidGraph(error.description) }
        let naming = CaffeBlobNaming(graph: model.graph)
        var net = CaffeNet(name: model.graph.name)
        var notes: [String] = []
        let nodeNames = Set(model.graph.nodes.map(\.name))
        var withoutWeights: [String] = []
        for input in model.graph.inputs {
            let blob = naming.blob(input.name)
            var layer = CaffeLayer(name: blob, type: "Input", tops: [blob])
            var p = CaffeParam.Input()
            p.shape = [input.shape.dims]
            layer.parameters.input = p
            net.layers.append(layer)
            net.inputs.append(CaffeNet.Input(name: blob, shape: input.shape.dims))
        }
        var available = Set(model.graph.inputs.map(\.name))
        for node in model.graph.nodes {
            var scaleName = node.name + "_scale"
            while nodeNames.contains(scaleName) { scaleName += "_" }
            // A constant evaluated from a Caffe layer reads values the graph does not check.
            if let missing = node.caffeBottoms.first(where: { !available.contains($0) }) {
                throw .notRepresentable(node: node.name, reason: "it was evaluated from a Caffe layer that read '\(missing)', "
                                        + "which no earlier node or input holds any more")
            }
            available.formUnion(node.outputs)
            let export = CaffeLayerExport(node: node, weights: model.weights, training: model.training,
                                          bottoms: node.caffeBottoms.map(naming.blob), tops: node.outputs.map(naming.blob),
                                          scaleLayerName: scaleName)
            let (layers, layerNotes) = try export.layers()
            net.layers += layers
            notes += layerNotes
            if case .opaque = node.op {
                for layer in layers where layer.blobs.isEmpty {
                    if let block = CaffeLayerExport.learnedBlobBlock(of: layer) { withoutWeights.append("\(layer.name) (\(layer.type), \(block))") }
                }
            }
        }
        if !withoutWeights.isEmpty {
            guard allowMissingWeights else { throw .layersWithoutWeights(withoutWeights) }
            notes.append("written without weights, as forced: " + withoutWeights.joined(separator: ", "))
        }
        let batchNorms = notes.filter { $0.hasPrefix("BatchNorm") }
        notes.removeAll { $0.hasPrefix("BatchNorm") }
        if !batchNorms.isEmpty {
            notes.insert("\(batchNorms.count) BatchNorm layer(s): mean and variance written with moving-average factor 1 "
                         + "(the statistics Graft holds are already divided by Caffe's factor)", at: 0)
        }
        let floorPoolings = notes.filter { $0.hasPrefix("FloorPooling") }
        notes.removeAll { $0.hasPrefix("FloorPooling") }
        if !floorPoolings.isEmpty {
            notes.append("\(floorPoolings.count) Pooling layer(s) round down: deploy.prototxt says ceil_mode: false (the fork "
                         + "field OpenCV reads; BVLC Caffe wants round_mode: FLOOR, which the .caffemodel carries)")
        }
        return (net, notes)
    }

    /// Writes `deploy.prototxt` and `weights.caffemodel` into `directory` (created if missing);
    /// `allowMissingWeights` as in ``net(for:allowMissingWeights:)``.
    public static func export(_ model: Model, to directory: String,
                              allowMissingWeights: Bool = false) throws(CaffeExportError) -> CaffeExport {
        let (net, notes) = try net(for: model, allowMissingWeights: allowMissingWeights)
        let text = CaffePrototxtWriter.text(net)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let prototxt = URL(fileURLWithPath: directory).appendingPathComponent(prototxtName).path
        let caffemodel = URL(fileURLWithPath: directory).appendingPathComponent(caffemodelName).path
        try CaffeModelWriter.write(net, to: caffemodel)
        do { try AtomicFile.write(Data(text.utf8), to: prototxt) } catch {
            try? FileManager.default.removeItem(atPath: caffemodel)   // no half export
            throw .io(path: prototxt, reason: error.reason)
        }
        return CaffeExport(prototxtPath: prototxt, caffemodelPath: caffemodel, notes: notes)
    }
}
