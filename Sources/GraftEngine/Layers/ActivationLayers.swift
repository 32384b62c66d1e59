import GraftCore
import GraftKernels

/// A parameterless element-wise function: ReLU and its variants, the ``Activation`` functions,
/// and Caffe's Power.
final class PointwiseLayer: Layer {
    enum Function {
        case relu(ReLU)
        case activation(Activation)
        case power(Power)
    }

    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let function: Function
    let count: Int

    init(_ site: LayerSite, _ function: Function) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        self.function = function
        count = site.inputShape.elementCount
    }

    func forward(_ context: ForwardContext) {
        let x = context.input(inputs[0]), y = context.output(outputs[0])
        switch function {
        case .relu(let p):
            ActivationKernels.relu(input: x, output: y, count: count, negativeSlope: p.negativeSlope,
                                   maxValue: p.maxValue, threshold: p.threshold)
        case .activation(let f):
            ActivationKernels.apply(f, input: x, output: y, count: count)
        case .power(let p):
            ActivationKernels.power(input: x, output: y, count: count, power: p.power, scale: p.scale, shift: p.shift)
        }
    }

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        let x = context.value(inputs[0]), dy = context.outputGradient
        switch function {
        case .relu(let p):
            ActivationKernels.reluBackward(input: x, outputGradient: dy, inputGradient: dx, count: count,
                                           negativeSlope: p.negativeSlope, maxValue: p.maxValue, threshold: p.threshold)
        case .activation(let f):
            ActivationKernels.applyBackward(f, input: x, output: context.value(outputs[0]), outputGradient: dy,
                                            inputGradient: dx, count: count)
        case .power(let p):
            ActivationKernels.powerBackward(input: x, outputGradient: dy, inputGradient: dx, count: count,
                                            power: p.power, scale: p.scale, shift: p.shift)
        }
    }
}

/// Parametric ReLU with one slope per channel (axis 1) or one shared slope.
final class PReLULayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let extent: (outer: Int, middle: Int, inner: Int)
    let channelShared: Bool
    let slope: Parameter

    init(_ site: LayerSite, _ op: PReLU) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        extent = site.inputShape.split(1, 2)
        channelShared = op.channelShared
        slope = try site.required("slope")
    }

    var parameters: [Parameter] { [slope] }

    func forward(_ context: ForwardContext) {
        ActivationKernels.prelu(input: context.input(inputs[0]), output: context.output(outputs[0]),
                                outer: extent.outer, channels: extent.middle, inner: extent.inner,
                                slope: slope.pointer, channelShared: channelShared)
    }

    func backward(_ context: BackwardContext) {
        ActivationKernels.preluBackward(input: context.value(inputs[0]), outputGradient: context.outputGradient,
                                        outer: extent.outer, channels: extent.middle, inner: extent.inner,
                                        slope: slope.pointer, channelShared: channelShared,
                                        inputGradient: context.inputGradient, slopeGradient: slope.gradientPointer)
    }
}

/// Softmax along one axis.
final class SoftmaxLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let extent: (outer: Int, middle: Int, inner: Int)

    init(_ site: LayerSite, _ op: Softmax) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let axis = site.inputShape.normalizedAxis(op.axis) ?? 1   // checked by shape inference
        extent = site.inputShape.split(axis, axis + 1)
    }

    func forward(_ context: ForwardContext) {
        SoftmaxKernels.forward(input: context.input(inputs[0]), output: context.output(outputs[0]),
                               outer: extent.outer, axis: extent.middle, inner: extent.inner)
    }

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        SoftmaxKernels.backward(output: context.value(outputs[0]), outputGradient: context.outputGradient, inputGradient: dx,
                                outer: extent.outer, axis: extent.middle, inner: extent.inner)
    }
}

