import GraftCore
import GraftKernels

/// Local response normalisation across or within channels.
final class LRNLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let op: LRN
    let shape: Shape

    init(_ site: LayerSite, _ op: LRN) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        self.op = op
        shape = site.inputShape
    }

    func forward(_ context: ForwardContext) {
        let x = context.input(inputs[0]), y = context.output(outputs[0])
        switch op.region {
        case .acrossChannels:
            LRNKernels.acrossChannels(input: x, output: y, batch: shape[0], channels: shape[1], area: shape[2] * shape[3],
                                      size: op.size, alpha: op.alpha, beta: op.beta, k: op.k)
        case .withinChannel:
            LRNKernels.withinChannel(input: x, output: y, planes: shape[0] * shape[1], height: shape[2], width: shape[3],
                                     size: op.size, alpha: op.alpha, beta: op.beta)
        }
    }
}

/// Batch normalisation with stored statistics: `(x - mean) * scale / sqrt(variance + ε) + shift`.
final class BatchNormLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let epsilon: Float
    let extent: (outer: Int, middle: Int, inner: Int)
    let mean: Parameter
    let variance: Parameter
    let scale: Parameter?
    let shift: Parameter?
    /// `scale / sqrt(variance + ε)` per channel, derived from the parameters.
    let multiplier: FloatBuffer

    init(_ site: LayerSite, _ op: BatchNorm) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        epsilon = op.epsilon
        extent = site.inputShape.split(1, 2)
        mean = try site.required("mean")
        variance = try site.required("variance")
        scale = try site.parameter("scale")
        shift = try site.parameter("shift")
        multiplier = FloatBuffer(count: extent.middle)
        parametersDidChange()
    }

    var parameters: [Parameter] { [mean, variance] + [scale, shift].compactMap { $0 } }

    func parametersDidChange() {
        NormalizationKernels.batchNormMultiplier(variance: variance.pointer, scale: scale.map { UnsafePointer($0.pointer) },
                                                 epsilon: epsilon, channels: extent.middle, into: multiplier.pointer)
    }

    func forward(_ context: ForwardContext) {
        NormalizationKernels.batchNorm(input: context.input(inputs[0]), output: context.output(outputs[0]),
                                       outer: extent.outer, channels: extent.middle, inner: extent.inner,
                                       mean: mean.pointer, multiplier: multiplier.pointer,
                                       shift: shift.map { UnsafePointer($0.pointer) })
    }
}

/// Caffe's Scale (factor from a parameter or from a second input, optional bias) and Bias layers:
/// a per-slice affine map broadcast over the other axes.
final class AffineLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let extent: (outer: Int, middle: Int, inner: Int)
    /// The factor as a parameter; nil when it comes from the second input or is absent (Bias).
    let scale: Parameter?
    let scaleFromInput: Bool
    let bias: Parameter?

    init(_ site: LayerSite, axis: Int, axisCount: Int, hasScale: Bool) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let x = site.inputShape
        let start = x.normalizedAxis(axis) ?? 1   // shape inference already checked the axes
        extent = x.split(start, start + axisCount)
        scaleFromInput = hasScale && site.inputs.count == 2
        scale = hasScale && !scaleFromInput ? try site.required("scale") : nil
        bias = try site.parameter("bias")
    }

    var parameters: [Parameter] { [scale, bias].compactMap { $0 } }

    func forward(_ context: ForwardContext) {
        let factor: UnsafePointer<Float>? = scaleFromInput ? context.input(inputs[1]) : scale.map { UnsafePointer($0.pointer) }
        NormalizationKernels.affine(input: context.input(inputs[0]), output: context.output(outputs[0]),
                                    outer: extent.outer, channels: extent.middle, inner: extent.inner,
                                    scale: factor, bias: bias.map { UnsafePointer($0.pointer) })
    }
}
