import GraftCore

/// The SSD fork's `Normalize` (`norm_param`, fork field 206; OpenCV reads it as NormalizeBBox):
/// L2 normalisation over the channels at each position, or over the whole sample when
/// `across_spatial` (default true), times blob `scale` of `[1]` when `channel_shared` (default
/// true) else `[C]`, filled from `scale_filler` (default constant 1). `eps` (default 1e-10) is
/// added to the sum of squares. Only a prototxt keeps `norm_param`: a Normalize known only from
/// a `.caffemodel` becomes opaque.
struct NormalizeMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.normalize
    static let fields: Set<String> = ["across_spatial", "channel_shared", "eps", "scale_filler"]

    static func unavailable(_ context: CaffeLayerContext) throws(CaffeImportError) -> String? {
        if CaffeForkParameters.onlyInBinary(context, number: 206) { return "its norm_param (a fork field) is not available, only a prototxt keeps it" }
        let others = try CaffeForkParameters(context, field: "norm_param")?.fields(besides: fields) ?? []
        return others.isEmpty ? nil : "norm_param has fields the SSD fork does not define: \(others.joined(separator: ", "))"
    }

    static func parameters(_ context: CaffeLayerContext) throws(CaffeImportError) -> (L2Normalization, CaffeParam.Filler?) {
        try context.requireBottoms(1...1)
        guard context.input.rank >= 2 else { throw context.invalid("needs an input with a channel axis, got \(context.input)") }
        guard let p = try CaffeForkParameters(context, field: "norm_param") else { return (L2Normalization(), nil) }
        let epsilon = Float(try p.number("eps") ?? 1e-10)
        guard epsilon >= 0, epsilon.isFinite else { throw context.invalid("norm_param eps \(epsilon) must be finite and >= 0") }
        let op = L2Normalization(acrossSpatial: try p.bool("across_spatial") ?? true, channelShared: try p.bool("channel_shared") ?? true,
                                 epsilon: epsilon)
        return (op, try p.filler("scale_filler"))
    }

    static func blobs(_ context: CaffeLayerContext) throws(CaffeImportError) -> [CaffeBlobRequirement] {
        let (op, filler) = try parameters(context)
        return [CaffeBlobRequirement(.scale, op.channelShared ? [1] : [context.input[1]], filler: filler, default: .constant(1))]
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        let (op, _) = try parameters(context)
        return .node(.l2Norm(op), [CaffeMappedParameter(name: "scale", tensor: blobs[0], blob: 0)])
    }
}

/// The SSD fork's `PriorBox` (see ``CaffePriorBox``): evaluated at import into a constant from
/// the shapes of its bottoms (feature map, image). Only a prototxt keeps `prior_box_param`; a
/// PriorBox known only from a `.caffemodel`, or with fields the fork does not define (OpenCV's
/// `offset_h`, `width`, ...), becomes opaque, as does one after an opaque layer (its bottoms'
/// shapes are unknown).
struct PriorBoxMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.priorBox

    static func unavailable(_ context: CaffeLayerContext) throws(CaffeImportError) -> String? {
        if CaffeForkParameters.onlyInBinary(context, number: 203) { return "its prior_box_param (a fork field) is not available, only a prototxt keeps it" }
        let others = try CaffeForkParameters(context, field: "prior_box_param")?.fields(besides: CaffePriorBox.fields) ?? []
        return others.isEmpty ? nil : "prior_box_param has fields the SSD fork does not define: \(others.joined(separator: ", "))"
    }

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(2...2)
        let (feature, image) = (context.inputShapes[0], context.inputShapes[1])
        guard feature.rank == 4, image.rank == 4 else {
            throw context.invalid("needs an NCHW feature map and image, got \(feature) and \(image)")
        }
        guard let p = try CaffeForkParameters(context, field: "prior_box_param") else { throw context.invalid("has no prior_box_param (min_size is required)") }
        return .constant(try CaffePriorBox(p).grid(feature: feature, image: image))
    }
}
