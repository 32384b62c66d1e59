import GraftCore

/// What an exporter (``CaffeOpExporter``) sees of one Graft node, and the helpers they share:
/// the reverse of ``CaffeLayerContext``. Layouts carry over unchanged (Graft keeps Caffe's
/// convolution, deconvolution and inner-product layouts), so the blobs are the model's tensors,
/// bit for bit.
struct CaffeLayerExport {
    /// The layer(s) for one node, and notes for the user.
    typealias Layers = (layers: [CaffeLayer], notes: [String])

    let node: Node
    let weights: [String: Tensor]
    let training: TrainingMetadata?
    let bottoms: [String]
    let tops: [String]
    /// The name for the Scale layer a BatchNorm with its own scale and shift adds (unused by
    /// every other node's names).
    let scaleLayerName: String

    func notRepresentable(_ reason: String) -> CaffeExportError { .notRepresentable(node: node.name, reason: reason) }

    func tensor(_ parameter: String) throws(CaffeExportError) -> Tensor {
        guard let t = weights[node.tensorName(parameter)] else {
            throw .missingWeight(node: node.name, tensor: node.tensorName(parameter))
        }
        return t
    }

    func blob(_ parameter: String) throws(CaffeExportError) -> CaffeBlob {
        let t = try tensor(parameter)
        return CaffeBlob(shape: t.shape.dims, data: t.scalars)
    }

    /// `param` specs for the blobs from the training metadata (none when it has nothing for them).
    func params(_ parameters: [String]) -> [CaffeParamSpec] {
        guard let training else { return [] }
        let settings = parameters.map { training.parameters[node.tensorName($0)] }
        guard settings.contains(where: { $0 != nil }) else { return [] }
        return settings.map { s in CaffeParamSpec(lrMult: s?.learningRateMultiplier ?? 1, decayMult: s?.decayMultiplier ?? 1) }
    }

    func layer(_ type: String, blobs: [String] = [], params: [String]? = nil,
               _ configure: (inout CaffeLayerParameters) -> Void = { _ in }) throws(CaffeExportError) -> CaffeLayer {
        var layer = CaffeLayer(name: node.name, type: type, bottoms: bottoms, tops: tops)
        for name in blobs { layer.blobs.append(try blob(name)) }
        layer.params = self.params(params ?? blobs)
        configure(&layer.parameters)
        return layer
    }

    func symmetric(_ begin: [Int], _ end: [Int], what: String) throws(CaffeExportError) {
        guard begin == end else {
            throw notRepresentable("asymmetric \(what) padding (begin \(begin), end \(end)); Caffe pads both sides equally")
        }
    }

    /// The layers for the node, by the exporter registered for its kind, and notes for the user.
    func layers() throws(CaffeExportError) -> Layers {
        guard let exporter = CaffeOpExporters.byKind[node.op.kind] else {
            preconditionFailure("no Caffe exporter for \(node.op.kind)")
        }
        return try exporter.export(self)
    }

    /// An exporter was handed a node of another kind (the registry is keyed by kind).
    func dispatchedWrongly(_ exporter: any CaffeOpExporter.Type) -> Never {
        preconditionFailure("\(exporter) was given a \(node.op.kind) node")
    }

    /// The parameter block that says a layer learns blobs (`convolution_param`, ...), for an opaque
    /// layer that has none: the caffemodel would lack its weights. Only BVLC's blocks are known;
    /// a fork's own block (`bn_param`, `norm_param`) says nothing here.
    static func learnedBlobBlock(of layer: CaffeLayer) -> String? {
        let p = layer.parameters
        if p.convolution != nil { return "convolution_param" }
        if p.innerProduct != nil { return "inner_product_param" }
        if p.batchNorm != nil { return "batch_norm_param" }
        if p.prelu != nil { return "prelu_param" }
        // Scale and Bias take their factor from a second bottom when there is one.
        if p.scale != nil, layer.bottoms.count == 1 { return "scale_param" }
        if p.bias != nil, layer.bottoms.count == 1 { return "bias_param" }
        return nil
    }

    /// An opaque Caffe node goes back as the layer it was: its raw parameters are decoded as
    /// prototxt (known blocks become typed parameters, the rest stays text), its `blobN`
    /// parameters become its blobs.
    func opaqueLayer(_ p: Opaque) throws(CaffeExportError) -> CaffeLayer {
        let text = "layer {\n  name: \"x\"\n  type: \"x\"\n" + p.rawParameters + "\n}\n"
        let decoded: CaffeNet
        do { decoded = try CaffePrototxt.decode(text, file: node.name) } catch {
            throw notRepresentable("its raw parameters are not prototxt: \(error)")
        }
        var l = CaffeLayer(name: node.name, type: p.type, bottoms: bottoms, tops: tops)
        l.parameters = decoded.layers.first?.parameters ?? CaffeLayerParameters()
        l.rawUnknown = decoded.layers.first?.rawUnknown ?? []
        let names = node.parameters.map(\.name).filter { $0.hasPrefix("blob") }
            .sorted { Int($0.dropFirst(4)) ?? 0 < Int($1.dropFirst(4)) ?? 0 }
        for name in names { l.blobs.append(try blob(name)) }
        l.params = params(names)
        return l
    }
}
