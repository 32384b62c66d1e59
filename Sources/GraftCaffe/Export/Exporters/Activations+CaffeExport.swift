import GraftCore

// ReLU, PReLU, ELU/Sigmoid/TanH, Power, Softmax, Dropout (the importer's Activations+Caffe.swift).

enum ReLUCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.relu

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .relu(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        guard p.maxValue == nil else { throw e.notRepresentable("ReLU with a maximum (\(p.maxValue!)); BVLC Caffe has no clipped ReLU") }
        guard p.threshold == 0 else { throw e.notRepresentable("ReLU with threshold \(p.threshold)") }
        return ([try e.layer("ReLU") {
            var r = CaffeParam.ReLU()
            r.negativeSlope = p.negativeSlope
            $0.relu = p.negativeSlope == 0 ? nil : r
        }], [])
    }
}

enum PReLUCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.prelu

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .prelu(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("PReLU", blobs: ["slope"]) {
            var pr = CaffeParam.PReLU()
            pr.channelShared = p.channelShared
            $0.prelu = p.channelShared ? pr : nil
        }], [])
    }
}

enum ActivationCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.activation

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .activation(let f) = e.node.op else { e.dispatchedWrongly(Self.self) }
        switch f {
        case .elu(let alpha):
            return ([try e.layer("ELU") { var elu = CaffeParam.ELU(); elu.alpha = alpha; $0.elu = alpha == 1 ? nil : elu }], [])
        case .sigmoid: return ([try e.layer("Sigmoid")], [])
        case .tanh: return ([try e.layer("TanH")], [])
        default: throw e.notRepresentable("activation \(f.name) has no BVLC Caffe layer")
        }
    }
}

enum PowerCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.power

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .power(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Power") {
            var pw = CaffeParam.Power()
            (pw.power, pw.scale, pw.shift) = (p.power, p.scale, p.shift)
            $0.power = pw
        }], [])
    }
}

enum SoftmaxCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.softmax

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .softmax(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Softmax") { var s = CaffeParam.Softmax(); s.axis = p.axis; $0.softmax = p.axis == 1 ? nil : s }], [])
    }
}

enum DropoutCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.dropout

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .dropout(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Dropout") { var d = CaffeParam.Dropout(); d.dropoutRatio = p.ratio; $0.dropout = d }], [])
    }
}
