import GraftCore
import GraftKernels

/// A per-channel map `y ← (y − before) · scale + after` on a convolution's output, the form
/// BatchNorm at inference has (`before` its mean, `scale` γ/√(σ² + ε), `after` β) and Scale and
/// Bias nodes have with `before` zero. Folded into the convolution: its weight rows times `scale`,
/// its bias `(bias − before) · scale + after` (the mean subtracted first, as the separate layer does).
struct ChannelAffine {
    var before: [Float]
    var scale: [Float]
    var after: [Float]

    /// This map, then `next`: `((y − b₁) s₁ + a₁ − b₂) s₂ + a₂ = (y − b₁)(s₁ s₂) + (a₁ − b₂) s₂ + a₂`.
    func then(_ next: ChannelAffine) -> ChannelAffine {
        var composed = self
        for c in scale.indices {
            composed.scale[c] = scale[c] * next.scale[c]
            composed.after[c] = (after[c] - next.before[c]) * next.scale[c] + next.after[c]
        }
        return composed
    }

    /// A convolution's weight (`[outputs][...]`, rows of `weight.count / outputs`) and bias with
    /// this map folded in.
    func fold(weight: Tensor, bias: Tensor?) -> (weight: Tensor, bias: Tensor) {
        let outputs = scale.count, row = weight.elementCount / max(1, outputs)
        var scaled = weight.scalars
        for o in 0..<outputs {
            for k in o * row ..< (o + 1) * row { scaled[k] *= scale[o] }
        }
        var shifted = [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            let b: Float = bias?.scalars[o] ?? 0
            shifted[o] = (b - before[o]) * scale[o] + after[o]
        }
        return (Tensor(shape: weight.shape, scalars: scaled), Tensor(shape: [outputs], scalars: shifted))
    }
}

extension ExecutionPlan {
    /// Folds each zero Pad whose only reader is a convolution (as its input) into that
    /// convolution's leading pads (inference): Keras pads explicitly before strided convolutions
    /// (ZeroPadding2D, then a "valid" one), and the separate copy cost a pass over the map. The
    /// convolution's windows then reach past the image's far edges by the Pad's trailing amount,
    /// where every kernel reads zeros: the same sums.
    ///
    /// Returns the sites left and, for every value no longer written, the value that replaced it.
    static func foldPads(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for (i, site) in sites.enumerated() {
            guard case .pad(let pad) = site.node.op, site.purpose == .inference, pad.value == 0, site.inputs.count == 1,
                  site.outputs.count == 1, !retained.contains(site.output), let reading = readers[site.output], reading.count == 1,
                  case .convolution(var op) = sites[reading[0]].node.op, sites[reading[0]].inputs == [site.output],
                  op.padBegin.count == 2, pad.padBegin.count == 2 else { continue }
            let j = reading[0]
            op.padBegin = zip(op.padBegin, pad.padBegin).map { $0 + $1 }
            op.padEnd = zip(op.padEnd, pad.padEnd).map { $0 + $1 }
            result[j].node.op = .convolution(op)
            result[j].inputs = site.inputs
            result[j].inputShapes = site.inputShapes
            // Nothing reads the padded value any more; it names the Pad's input buffer.
            aliases[site.output] = site.input
            removed.insert(i)
        }
        return (Self.removing(removed, from: result), aliases)
    }

    /// Folds each BatchNorm (stored statistics), per-channel Scale or per-channel Bias that is the
    /// only reader of a convolution's output, and not kept, into the convolution's weight and bias
    /// (inference): Keras and Caffe files keep BatchNorm as its own node, and MobileNet from Keras
    /// spent 2.7 ms per image in its separate BatchNorm passes against 8.4 in its 1x1 convolutions
    /// (batch 1, Zen 3). Chains fold one
    /// after another (Caffe's Convolution → BatchNorm → Scale). The folded output differs from the
    /// separate layers' by rounding: the products are scaled before they are summed.
    ///
    /// Returns the sites left and, for every value no longer written, the value that replaced it.
    static func foldNormalizations(_ sites: [LayerSite], retained: Set<ValueID>) throws(ExecutionError)
        -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for i in sites.indices {
            guard case .convolution(let op) = sites[i].node.op, sites[i].purpose == .inference, sites[i].outputs.count == 1 else {
                continue
            }
            var site = result[i]
            while !retained.contains(site.output), let reading = readers[site.output], reading.count == 1,
                  let affine = try Self.channelAffine(of: sites[reading[0]], reading: site.output, channels: op.outputChannels) {
                let j = reading[0]
                site.foldedNormalization = site.foldedNormalization.map { $0.then(affine) } ?? affine
                aliases[site.output] = sites[j].output
                site.outputs = sites[j].outputs
                site.outputShapes = sites[j].outputShapes
                removed.insert(j)
            }
            result[i] = site
        }
        return (Self.removing(removed, from: result), aliases)
    }

    /// The per-channel map of a node that reads only `value` (`channels` of them on axis 1) and
    /// writes one output, if it is one that folds.
    private static func channelAffine(of site: LayerSite, reading value: ValueID, channels: Int) throws(ExecutionError)
        -> ChannelAffine? {
        guard site.inputs == [value], site.outputs.count == 1, site.inputShape.rank >= 2 else { return nil }
        // Every condition is checked before a tensor is read: a plan that takes the caller's
        // weights releases each one as it is handed out, and a node that does not fold asks again.
        // (Shape inference checked the parameters' shapes against the channels.)
        func values(_ name: String) throws(ExecutionError) -> [Float]? { try site.tensor(name).map { $0.scalars } }
        let zeros = [Float](repeating: 0, count: channels)
        switch site.node.op {
        case .batchNorm(let op):
            guard let mean = try values("mean"), let variance = try values("variance") else { return nil }
            let gamma = try values("scale")
            var multiplier = [Float](repeating: 0, count: channels)
            // The separate layer's multiplier, computed by the same kernel: the same factors.
            if let gamma {
                NormalizationKernels.batchNormMultiplier(variance: variance, scale: gamma, epsilon: op.epsilon,
                                                         channels: channels, into: &multiplier)
            } else {
                NormalizationKernels.batchNormMultiplier(variance: variance, scale: nil, epsilon: op.epsilon,
                                                         channels: channels, into: &multiplier)
            }
            return ChannelAffine(before: mean, scale: multiplier, after: try values("shift") ?? zeros)
        case .scale(let op):
            guard site.inputShape.normalizedAxis(op.axis) == 1, op.axisCount == 1, let gamma = try values("scale") else { return nil }
            return ChannelAffine(before: zeros, scale: gamma, after: try values("bias") ?? zeros)
        case .bias(let op):
            guard site.inputShape.normalizedAxis(op.axis) == 1, op.axisCount == 1, let beta = try values("bias") else { return nil }
            return ChannelAffine(before: zeros, scale: [Float](repeating: 1, count: channels), after: beta)
        default:
            return nil
        }
    }
}
