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

    /// Scratch for every parallel part (sized when planned; more workers later just use fewer parts).
    let parts = Parallel.workers

    var backwardScratchCount: Int {
        LRNKernels.backwardScratchCount(channels: op.region == .acrossChannels ? shape[1] : 1, area: shape[2] * shape[3], parts: parts)
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

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        let x = context.value(inputs[0]), y = context.value(outputs[0])
        switch op.region {
        case .acrossChannels:
            LRNKernels.acrossChannelsBackward(input: x, output: y, outputGradient: context.outputGradient, inputGradient: dx,
                                              batch: shape[0], channels: shape[1], area: shape[2] * shape[3],
                                              size: op.size, alpha: op.alpha, beta: op.beta, k: op.k, scratch: context.scratch,
                                              scratchCount: backwardScratchCount)
        case .withinChannel:
            LRNKernels.withinChannelBackward(input: x, output: y, outputGradient: context.outputGradient, inputGradient: dx,
                                             planes: shape[0] * shape[1], height: shape[2], width: shape[3],
                                             size: op.size, alpha: op.alpha, beta: op.beta, scratch: context.scratch,
                                             scratchCount: backwardScratchCount)
        }
    }
}

/// Batch normalisation: `(x - mean) * scale / sqrt(variance + ε) + shift`.
///
/// At inference, in a frozen prefix, and in training with frozen statistics it uses the stored
/// `mean` and `variance` and is a per-channel affine map. In training with batch statistics it
/// normalises with the batch's mean and biased variance over `N × H × W`, back-propagates through
/// them, and updates the stored statistics as running averages with the op's momentum `λ`:
///
///     mean     ← λ · mean     + (1 - λ) · batchMean
///     variance ← λ · variance + (1 - λ) · batchVariance · m / (m - 1)      (m = N·H·W)
///
/// This is Caffe's moving average: Caffe accumulates `s ← λs + 1`, `Σmean ← λΣmean + batchMean`,
/// `Σvar ← λΣvar + m/(m-1) · batchVariance` and normalises by `s`; the importer divides `s` out,
/// and with `s` at its steady state `1/(1-λ)` Caffe's update is exactly the one above (Keras's
/// `momentum` and `1 - momentum` of PyTorch mean the same λ).
final class BatchNormLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let epsilon: Float
    let momentum: Float
    let extent: (outer: Int, middle: Int, inner: Int)
    let mean: Parameter
    let variance: Parameter
    let scale: Parameter?
    let shift: Parameter?
    /// `scale / sqrt(variance + ε)` per channel, derived from the parameters.
    let multiplier: FloatBuffer
    /// `1 / sqrt(variance + ε)` per channel, derived from the stored variance.
    let inverseStd: FloatBuffer
    /// The last training forward pass's statistics, and its multiplier (allocated for training).
    private var batchMean: FloatBuffer?
    private var batchVariance: FloatBuffer?
    private var batchInverseStd: FloatBuffer?
    private var batchMultiplier: FloatBuffer?
    /// Whether training forward passes normalise with the batch's statistics.
    private(set) var usesBatchStatistics = false
    /// Whether the last forward pass did.
    private var lastUsedBatchStatistics = false

    init(_ site: LayerSite, _ op: BatchNorm) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        epsilon = op.epsilon
        momentum = op.momentum
        extent = site.inputShape.split(1, 2)
        mean = try site.required("mean")
        variance = try site.required("variance")
        scale = try site.parameter("scale")
        shift = try site.parameter("shift")
        multiplier = FloatBuffer(count: extent.middle)
        inverseStd = FloatBuffer(count: extent.middle)
        parametersDidChange()
    }

    var parameters: [Parameter] { [mean, variance] + [scale, shift].compactMap { $0 } }
    var statisticsParameters: Set<String> { ["mean", "variance"] }

    func parametersDidChange() {
        NormalizationKernels.batchNormMultiplier(variance: variance.pointer, scale: scale.map { UnsafePointer($0.pointer) },
                                                 epsilon: epsilon, channels: extent.middle, into: multiplier.pointer)
        NormalizationKernels.batchNormMultiplier(variance: variance.pointer, scale: nil,
                                                 epsilon: epsilon, channels: extent.middle, into: inverseStd.pointer)
    }

    func prepareForTraining(_ preparation: TrainingPreparation) {
        usesBatchStatistics = preparation.training && preparation.batchStatistics
        if usesBatchStatistics, batchMean == nil {
            batchMean = FloatBuffer(count: extent.middle)
            batchVariance = FloatBuffer(count: extent.middle)
            batchInverseStd = FloatBuffer(count: extent.middle)
            batchMultiplier = FloatBuffer(count: extent.middle)
        }
    }

    func forward(_ context: ForwardContext) {
        let x = context.input(inputs[0]), y = context.output(outputs[0])
        let shiftPointer = shift.map { UnsafePointer($0.pointer) }
        guard context.training, usesBatchStatistics, let batchMean, let batchVariance, let batchInverseStd, let batchMultiplier else {
            lastUsedBatchStatistics = false
            NormalizationKernels.batchNorm(input: x, output: y, outer: extent.outer, channels: extent.middle, inner: extent.inner,
                                           mean: mean.pointer, multiplier: multiplier.pointer, shift: shiftPointer)
            return
        }
        lastUsedBatchStatistics = true
        let channels = extent.middle
        NormalizationKernels.batchStatistics(input: x, outer: extent.outer, channels: channels, inner: extent.inner,
                                             mean: batchMean.pointer, variance: batchVariance.pointer)
        NormalizationKernels.batchNormMultiplier(variance: batchVariance.pointer, scale: nil, epsilon: epsilon,
                                                 channels: channels, into: batchInverseStd.pointer)
        NormalizationKernels.batchNormMultiplier(variance: batchVariance.pointer, scale: scale.map { UnsafePointer($0.pointer) },
                                                 epsilon: epsilon, channels: channels, into: batchMultiplier.pointer)
        NormalizationKernels.batchNorm(input: x, output: y, outer: extent.outer, channels: channels, inner: extent.inner,
                                       mean: batchMean.pointer, multiplier: batchMultiplier.pointer, shift: shiftPointer)
        // Running averages (see the type's documentation).
        let m = extent.outer * extent.inner
        let correction = m > 1 ? Float(m) / Float(m - 1) : 1
        for c in 0..<channels {
            mean.pointer[c] = momentum * mean.pointer[c] + (1 - momentum) * batchMean.pointer[c]
            variance.pointer[c] = momentum * variance.pointer[c] + (1 - momentum) * batchVariance.pointer[c] * correction
        }
        parametersDidChange()
    }

    func backward(_ context: BackwardContext) {
        let x = context.value(inputs[0])
        if lastUsedBatchStatistics, let batchMean, let batchInverseStd {
            NormalizationKernels.batchNormTrainingBackward(
                input: x, outputGradient: context.outputGradient,
                outer: extent.outer, channels: extent.middle, inner: extent.inner,
                mean: batchMean.pointer, inverseStd: batchInverseStd.pointer, scale: scale.map { UnsafePointer($0.pointer) },
                inputGradient: context.inputGradient, scaleGradient: scale?.gradientPointer, shiftGradient: shift?.gradientPointer)
        } else {
            NormalizationKernels.batchNormFrozenBackward(
                input: x, outputGradient: context.outputGradient,
                outer: extent.outer, channels: extent.middle, inner: extent.inner,
                mean: mean.pointer, inverseStd: inverseStd.pointer, multiplier: multiplier.pointer,
                inputGradient: context.inputGradient, scaleGradient: scale?.gradientPointer, shiftGradient: shift?.gradientPointer)
        }
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

    func backward(_ context: BackwardContext) {
        let factor: UnsafePointer<Float>? = scaleFromInput ? context.value(inputs[1]) : scale.map { UnsafePointer($0.pointer) }
        let factorGradient = scaleFromInput ? context.inputGradients[1] : scale?.gradientPointer
        NormalizationKernels.affineBackward(input: context.value(inputs[0]), outputGradient: context.outputGradient,
                                            outer: extent.outer, channels: extent.middle, inner: extent.inner, scale: factor,
                                            inputGradient: context.inputGradient, scaleGradient: factorGradient,
                                            biasGradient: bias?.gradientPointer)
    }
}

