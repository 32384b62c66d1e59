import GraftCore

// Concat, Eltwise, Flatten, Reshape, Permute, Crop, Slice, opaque Caffe layers; explicit
// padding has no Caffe layer (the importer's Structure+Caffe.swift).

enum ConcatCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.concat

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .concat(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Concat") { var c = CaffeParam.Concat(); c.axis = p.axis; $0.concat = c }], [])
    }
}

enum EltwiseCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.eltwise

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .eltwise(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Eltwise") {
            var eltwise = CaffeParam.Eltwise()
            eltwise.operation = switch p.operation { case .sum: .sum; case .product: .prod; case .max: .max }
            eltwise.coeff = p.coefficients
            $0.eltwise = eltwise
        }], [])
    }
}

enum FlattenCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.flatten

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .flatten(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        guard p.order == .channelsFirst else {
            throw e.notRepresentable("channels-last flatten (Keras order); Caffe flattens channels first")
        }
        return ([try e.layer("Flatten") {
            var f = CaffeParam.Flatten()
            (f.axis, f.endAxis) = (p.axis, p.endAxis)
            $0.flatten = f
        }], [])
    }
}

enum ReshapeCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.reshape

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .reshape(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Reshape") { var r = CaffeParam.Reshape(); r.shape = p.shape; $0.reshape = r }], [])
    }
}

enum PermuteCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.permute

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .permute(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        var l = try e.layer("Permute")
        l.rawUnknown = ["permute_param {\n" + p.order.map { "  order: \($0)\n" }.joined() + "}"]
        return ([l], ["Permute '\(e.node.name)': permute_param (an SSD-fork field) is in deploy.prototxt only; BVLC's schema cannot carry it in the .caffemodel"])
    }
}

enum CropCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.crop

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .crop(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        guard e.node.inputs.count == 2, p.endCrops.isEmpty else {
            throw e.notRepresentable("a one-input crop with end crops (Keras Cropping2D); Caffe crops to a second input's shape")
        }
        return ([try e.layer("Crop") {
            var c = CaffeParam.Crop()
            c.axis = p.axis
            c.offset = p.offsets == [0] ? [] : p.offsets
            $0.crop = c
        }], [])
    }
}

enum SliceCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.slice

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .slice(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("Slice") {
            var s = CaffeParam.Slice()
            s.axis = p.axis
            s.slicePoint = p.points
            $0.slice = s
        }], [])
    }
}

enum PadCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.pad

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .pad = e.node.op else { e.dispatchedWrongly(Self.self) }
        throw e.notRepresentable("explicit padding; BVLC Caffe has no padding layer")
    }
}

enum OpaqueCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.opaque

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .opaque(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        guard p.framework == "caffe" else {
            throw e.notRepresentable("an opaque \(p.framework) layer of type '\(p.type)' is not a Caffe layer")
        }
        return ([try e.opaqueLayer(p)], [])
    }
}