/// Element-wise sum (with coefficients), product or maximum. Inputs may broadcast to the output
/// (NumPy rules: a squeeze-and-excitation scale `[N, C, 1, 1]` times `[N, C, H, W]`); equally
/// shaped inputs take the plain loops.
final class EltwiseLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let operation: Eltwise.Operation
    let coefficients: [Float]
    let count: Int
    /// How each input is read against the output; nil when no input broadcasts.
    let maps: [BroadcastMap]?
    /// On blocked channels (``ExecutionPlan/blockChannels(_:shapes:retained:)``): a map times one
    /// factor per image and channel, the map's input index (the factors are the other) and the
    /// output's shape (see ``scalesChannels(_:)``).
    private let blockedScale: (map: Int, shape: Shape)?

    init(_ site: LayerSite, _ op: Eltwise) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        operation = op.operation
        coefficients = op.coefficients.isEmpty ? Array(repeating: 1, count: site.inputs.count) : op.coefficients
        count = site.outputShape.elementCount
        let maps = site.inputShapes.map { BroadcastMap(input: $0, output: site.outputShape) }
        self.maps = maps.allSatisfy(\.isIdentity) ? nil : maps
        if site.channels == .blocks {
            guard let map = Self.scalesChannels(site) else { preconditionFailure("EltwiseLayer: \(node) cannot run on blocks") }
            blockedScale = (map, site.outputShape)
        } else {
            blockedScale = nil
        }
    }

    /// Whether the plan runs it on blocked channels.
    var runsOnBlocks: Bool { blockedScale != nil }

    /// For a product of a `[N, C, H, W]` map (`C` whole blocks of ``ChannelBlocks/width``) by
    /// `[N, C, 1, 1]` factors at inference (squeeze-and-excitation's gate), the map's input index:
    /// such a product runs on blocked channels.
    static func scalesChannels(_ site: LayerSite) -> Int? {
        guard case .eltwise(let op) = site.node.op, op.operation == .product, site.purpose == .inference,
              site.inputs.count == 2, site.outputs.count == 1, case let y = site.outputShape, y.rank == 4,
              y[1] > 0, y[1] % ChannelBlocks.width == 0,
              let map = site.inputShapes.firstIndex(of: y), site.inputShapes[1 - map] == [y[0], y[1], 1, 1] else { return nil }
        return map
    }

    /// Backward of a broadcast input: its gradient at the output's size, then summed (the maximum
    /// also needs a mask of the earlier inputs that tie).
    var backwardScratchCount: Int { maps == nil ? 0 : (operation == .max ? 2 * count : count) }

    func forward(_ context: ForwardContext) {
        let y = context.output(outputs[0])
        if let blockedScale, case let shape = blockedScale.shape {
            ChannelBlocks.scaleForward(input: context.input(inputs[blockedScale.map]), factors: context.input(inputs[1 - blockedScale.map]),
                                       output: y, batch: shape[0], channels: shape[1], area: shape[2] * shape[3])
            return
        }
        if let maps {
            forwardBroadcast(context, y, maps)
            return
        }
        switch operation {
        case .sum:
            EltwiseKernels.scaledCopy(context.input(inputs[0]), coefficient: coefficients[0], into: y, count: count)
            for i in 1..<inputs.count {
                EltwiseKernels.addScaled(context.input(inputs[i]), coefficient: coefficients[i], to: y, count: count)
            }
        case .product:
            y.update(from: context.input(inputs[0]), count: count)
            for i in 1..<inputs.count { EltwiseKernels.multiply(context.input(inputs[i]), into: y, count: count) }
        case .max:
            y.update(from: context.input(inputs[0]), count: count)
            for i in 1..<inputs.count { EltwiseKernels.maximum(context.input(inputs[i]), into: y, count: count) }
        }
    }

    private func forwardBroadcast(_ context: ForwardContext, _ y: UnsafeMutablePointer<Float>, _ maps: [BroadcastMap]) {
        BroadcastKernels.scaledCopy(context.input(inputs[0]), maps[0], coefficient: operation == .sum ? coefficients[0] : 1,
                                    into: y)
        for i in 1..<inputs.count {
            let x = context.input(inputs[i])
            switch operation {
            case .sum: BroadcastKernels.addScaled(x, maps[i], coefficient: coefficients[i], to: y)
            case .product: BroadcastKernels.multiply(x, maps[i], into: y)
            case .max: BroadcastKernels.maximum(x, maps[i], into: y)
            }
        }
    }

    /// The inputs' forward values, resolved once when a training session prepares the layer.
    private var inputValues: [UnsafePointer<Float>] = []

    func prepareForTraining(_ preparation: TrainingPreparation) {
        inputValues = inputs.map { UnsafePointer(preparation.values.pointer($0)) }
    }

    func backward(_ context: BackwardContext) {
        let dy = context.outputGradient
        if let maps {
            backwardBroadcast(context, dy, maps)
            return
        }
        for (i, gradient) in context.inputGradients.enumerated() {
            guard let dx = gradient else { continue }
            switch operation {
            case .sum:
                EltwiseKernels.scaledCopy(dy, coefficient: coefficients[i], into: dx, count: count)
            case .product:
                EltwiseKernels.productGradient(outputGradient: dy, factors: inputValues, skip: i, into: dx, count: count)
            case .max:
                EltwiseKernels.maximumGradient(outputGradient: dy, output: context.value(outputs[0]), inputs: inputValues,
                                               index: i, into: dx, count: count)
            }
        }
    }

    /// Each input's gradient at the output's size (in scratch unless the input is output-sized),
    /// then summed over the dimensions it was broadcast along.
    private func backwardBroadcast(_ context: BackwardContext, _ dy: UnsafePointer<Float>, _ maps: [BroadcastMap]) {
        for (i, gradient) in context.inputGradients.enumerated() {
            guard let dx = gradient else { continue }
            let full = maps[i].isIdentity ? dx : context.scratch
            switch operation {
            case .sum:
                EltwiseKernels.scaledCopy(dy, coefficient: coefficients[i], into: full, count: count)
            case .product:
                full.update(from: dy, count: count)
                for j in inputs.indices where j != i { BroadcastKernels.multiply(inputValues[j], maps[j], into: full) }
            case .max:
                // dy where input i is the first input equal to the output (ties go to the earliest).
                let y = context.value(outputs[0])
                let tie = context.scratch + count
                BroadcastKernels.equalMask(inputValues[i], maps[i], value: y, into: full)
                for j in 0..<i {
                    BroadcastKernels.equalMask(inputValues[j], maps[j], value: y, into: tie)
                    for k in 0..<count where tie[k] != 0 { full[k] = 0 }
                }
                for k in 0..<count { full[k] *= dy[k] }
            }
            if !maps[i].isIdentity { BroadcastKernels.reduce(context.scratch, maps[i], into: dx) }
        }
    }
}