/// Layer normalisation over dims `axis ... endAxis` (see ``LayerNormalization``); the same
/// computation at inference and in training (no running statistics).
final class LayerNormLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let epsilon: Float
    let extent: (outer: Int, middle: Int, inner: Int)
    let scale: Parameter?
    let shift: Parameter?

    init(_ site: LayerSite, _ op: LayerNormalization) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        epsilon = op.epsilon
        let x = site.inputShape
        // Shape inference checked the axes.
        let a = x.normalizedAxis(op.axis)!, e = x.normalizedAxis(op.endAxis)!
        extent = x.split(a, e + 1)
        scale = try site.parameter("scale")
        shift = try site.parameter("shift")
    }

    var parameters: [Parameter] { [scale, shift].compactMap { $0 } }
    var scratchCount: Int { LayerNormKernels.scratchCount(inner: extent.inner, backward: false) }
    var backwardScratchCount: Int { LayerNormKernels.scratchCount(inner: extent.inner, backward: true) }

    func forward(_ context: ForwardContext) {
        LayerNormKernels.forward(input: context.input(inputs[0]), output: context.output(outputs[0]),
                                 scale: scale.map { UnsafePointer($0.pointer) }, shift: shift.map { UnsafePointer($0.pointer) },
                                 outer: extent.outer, middle: extent.middle, inner: extent.inner, epsilon: epsilon,
                                 scratch: context.scratch)
    }

    func backward(_ context: BackwardContext) {
        LayerNormKernels.backward(input: context.value(inputs[0]), outputGradient: context.outputGradient,
                                  inputGradient: context.inputGradient, scale: scale.map { UnsafePointer($0.pointer) },
                                  scaleGradient: scale?.gradientPointer, shiftGradient: shift?.gradientPointer,
                                  outer: extent.outer, middle: extent.middle, inner: extent.inner, epsilon: epsilon,
                                  scratch: context.scratch)
    }
}

