import GraftCore

/// MaxPool and AveragePool: 2-D only; `ceil_mode` from opset 10; dilations other than 1 refused.
enum ONNXPooling {
    static func map(_ n: ONNXNodeContext, method: Pooling.Method) throws(ONNXError) {
        let x = try n.value(0)
        guard x.shape.rank == 4 else { throw n.unsupported("only 2-D pooling (4-D input) is supported; input is \(x.shape)") }
        guard try n.ints("kernel_shape") != nil else { throw n.invalidAttribute("kernel_shape", "is required") }
        let kernel = try spatialAttribute(n, "kernel_shape", fallback: [])
        let stride = try spatialAttribute(n, "strides", fallback: [1, 1])
        let dilation = try spatialAttribute(n, "dilations", fallback: [1, 1])
        guard dilation == [1, 1] else { throw n.unsupported("dilations \(dilation): Graft pools without dilation") }
        let pads = try ONNXSpatialPadding.resolve(n, input: [x.shape[2], x.shape[3]], kernel: kernel, stride: stride, dilation: dilation)
        let ceil = try n.int("ceil_mode", default: 0) != 0
        let includePadding = try n.int("count_include_pad", default: 0) != 0
        if method == .max { try n.ignoreOutputs(beyond: 1, "the Indices output of MaxPool") }
        let rounding = ceil ? try ceilRounding(n, input: [x.shape[2], x.shape[3]], kernel: kernel, stride: stride, pads: pads) : .floor
        let op = Pooling(method: method, kernel: kernel, stride: stride, padBegin: pads.begin, padEnd: pads.end,
                         rounding: rounding, averageDivisor: includePadding ? .includePadding : .excludePadding)
        try n.emit(.pooling(op), inputs: [x.name])
    }
}

extension ONNXPooling {
    /// ONNX's `ceil_mode` (as PyTorch's): `ceil((in + pads - k) / s) + 1`, minus one when the last
    /// window would start beyond the input and its begin padding, padded or not. Caffe's ceil
    /// (Graft's ``Pooling/Rounding/ceil``) drops that window only when the axis is padded; on an
    /// unpadded axis where it differs, ONNX's size is the floor size (the dropped window was the
    /// only one ceil added). The rounding that gives ONNX's size on both axes, or an error.
    static func ceilRounding(_ n: ONNXNodeContext, input: [Int], kernel: [Int], stride: [Int],
                             pads: ONNXSpatialPadding) throws(ONNXError) -> Pooling.Rounding {
        func size(_ axis: Int, _ rounding: Pooling.Rounding) -> Int {
            Pooling.outputSize(input: input[axis], kernel: kernel[axis], stride: stride[axis], padBegin: pads.begin[axis],
                               padEnd: pads.end[axis], rounding: rounding)
        }
        // Graft's ceil already drops a window starting past the input on padded axes.
        let wanted = (0..<2).map { axis -> Int in
            let out = size(axis, .ceil)
            return size(axis, .floor) > 0 && (out - 1) * stride[axis] >= input[axis] + pads.begin[axis] ? out - 1 : out
        }
        for rounding in [Pooling.Rounding.ceil, .floor] where (0..<2).allSatisfy({ size($0, rounding) == wanted[$0] }) {
            return rounding
        }
        throw n.unsupported("ceil_mode gives \(wanted[0])x\(wanted[1]) outputs, which neither Caffe's ceil nor floor rounding gives "
                            + "for input \(input[0])x\(input[1]), kernel \(kernel), strides \(stride), pads \(pads.begin + pads.end)")
    }
}

enum MaxPoolMapper: ONNXOpMapper {
    static let opType = "MaxPool"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXPooling.map(n, method: .max) }
}

enum AveragePoolMapper: ONNXOpMapper {
    static let opType = "AveragePool"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXPooling.map(n, method: .average) }
}

enum GlobalAveragePoolMapper: ONNXOpMapper {
    static let opType = "GlobalAveragePool"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard x.shape.rank == 4 else { throw n.unsupported("only 4-D input is supported; input is \(x.shape)") }
        try n.emit(.pooling(Pooling(method: .average, global: true)), inputs: [x.name])
    }
}

enum GlobalMaxPoolMapper: ONNXOpMapper {
    static let opType = "GlobalMaxPool"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard x.shape.rank == 4 else { throw n.unsupported("only 4-D input is supported; input is \(x.shape)") }
        try n.emit(.pooling(Pooling(method: .max, global: true)), inputs: [x.name])
    }
}

/// ONNX's LRN is Caffe's across-channel LRN: `x / (bias + alpha/size * sum(x^2))^beta`.
enum LRNMapper: ONNXOpMapper {
    static let opType = "LRN"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard let size = try n.int("size"), size >= 1 else { throw n.invalidAttribute("size", "is required and positive") }
        guard size % 2 == 1 else { throw n.unsupported("even LRN size \(size) (an off-centre window)") }
        let op = LRN(region: .acrossChannels, size: size, alpha: try n.float("alpha", default: 1e-4),
                     beta: try n.float("beta", default: 0.75), k: try n.float("bias", default: 1))
        try n.emit(.lrn(op), inputs: [x.name])
    }
}