/// Dropout: identity at inference; in training (inverted dropout, as Caffe) each element is kept
/// with probability `1 - ratio` and scaled by `1 / (1 - ratio)`, from the layer's own seeded
/// random stream, so that a seeded session drops the same units on every run.
final class DropoutLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let ratio: Float
    let count: Int
    /// Per element 0 or `1 / (1 - ratio)`, from the last training forward pass.
    private var mask: FloatBuffer?
    private var generator = GraftCore.SeededGenerator(seed: 0)
    private var lastDropped = false
    /// Tests: keep the last mask instead of drawing a new one (finite differences need the same
    /// function on every evaluation).
    var reusesMask = false

    init(_ site: LayerSite, _ op: Dropout) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        ratio = op.ratio
        count = site.outputShape.elementCount
    }

    func prepareForTraining(_ preparation: TrainingPreparation) {
        guard preparation.training else { return }
        if mask == nil { mask = FloatBuffer(count: count) }
        generator = GraftCore.SeededGenerator(seed: preparation.seed)
    }

    func reseed(_ seed: UInt64) {
        generator = GraftCore.SeededGenerator(seed: seed)
    }

    func forward(_ context: ForwardContext) {
        let x = context.input(inputs[0]), y = context.output(outputs[0])
        guard context.training, let mask else {
            lastDropped = false
            y.update(from: x, count: count)
            return
        }
        lastDropped = true
        let m = mask.pointer
        if !reusesMask {
            let scale: Float = ratio < 1 ? 1 / (1 - ratio) : 0
            for i in 0..<count { m[i] = generator.nextUnitFloat() >= ratio ? scale : 0 }
        }
        for i in 0..<count { y[i] = x[i] * m[i] }
    }

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        let dy = context.outputGradient
        guard lastDropped, let mask else {
            dx.update(from: dy, count: count)
            return
        }
        let m = mask.pointer
        for i in 0..<count { dx[i] = dy[i] * m[i] }
    }
}
