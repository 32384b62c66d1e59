import GraftCore

/// Caffe `ReLU`; `negative_slope` makes it leaky.
struct ReLUMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.relu

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .node(.relu(ReLU(negativeSlope: context.layer.relu?.negativeSlope ?? 0)))
    }
}

/// Caffe `PReLU`: one slope per channel (`[C]`), or one for all with `channel_shared` (`[1]`);
/// Caffe fills new slopes with 0.25.
struct PReLUMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.prelu

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        try context.requireBottoms(1...1)
        let p = context.layer.prelu ?? CaffeParam.PReLU()
        guard context.input.rank >= 2 else { throw context.invalid("needs a channel axis, input is \(context.input)") }
        return [CaffeBlobRequirement(.slope, p.channelShared ? [1] : [context.input[1]], filler: p.filler,
                                     default: .constant(0.25))]
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let shared = context.layer.prelu?.channelShared ?? false
        return .node(.prelu(PReLU(channelShared: shared)), [CaffeMappedParameter(name: "slope", tensor: blobs[0], blob: 0)])
    }
}

/// Caffe `ELU` with its `alpha`.
struct ELUMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.elu

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .node(.activation(.elu(alpha: context.layer.elu?.alpha ?? 1)))
    }
}

/// Caffe `Sigmoid`.
struct SigmoidMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.sigmoid

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .node(.activation(.sigmoid))
    }
}

/// Caffe `TanH`.
struct TanHMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.tanh

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .node(.activation(.tanh))
    }
}

/// Caffe `Power`: `(shift + scale * x) ^ power`, the same parameters in Graft.
struct PowerMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.power

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let p = context.layer.power ?? CaffeParam.Power()
        return .node(.power(Power(power: p.power, scale: p.scale, shift: p.shift)))
    }
}

/// Caffe `Dropout`: identity at inference (Caffe scales while training), kept as a node so the
/// ratio survives for fine-tuning.
struct DropoutMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.dropout

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .node(.dropout(Dropout(ratio: context.layer.dropout?.dropoutRatio ?? 0.5)))
    }
}

/// Caffe `Softmax` along `axis`.
struct SoftmaxMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.softmax

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let axis = try context.axis(context.layer.softmax?.axis ?? 1, field: "axis")
        return .node(.softmax(Softmax(axis: axis)))
    }
}