/// Inference-mode batch normalisation; training-mode outputs (running statistics) are not imported.
enum BatchNormalizationMapper: ONNXOpMapper {
    static let opType = "BatchNormalization"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard x.shape.rank >= 2 else { throw n.unsupported("input \(x.shape) has no channel axis") }
        if n.opset < 9, try n.int("spatial", default: 1) == 0 { throw n.unsupported("spatial = 0 (per-activation statistics)") }
        if try n.int("training_mode", default: 0) != 0 { try n.warn("training_mode = 1: imported with the stored statistics (inference mode)") }
        try n.ignoreOutputs(beyond: 1, "training-mode running statistics")
        let channels = x.shape[1]
        var parameters: [(String, Tensor)] = []
        for (index, name) in [(3, "mean"), (4, "variance"), (1, "scale"), (2, "shift")] {
            let c = try n.constant(index, name)
            guard c.count == channels else { throw n.invalid("\(name) has \(c.count) values for \(channels) channels") }
            parameters.append((name, Tensor(shape: [channels], scalars: c.floats)))
        }
        let op = BatchNorm(epsilon: try n.float("epsilon", default: 1e-5), hasScale: true, hasShift: true,
                           momentum: try n.float("momentum", default: 0.9))
        try n.emit(.batchNorm(op), inputs: [x.name], parameters: parameters)
    }
}

/// Instance normalisation: every (sample, channel) normalised over its spatial positions (a
/// LayerNormalization over axes 2... without affine), then a per-channel Scale with bias.
enum InstanceNormalizationMapper: ONNXOpMapper {
    static let opType = "InstanceNormalization"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard x.shape.rank >= 3 else { throw n.unsupported("input \(x.shape) has no spatial axis") }
        let channels = x.shape[1]
        let scale = try n.constant(1, "scale"), bias = try n.constant(2, "B")
        guard scale.count == channels, bias.count == channels else { throw n.invalid("scale and B need \(channels) values") }
        let normalized = try n.emit(.layerNorm(LayerNormalization(axis: 2, endAxis: -1, epsilon: try n.float("epsilon", default: 1e-5),
                                                                  hasScale: false, hasShift: false)),
                                    inputs: [x.name], suffix: "normalize")
        try n.emit(.scale(Scale(axis: 1, axisCount: 1, hasBias: true)), inputs: [normalized.name],
                   parameters: [("scale", Tensor(shape: [channels], scalars: scale.floats)),
                                ("bias", Tensor(shape: [channels], scalars: bias.floats))])
    }
}

/// ReduceMean / ReduceMax over the spatial axes of a 4-D input (what the dynamo exporter writes
/// for adaptive pooling to 1x1): a global pooling, reshaped when `keepdims` is 0. Axes are an
/// attribute before opset 18, an input from 18.
enum ONNXSpatialReduction {
    static func map(_ n: ONNXNodeContext, method: Pooling.Method) throws(ONNXError) {
        let x = try n.value(0)
        let given = n.opset < 18 ? try n.ints("axes") : try n.integers(1, "axes")
        guard x.shape.rank == 4, let given else { throw n.unsupported("only a reduction over H and W of a 4-D input is supported") }
        var axes = Set<Int>()
        for a in given { axes.insert(try n.axis(a, rank: 4, "axes")) }
        guard axes == [2, 3] else { throw n.unsupported("reduction over axes \(axes.sorted()); only H and W (2, 3) are supported") }
        if try n.int("keepdims", default: 1) != 0 {
            try n.emit(.pooling(Pooling(method: method, global: true)), inputs: [x.name])
        } else {
            let pooled = try n.emit(.pooling(Pooling(method: method, global: true)), inputs: [x.name], suffix: "pool")
            try n.emit(.flatten(Flatten(axis: 1, endAxis: -1)), inputs: [pooled.name])
        }
    }
}

enum ReduceMeanMapper: ONNXOpMapper {
    static let opType = "ReduceMean"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXSpatialReduction.map(n, method: .average) }
}

enum ReduceMaxMapper: ONNXOpMapper {
    static let opType = "ReduceMax"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXSpatialReduction.map(n, method: .max) }
}

/// LayerNormalization (opset 17): normalises over axes `axis ..< rank` (axis 0, the batch, is
/// refused: Graft never normalises across samples), then `Scale` and the optional `B`, both
/// constants of the normalised axes' shape (or one value); the Mean and InvStdDev outputs are
/// training-only.
enum LayerNormalizationMapper: ONNXOpMapper {
    static let opType = "LayerNormalization"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let axis = try n.axis(try n.int("axis", default: -1), rank: x.shape.rank)
        guard axis >= 1 else { throw n.unsupported("normalisation over axis 0 (the batch) of \(x.shape)") }
        try n.ignoreOutputs(beyond: 1, "the Mean and InvStdDev outputs of LayerNormalization")
        let normalized = Array(x.shape.dims[axis...])
        let count = normalized.reduce(1, *)
        func parameter(_ i: Int, _ what: String) throws(ONNXError) -> Tensor? {
            guard let c = try n.optionalConstant(i, what) else { return nil }
            guard c.count == count || c.count == 1 else {
                throw n.unsupported("\(what) has \(c.count) values; it must have one or \(count) (the shape \(normalized))")
            }
            return Tensor(shape: Shape(normalized), scalars: c.count == count ? c.floats : Array(repeating: c.floats[0], count: count))
        }
        let scale = try parameter(1, "Scale"), shift = try parameter(2, "B")
        let op = LayerNormalization(axis: axis, endAxis: x.shape.rank - 1, epsilon: try n.float("epsilon", default: 1e-5),
                                    hasScale: scale != nil, hasShift: shift != nil)
        try n.emit(.layerNorm(op), inputs: [x.name],
                   parameters: [("scale", scale), ("shift", shift)].compactMap { name, t in t.map { (name, $0) } })
    }
}
