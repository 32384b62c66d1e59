import GraftCore

// The SSD fork's Normalize and PriorBox (a constant evaluated from it) (the importer's SSD+Caffe.swift).

enum ConstantCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.constant

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .constant(let c) = e.node.op else { e.dispatchedWrongly(Self.self) }
        guard let origin = c.origin, origin.layer.framework == "caffe" else {
            throw e.notRepresentable("a stored constant tensor; OpenCV reads no Caffe layer that holds one")
        }
        // The layer it was evaluated from (PriorBox) recomputes it from its bottoms' shapes.
        return ([try e.opaqueLayer(origin.layer)], ["\(origin.layer.type) '\(e.node.name)': written back as the layer it was evaluated from; "
                                                    + "its parameters (an SSD-fork field) are in deploy.prototxt only"])
    }
}

enum L2NormCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.l2Norm

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .l2Norm(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        var l = try e.layer("Normalize", blobs: ["scale"])
        // A shared scale goes as [1]: the fork writes a blob with no axes, which OpenCV's reader
        // rejects (and the fork's Caffe refuses [1] when copying weights into such a layer).
        l.rawUnknown = ["norm_param {\n  across_spatial: \(p.acrossSpatial)\n  channel_shared: \(p.channelShared)\n  eps: \(p.epsilon)\n}"]
        return ([l], ["Normalize '\(e.node.name)': norm_param (an SSD-fork field) is in deploy.prototxt only; BVLC's schema cannot carry it in the .caffemodel"])
    }
}