/// SSD's Normalize: L2 normalisation over the channels (or the whole sample) times `scale`.
final class L2NormLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let op: L2Normalization
    let extent: (outer: Int, middle: Int, inner: Int)
    let scale: Parameter

    init(_ site: LayerSite, _ op: L2Normalization) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        self.op = op
        extent = site.inputShape.split(1, 2)
        scale = try site.required("scale")
    }

    var parameters: [Parameter] { [scale] }
    var scratchCount: Int { L2NormKernels.scratchCount(inner: extent.inner, acrossSpatial: op.acrossSpatial, backward: false) }
    var backwardScratchCount: Int { L2NormKernels.scratchCount(inner: extent.inner, acrossSpatial: op.acrossSpatial, backward: true) }

    func forward(_ context: ForwardContext) {
        L2NormKernels.forward(input: context.input(inputs[0]), output: context.output(outputs[0]), scale: scale.pointer,
                              channelShared: op.channelShared, acrossSpatial: op.acrossSpatial,
                              outer: extent.outer, middle: extent.middle, inner: extent.inner, epsilon: op.epsilon,
                              scratch: context.scratch)
    }

    func backward(_ context: BackwardContext) {
        L2NormKernels.backward(input: context.value(inputs[0]), outputGradient: context.outputGradient,
                               inputGradient: context.inputGradient, scale: scale.pointer, scaleGradient: scale.gradientPointer,
                               channelShared: op.channelShared, acrossSpatial: op.acrossSpatial,
                               outer: extent.outer, middle: extent.middle, inner: extent.inner, epsilon: op.epsilon,
                               scratch: context.scratch)
    }
}
