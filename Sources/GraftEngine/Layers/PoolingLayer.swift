import GraftCore
import GraftKernels

/// Max or average pooling, windowed or global. Max pooling records each output's source element
/// when a backward pass follows, and routes the gradient there.
final class PoolingLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let op: Pooling
    let planes: Int
    let area: Int
    let outputArea: Int
    let geometry: PoolingGeometry?
    /// Max pooling's argmax (index within the input plane per output), allocated for training.
    private(set) var argmax: IndexBuffer?
    /// Whether input and output hold channels in blocks of eight (an inference plan's pooling
    /// between blocked layers, ``ExecutionPlan/blockChannels(_:shapes:retained:)``).
    let blocked: Bool
    /// Images and channels of the input (for the blocked kernels).
    private let batch: Int, channels: Int

    init(_ site: LayerSite, _ op: Pooling) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        self.op = op
        let x = site.inputShape, y = site.outputShape
        planes = x[0] * x[1]
        batch = x[0]
        channels = x[1]
        blocked = site.channels == .blocks
        area = x[2] * x[3]
        outputArea = y[2] * y[3]
        geometry = op.global ? nil : PoolingGeometry(
            height: x[2], width: x[3], outputHeight: y[2], outputWidth: y[3],
            kernelHeight: op.kernel[0], kernelWidth: op.kernel[1],
            strideHeight: op.stride[0], strideWidth: op.stride[1],
            padTop: op.padBegin[0], padLeft: op.padBegin[1], padBottom: op.padEnd[0], padRight: op.padEnd[1])
    }

    func prepareForTraining(_ preparation: TrainingPreparation) {
        if preparation.backward, op.method == .max, argmax == nil { argmax = IndexBuffer(count: planes * outputArea) }
    }

    /// Whether an inference plan may run this pooling on blocked channels: a 2-D pooling of whole
    /// blocks of channels on a vector unit.
    static func runsOnBlocks(_ site: LayerSite) -> Bool {
        guard case .pooling = site.node.op, site.purpose == .inference, PanelKernels.active != .none,
              site.inputShape.rank == 4, site.outputShape.rank == 4 else { return false }
        return site.inputShape[1] % ChannelBlocks.width == 0 && site.inputShape[1] > 0
    }

    func forward(_ context: ForwardContext) {
        let x = context.input(inputs[0]), y = context.output(outputs[0])
        if blocked {
            if let geometry {
                ChannelBlocks.poolForward(input: x, output: y, batch: batch, channels: channels, geometry: geometry,
                                          method: op.method, divisor: op.averageDivisor)
            } else {
                ChannelBlocks.globalPoolForward(input: x, output: y, batch: batch, channels: channels, area: area,
                                                method: op.method)
            }
            return
        }
        let record = context.recordForBackward ? argmax?.pointer : nil
        switch (op.method, geometry) {
        case (.max, let geometry?):
            // The row-wise kernel is faster than the window-wise one even without the argmax.
            PoolingKernels.maxForward(input: x, output: y, argmax: record, planes: planes, geometry: geometry)
        case (.max, nil):
            if let record {
                PoolingKernels.globalMaxForward(input: x, output: y, argmax: record, planes: planes, area: area)
            } else {
                PoolingKernels.global(input: x, output: y, planes: planes, area: area, method: .max)
            }
        case (.average, let geometry?):
            PoolingKernels.forward(input: x, output: y, planes: planes, geometry: geometry, method: .average,
                                   divisor: op.averageDivisor)
        case (.average, nil):
            PoolingKernels.global(input: x, output: y, planes: planes, area: area, method: .average)
        }
    }

    func backward(_ context: BackwardContext) {
        guard let dx = context.inputGradient else { return }
        switch op.method {
        case .max:
            guard let argmax else { preconditionFailure("\(node): max pooling backward without a recorded argmax") }
            PoolingKernels.maxBackward(outputGradient: context.outputGradient, argmax: argmax.pointer, inputGradient: dx,
                                       planes: planes, inputArea: area, outputArea: outputArea)
        case .average:
            if let geometry {
                PoolingKernels.averageBackward(outputGradient: context.outputGradient, inputGradient: dx, planes: planes,
                                               geometry: geometry, divisor: op.averageDivisor)
            } else {
                PoolingKernels.globalAverageBackward(outputGradient: context.outputGradient, inputGradient: dx,
                                                     planes: planes, area: area)
            }
        }
    }
}
