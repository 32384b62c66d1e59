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
        net.inputShape = try each(c.n_input_shape, c.input_shape) { (d, s) throws(CaffeError) in try d.blobShape(s) }
        net.inputDim = ints(c.n_input_dim, c.input_dim)
        net.forceBackward = c.force_backward != 0
        if let state = c.state { net.state = try netState(state.pointee) }
        net.debugInfo = c.debug_info != 0
        net.layer = try each(c.n_layer, c.layer) { (d, l) throws(CaffeError) in try d.layer(l) }
        net.layers = try each(c.n_layers, c.layers) { (d, l) throws(CaffeError) in try d.v1Layer(l) }
        layer = ""
        net.warnings = warnings
        return net
    }

    mutating func layer(_ c: Caffe__LayerParameter) throws(CaffeError) -> CaffeLayer {
        var l = CaffeLayer(name: string(c.name), type: string(c.type), bottoms: strings(c.n_bottom, c.bottom),
                           tops: strings(c.n_top, c.top))
        layer = l.name
        unknownTexts = []
        try unknown(c.base, in: "LayerParameter")
        if c.has_phase != 0 { l.phase = try enumeration(c.phase, CaffePhase.self, field: "phase") }
        l.lossWeights = floats(c.n_loss_weight, c.loss_weight)
        l.params = try each(c.n_param, c.param) { (d, p) throws(CaffeError) in try d.paramSpec(p) }
        l.blobs = try blobs(c.n_blobs, c.blobs)
        l.propagateDown = bools(c.n_propagate_down, c.propagate_down)
        l.include = try each(c.n_include, c.include) { (d, r) throws(CaffeError) in try d.rule(r) }
        l.exclude = try each(c.n_exclude, c.exclude) { (d, r) throws(CaffeError) in try d.rule(r) }
        var p = CaffeLayerParameters()
        if let x = c.transform_param { p.transform = try transformation(x.pointee) }
        if let x = c.loss_param { p.loss = try loss(x.pointee) }
        if let x = c.accuracy_param { p.accuracy = try accuracy(x.pointee) }
        if let x = c.batch_norm_param { p.batchNorm = try batchNorm(x.pointee) }
        if let x = c.bias_param { p.bias = try bias(x.pointee) }
        if let x = c.concat_param { p.concat = try concat(x.pointee) }
        if let x = c.convolution_param { p.convolution = try convolution(x.pointee) }
        if let x = c.crop_param { p.crop = try crop(x.pointee) }
        if let x = c.data_param { p.data = try data(x.pointee) }
        if let x = c.dropout_param { p.dropout = try dropout(x.pointee) }
        if let x = c.eltwise_param { p.eltwise = try eltwise(x.pointee) }
        if let x = c.elu_param { p.elu = try elu(x.pointee) }
        if let x = c.flatten_param { p.flatten = try flatten(x.pointee) }
        if let x = c.hdf5_data_param { p.hdf5Data = try hdf5Data(x.pointee) }
        if let x = c.image_data_param { p.imageData = try imageData(x.pointee) }
        if let x = c.inner_product_param { p.innerProduct = try innerProduct(x.pointee) }
        if let x = c.input_param { p.input = try input(x.pointee) }
        if let x = c.lrn_param { p.lrn = try lrn(x.pointee) }
        if let x = c.memory_data_param { p.memoryData = try memoryData(x.pointee) }
        if let x = c.pooling_param { p.pooling = try pooling(x.pointee) }
        if let x = c.power_param { p.power = try power(x.pointee) }
        if let x = c.prelu_param { p.prelu = try prelu(x.pointee) }
        if let x = c.relu_param { p.relu = try relu(x.pointee) }
        if let x = c.reshape_param { p.reshape = try reshape(x.pointee) }
        if let x = c.scale_param { p.scale = try scale(x.pointee) }
        if let x = c.softmax_param { p.softmax = try softmax(x.pointee) }
        if let x = c.slice_param { p.slice = try slice(x.pointee) }
        if let x = c.threshold_param { p.threshold = try threshold(x.pointee) }
        l.parameters = p
        l.rawUnknown = unknownTexts
        unknownTexts = []
        return l
    }

    mutating func v1Layer(_ c: Caffe__V1LayerParameter) throws(CaffeError) -> CaffeV1Layer {
        layer = string(c.name)
        unknownTexts = []
        try unknown(c.base, in: "V1LayerParameter")
        let type = c.has_type != 0 ? try enumeration(c.type, V1LayerType.self, field: "type") : V1LayerType.none
        var l = CaffeV1Layer(name: layer, type: type)
        l.bottoms = strings(c.n_bottom, c.bottom)
        l.tops = strings(c.n_top, c.top)
        l.include = try each(c.n_include, c.include) { (d, r) throws(CaffeError) in try d.rule(r) }
        l.exclude = try each(c.n_exclude, c.exclude) { (d, r) throws(CaffeError) in try d.rule(r) }
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
        var p = CaffeLayerParameters()
        if let x = c.accuracy_param { p.accuracy = try accuracy(x.pointee) }
        if let x = c.concat_param { p.concat = try concat(x.pointee) }
        if let x = c.convolution_param { p.convolution = try convolution(x.pointee) }
        if let x = c.data_param { p.data = try data(x.pointee) }
        if let x = c.dropout_param { p.dropout = try dropout(x.pointee) }
        if let x = c.eltwise_param { p.eltwise = try eltwise(x.pointee) }
        if let x = c.hdf5_data_param { p.hdf5Data = try hdf5Data(x.pointee) }
        if let x = c.image_data_param { p.imageData = try imageData(x.pointee) }
        if let x = c.inner_product_param { p.innerProduct = try innerProduct(x.pointee) }
        if let x = c.lrn_param { p.lrn = try lrn(x.pointee) }
        if let x = c.memory_data_param { p.memoryData = try memoryData(x.pointee) }
        if let x = c.pooling_param { p.pooling = try pooling(x.pointee) }
        if let x = c.power_param { p.power = try power(x.pointee) }
        if let x = c.relu_param { p.relu = try relu(x.pointee) }
        if let x = c.softmax_param { p.softmax = try softmax(x.pointee) }
        if let x = c.slice_param { p.slice = try slice(x.pointee) }
        if let x = c.threshold_param { p.threshold = try threshold(x.pointee) }
        if let x = c.transform_param { p.transform = try transformation(x.pointee) }
        if let x = c.loss_param { p.loss = try loss(x.pointee) }
        l.parameters = p
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
        let stored: [Int]? = try b.shape.map { (s) throws(CaffeError) in try blobShape(s.pointee) }
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
