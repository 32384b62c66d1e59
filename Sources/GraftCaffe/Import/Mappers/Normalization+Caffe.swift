import GraftCore

/// Caffe `BatchNorm`: three blobs, the running mean and variance each multiplied by a
/// moving-average factor `s`, and `s` itself (`[1]`). As Caffe (and OpenCV) do, the statistics are
/// multiplied by `1/s`, and `s == 0` means the statistics are zero. The affine part of Caffe's
/// batch normalisation is a separate Scale layer, so the Graft node has no scale or shift.
struct BatchNormMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.batchNorm

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        try context.requireBottoms(1...1)
        guard context.input.rank >= 2 else { throw context.invalid("needs a channel axis, input is \(context.input)") }
        let c = context.input[1]
        return [CaffeBlobRequirement(.mean, [c], filler: nil), CaffeBlobRequirement(.variance, [c], filler: nil),
                CaffeBlobRequirement(.factor, [1], filler: nil)]
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let p = context.layer.batchNorm ?? CaffeParam.BatchNorm()
        let (mean, variance) = statistics(mean: blobs[0], variance: blobs[1], factor: blobs[2].scalars[0])
        var warnings: [String] = []
        if p.useGlobalStats == false {
            warnings.append("layer '\(context.layer.name)' sets use_global_stats: false (batch statistics); Graft applies the stored statistics, as Caffe does in the TEST phase")
        }
        return .node(.batchNorm(BatchNorm(epsilon: p.eps, hasScale: false, hasShift: false,
                                          momentum: p.movingAverageFraction)),
                     parameters: [CaffeMappedParameter(name: "mean", tensor: mean, blob: 0),
                                  CaffeMappedParameter(name: "variance", tensor: variance, blob: 1)],
                     warnings: warnings)
    }

    /// Caffe's rule: statistics times `1/s`, or zero when `s` is zero. `s == 1` leaves the bits unchanged.
    static func statistics(mean: Tensor, variance: Tensor, factor s: Float) -> (Tensor, Tensor) {
        if s == 1 { return (mean, variance) }
        let f: Float = s == 0 ? 0 : 1 / s
        return (Tensor(shape: mean.shape, scalars: mean.scalars.map { $0 * f }),
                Tensor(shape: variance.shape, scalars: variance.scalars.map { $0 * f }))
    }
}

/// The dims `[axis ..< axis + numAxes]` of `x` (`numAxes == -1`: to the end), Caffe's rule for the
/// shape of a Scale or Bias blob.
private func affineAxes(_ context: CaffeLayerContext, axis: Int, numAxes: Int) throws(CaffeImportError) -> (axis: Int, count: Int) {
    let x = context.input
    let a = try context.axis(axis, field: "axis")
    let count = numAxes == -1 ? x.rank - a : numAxes
    guard count >= 0, a + count <= x.rank else {
        throw context.invalid("num_axes \(numAxes) from axis \(axis) does not fit input \(x)")
    }
    return (a, count)
}

/// Caffe `Scale`: multiplies by a learned blob of the input's dims `[axis ..< axis+num_axes]`
/// (filled with 1 when new), or by a second bottom of those dims; `bias_term` adds a learned bias.
struct ScaleMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.scale

    static func axes(_ context: CaffeLayerContext) throws(CaffeImportError) -> (axis: Int, count: Int) {
        try context.requireBottoms(1...2)
        let p = context.layer.scale ?? CaffeParam.Scale()
        if context.inputShapes.count == 2 {
            let factor = context.inputShapes[1]
            let a = try context.axis(p.axis, field: "axis")
            guard a + factor.rank <= context.input.rank,
                  Array(context.input.dims[a..<(a + factor.rank)]) == factor.dims else {
                throw context.invalid("second bottom \(factor) does not match input \(context.input) from axis \(a)")
            }
            return (a, factor.rank)
        }
        return try affineAxes(context, axis: p.axis, numAxes: p.numAxes)
    }

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        let p = context.layer.scale ?? CaffeParam.Scale()
        let (a, n) = try axes(context)
        let shape = Array(context.input.dims[a..<(a + n)])
        var blobs: [CaffeBlobRequirement] = []
        if context.inputShapes.count == 1 { blobs.append(CaffeBlobRequirement(.scale, shape, filler: p.filler, default: .constant(1))) }
        if p.biasTerm { blobs.append(CaffeBlobRequirement(.bias, shape, filler: p.biasFiller)) }
        return blobs
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let p = context.layer.scale ?? CaffeParam.Scale()
        let (a, n) = try axes(context)
        let names = (context.inputShapes.count == 1 ? ["scale"] : []) + (p.biasTerm ? ["bias"] : [])
        let parameters = zip(names, blobs).enumerated().map { i, pair in
            CaffeMappedParameter(name: pair.0, tensor: pair.1, blob: i)
        }
        return .node(.scale(Scale(axis: a, axisCount: n, hasBias: p.biasTerm)), parameters)
    }
}

/// Caffe `Bias`: adds a learned blob of the input's dims `[axis ..< axis+num_axes]`. The
/// two-bottom form (bias from a second input) has no Graft operation and becomes opaque.
struct BiasMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.bias

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        try context.requireBottoms(1...2)
        guard context.inputShapes.count == 1 else { return [] }
        let p = context.layer.bias ?? CaffeParam.Bias()
        let (a, n) = try affineAxes(context, axis: p.axis, numAxes: p.numAxes)
        return [CaffeBlobRequirement(.bias, Array(context.input.dims[a..<(a + n)]), filler: p.filler)]
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        guard context.inputShapes.count == 1 else {
            return CaffeOpaqueMapper.map(context.layer, blobs: blobs, reason: "a Bias layer with two bottoms has no Graft operation")
        }
        let p = context.layer.bias ?? CaffeParam.Bias()
        let (a, n) = try affineAxes(context, axis: p.axis, numAxes: p.numAxes)
        return .node(.bias(Bias(axis: a, axisCount: n)), [CaffeMappedParameter(name: "bias", tensor: blobs[0], blob: 0)])
    }
}
