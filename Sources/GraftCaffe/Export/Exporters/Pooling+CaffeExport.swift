import GraftCore

// Pooling and LRN (the importer's Pooling+Caffe.swift).

enum PoolingCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.pooling

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .pooling(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        try e.symmetric(p.padBegin, p.padEnd, what: "pooling")
        if p.method == .average, p.averageDivisor == .excludePadding, !p.global, p.padBegin.contains(where: { $0 != 0 }) {
            throw e.notRepresentable("average pooling that excludes padding from the divisor; Caffe includes it")
        }
        let roundsDown = p.rounding == .floor && !p.global
        return ([try e.layer("Pooling") {
            var pool = CaffeParam.Pooling()
            pool.pool = p.method == .max ? .max : .ave
            if p.global {
                pool.globalPooling = true
            } else {
                if p.kernel[0] == p.kernel[1] { pool.kernelSize = p.kernel[0] } else { (pool.kernelH, pool.kernelW) = (p.kernel[0], p.kernel[1]) }
                if p.stride[0] == p.stride[1] { pool.stride = p.stride[0] } else { (pool.strideH, pool.strideW) = (p.stride[0], p.stride[1]) }
                if p.padBegin[0] == p.padBegin[1] { pool.pad = p.padBegin[0] } else { (pool.padH, pool.padW) = (p.padBegin[0], p.padBegin[1]) }
            }
            // OpenCV 4 reads only the forks' ceil_mode (it rejects round_mode); the caffemodel
            // writer turns this into BVLC's round_mode: FLOOR. A global pool needs neither.
            if roundsDown { pool.ceilMode = false }
            $0.pooling = pool
        }], roundsDown ? ["FloorPooling '\(e.node.name)'"] : [])
    }
}

enum LRNCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.lrn

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .lrn(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("LRN") {
            var lrn = CaffeParam.LRN()
            lrn.localSize = p.size
            lrn.alpha = p.alpha
            lrn.beta = p.beta
            lrn.k = p.k
            lrn.normRegion = p.region == .withinChannel ? .withinChannel : .acrossChannels
            $0.lrn = lrn
        }], [])
    }
}
