import Foundation
internal import CCaffeProto
internal import CProtobufC

extension BinaryDecoding {
    /// The net as stored; ``CaffeUpgrade`` does the rest, as for prototxt.
    mutating func net(_ c: Caffe__NetParameter) throws(CaffeError) -> StoredNet {
        var net = StoredNet()
        try unknown(c.base, in: "NetParameter")
        net.rawUnknown = unknownTexts
        unknownTexts = []
        net.name = string(c.name)
        net.input = strings(c.n_input, c.input)
        net.inputShape = try each(c.n_input_shape, c.input_shape, as: BlobShapeText.self, field: "input_shape").map(\.dim)
        net.inputDim = ints(c.n_input_dim, c.input_dim)
        net.forceBackward = c.force_backward != 0
        if let state = c.state { net.state = try decode(CaffeNetState.self, from: state, field: "state") }
        net.debugInfo = c.debug_info != 0
        net.layer = try each(c.n_layer, c.layer) { (d, l) throws(CaffeError) in try d.layer(l) }
        net.layers = try each(c.n_layers, c.layers) { (d, l) throws(CaffeError) in try d.v1Layer(l) }
        layer = ""
        net.warnings = warnings
        return net
    }

    mutating func layer(_ pointer: UnsafeMutablePointer<Caffe__LayerParameter>) throws(CaffeError) -> CaffeLayer {
        let c = pointer.pointee
        var l = CaffeLayer(name: string(c.name), type: string(c.type), bottoms: strings(c.n_bottom, c.bottom),
                           tops: strings(c.n_top, c.top))
        layer = l.name
        unknownTexts = []
        try unknown(c.base, in: "LayerParameter")
        if c.has_phase != 0 { l.phase = try enumeration(c.phase, CaffePhase.self, field: "phase") }
        l.lossWeights = floats(c.n_loss_weight, c.loss_weight)
        l.params = try each(c.n_param, c.param, as: CaffeParamSpec.self, field: "param")
        l.blobs = try blobs(c.n_blobs, c.blobs)
        l.propagateDown = bools(c.n_propagate_down, c.propagate_down)
        l.include = try each(c.n_include, c.include, as: CaffeNetStateRule.self, field: "include")
        l.exclude = try each(c.n_exclude, c.exclude, as: CaffeNetStateRule.self, field: "exclude")
        try read(CaffeLayerParameters.fields, into: &l.parameters, from: BinaryMessage(pointer))
        l.rawUnknown = unknownTexts
        unknownTexts = []
        return l
    }

    mutating func v1Layer(_ pointer: UnsafeMutablePointer<Caffe__V1LayerParameter>) throws(CaffeError) -> CaffeV1Layer {
        let c = pointer.pointee
        layer = string(c.name)
        unknownTexts = []
        try unknown(c.base, in: "V1LayerParameter")
        let type = c.has_type != 0 ? try enumeration(c.type, V1LayerType.self, field: "type") : V1LayerType.none
        var l = CaffeV1Layer(name: layer, type: type)
        l.bottoms = strings(c.n_bottom, c.bottom)
        l.tops = strings(c.n_top, c.top)
        l.include = try each(c.n_include, c.include, as: CaffeNetStateRule.self, field: "include")
        l.exclude = try each(c.n_exclude, c.exclude, as: CaffeNetStateRule.self, field: "exclude")
        l.blobs = try blobs(c.n_blobs, c.blobs)
        l.paramNames = strings(c.n_param, c.param)
        if c.n_blob_share_mode > 0, let modes = c.blob_share_mode {
            for i in 0..<c.n_blob_share_mode {
                l.blobShareModes.append(try enumeration(modes[i], CaffeDimCheckMode.self, field: "blob_share_mode"))
            }
        }
        l.blobsLR = floats(c.n_blobs_lr, c.blobs_lr)
        l.weightDecay = floats(c.n_weight_decay, c.weight_decay)
        l.lossWeights = floats(c.n_loss_weight, c.loss_weight)
        try read(CaffeLayerParameters.v1Fields, into: &l.parameters, from: BinaryMessage(pointer))
        l.hasV0Definition = c.layer != nil
        l.rawUnknown = unknownTexts
        unknownTexts = []
        return l
    }

    mutating func blobs(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<Caffe__BlobProto>?>?) throws(CaffeError) -> [CaffeBlob] {
        guard let p, n > 0 else { return [] }
        var result: [CaffeBlob] = []
        result.reserveCapacity(n)
        for i in 0..<n {
            guard let b = p[i] else { continue }
            result.append(try blob(b.pointee, index: i))
            if releasesBlobData, let values = b.pointee.data {
                // protobuf-c allocated the array from the C heap (its default allocator, or
                // HugePageAllocator, whose blocks are also freed with free); a NULL pointer with
                // count 0 is skipped by free_unpacked.
                free(values)
                b.pointee.data = nil
                b.pointee.n_data = 0
            }
        }
        return result
    }

    /// One blob: values from `data` (a bulk copy), else `double_data` (rounded to float32); shape
    /// from the legacy 4-D fields or `shape` as Caffe decides; the count must fill the shape.
    mutating func blob(_ b: Caffe__BlobProto, index: Int) throws(CaffeError) -> CaffeBlob {
        try unknown(b.base, in: "BlobProto")
        let stored: [Int]? = try b.shape.map { (s) throws(CaffeError) in try decode(BlobShapeText.self, from: s, field: "shape").dim }
        let (shape, source) = CaffeBlob.storedShape(blobShape: stored, num: optional(b.has_num, b.num),
                                                    channels: optional(b.has_channels, b.channels),
                                                    height: optional(b.has_height, b.height), width: optional(b.has_width, b.width))
        guard let count = CaffeBlob.elementCount(shape) else {
            throw .invalidBlobShape(file: file, layer: layer, blob: index, shape: shape)
        }
        if b.n_data > 0 {
            guard b.n_data == count else {
                throw .blobSizeMismatch(file: file, layer: layer, blob: index, shape: shape, count: b.n_data)
            }
            return CaffeBlob(shape: shape, shapeSource: source, precision: .float, data: floats(b.n_data, b.data))
        }
        if b.n_double_data > 0, let doubles = b.double_data {
            guard b.n_double_data == count else {
                throw .blobSizeMismatch(file: file, layer: layer, blob: index, shape: shape, count: b.n_double_data)
            }
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Float(doubles[i]) }
                initialized = count
            }
            return CaffeBlob(shape: shape, shapeSource: source, precision: .double, data: values)
        }
        guard count == 0 else { throw .blobSizeMismatch(file: file, layer: layer, blob: index, shape: shape, count: 0) }
        return CaffeBlob(shape: shape, shapeSource: source, precision: .none, data: [])
    }
}
