import GraftCore

// BatchNorm (with a Scale layer for its own scale and shift), Scale, Bias; layer normalisation
// has no Caffe layer (the importer's Normalization+Caffe.swift).

enum BatchNormCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.batchNorm

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .batchNorm(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        var bn = try e.layer("BatchNorm", blobs: ["mean", "variance"], params: ["mean", "variance", "mean"]) {
            var b = CaffeParam.BatchNorm()
            b.eps = p.epsilon
            b.movingAverageFraction = p.momentum
            $0.batchNorm = b
        }
        bn.blobs.append(CaffeBlob(shape: [1], data: [1]))
        var layers = [bn]
        if p.hasScale || p.hasShift {
            let channels = try e.tensor("mean").shape.dims
            var scale = CaffeLayer(name: e.scaleLayerName, type: "Scale", bottoms: e.tops, tops: e.tops)
            scale.blobs = [p.hasScale ? try e.blob("scale") : CaffeBlob(shape: channels, data: [Float](repeating: 1, count: channels.reduce(1, *)))]
            if p.hasShift { scale.blobs.append(try e.blob("shift")) }
            var s = CaffeParam.Scale()
            s.biasTerm = p.hasShift
            scale.parameters.scale = s
            layers[0].tops = e.tops
            layers.append(scale)
        }
        return (layers, ["BatchNorm '\(e.node.name)': mean and variance written with moving-average factor 1"])
    }
}

enum ScaleCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.scale

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .scale(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        let blobs = (e.node.inputs.count == 1 ? ["scale"] : []) + (p.hasBias ? ["bias"] : [])
        return ([try e.layer("Scale", blobs: blobs) {
            var s = CaffeParam.Scale()
            s.axis = p.axis
            s.numAxes = p.axisCount
            s.biasTerm = p.hasBias
            $0.scale = s
        }], [])
    }
}

enum BiasCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.bias

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .bias(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Bias", blobs: ["bias"]) {
            var b = CaffeParam.Bias()
            b.axis = p.axis
            b.numAxes = p.axisCount
            $0.bias = b
        }], [])
    }
}

enum LayerNormCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.layerNorm

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .layerNorm = e.node.op else { e.dispatchedWrongly(Self.self) }
        throw e.notRepresentable("layer normalisation; BVLC Caffe has no such layer")
    }
}
