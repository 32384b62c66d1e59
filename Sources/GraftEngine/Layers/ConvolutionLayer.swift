import GraftCore
import GraftKernels

/// Convolution: Graft's panel GEMM image by image (or block by block of one image), im2col + BLAS
/// GEMM with several images' columns side by side, a plain GEMM for 1x1 kernels, Winograd F(2, 3)
/// (training's gradients) or F(4, 3) (inference, and training's forward pass where its tiles fit)
/// for wide stride-1 3x3 kernels, a vector kernel per plane for depthwise; at inference it may
/// add a following sum's other operand (``residual``) and apply a following ReLU (``activation``) itself,
/// carry a following BatchNorm, Scale or Bias in its weight and bias, and run on channels in
/// blocks of eight (``blocked``, ``blockedOutput``).
final class ConvolutionLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let geometry: ConvolutionGeometry
    /// The backward pass's strategy, and the forward pass's unless ``forwardStrategy`` says otherwise.
    let strategy: ConvolutionKernels.Strategy
    /// A training plan's forward pass by F(4, 3) where its backward pass runs F(2, 3) (whose input
    /// gradient then takes F(4, 3) too, its weight gradient the finite-difference-checked F(2, 3)),
    /// or by the output lanes where its backward pass runs the panels.
    let forwardStrategy: ConvolutionKernels.Strategy
    let batch: Int
    /// Images whose columns share one GEMM (see ``ConvolutionKernels/imagesPerChunk(for:strategy:batch:targetColumns:maximumScratch:)``).
    let imagesPerChunk: Int
    let forwardImagesPerChunk: Int
    private let weightForm: WeightForm
    let bias: Parameter?
    /// A following ReLU, Swish or HardSwish folded in by the plan (inference only).
    let activation: ActivationKernels.FusedActivation?
    /// The other operand of a following sum folded in by the plan (inference only): added to the
    /// output before ``activation``.
    let residual: ValueID?
    /// Whether input, output and residual hold channels in blocks of eight (``ChannelBlocks``; an
    /// inference plan's pointwise and depthwise convolutions, see ``ExecutionPlan/blockChannels(_:shapes:retained:)``).
    let blocked: Bool
    /// Whether the output (and residual) alone is blocked: a convolution by the output lanes
    /// whose readers all run on blocks (``ChannelArrangement/planesToBlocks``).
    let blockedOutput: Bool
    /// Workers the blocked depthwise pass's scratch holds bands for.
    private let parts = Parallel.workers

    /// Like a fully connected layer's, the weight is kept in one form: as stored (trainable, and
    /// what im2col and training's Winograd pass read), or — Winograd, the output lanes or blocked
    /// channels in an inference plan — transformed or packed once, without the stored copy (every
    /// step would change it in training).
    private enum WeightForm {
        case stored(Parameter)
        case winogradTransformed(FloatBuffer)
        case winograd43Transformed(FloatBuffer)
        case lanesPacked(FloatBuffer)
        case pointwiseBlocks(FloatBuffer)
        case depthwiseBlocks(FloatBuffer)
    }

    init(_ site: LayerSite, _ op: Convolution) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        activation = site.fusedActivation
        residual = site.fusedResidual ? site.inputs.last : nil
        blocked = site.channels == .blocks
        blockedOutput = site.channels == .planesToBlocks
        geometry = Self.geometry(site, op)
        batch = site.inputShape[0]
        strategy = ConvolutionKernels.preferredStrategy(for: geometry, batch: batch, inference: site.purpose == .inference)
        imagesPerChunk = ConvolutionKernels.imagesPerChunk(for: geometry, strategy: strategy, batch: batch)
        let training = site.purpose != .inference
        forwardStrategy = training ? ConvolutionKernels.trainingForwardStrategy(for: geometry, batch: batch, backward: strategy)
            : strategy
        forwardImagesPerChunk = forwardStrategy == strategy ? imagesPerChunk
            : ConvolutionKernels.imagesPerChunk(for: geometry, strategy: forwardStrategy, batch: batch)
        // With BatchNorm (or Scale, Bias) folded in by the plan, the weight and bias are the
        // folded ones; the weight is read from the binder once either way.
        let folded: (weight: Tensor, bias: Tensor)?
        if let affine = site.foldedNormalization {
            guard let weight = try site.tensor("weight") else {
                throw .missingWeight(node: site.node.name, key: site.node.tensorName("weight"))
            }
            folded = affine.fold(weight: weight, bias: try site.tensor("bias"))
        } else {
            folded = nil
        }
        /// The weight as stored (or folded), for the kernels that read it so.
        func storedWeight() throws(ExecutionError) -> Parameter {
            if let folded { return Parameter(key: site.node.tensorName("weight"), tensor: folded.weight) }
            return try site.required("weight")
        }
        /// The stored weight rewritten once into `count` floats by `rewrite` (inference only).
        func derivedWeight(count: Int, _ rewrite: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
            throws(ExecutionError) -> FloatBuffer {
            let stored: Tensor?
            if let folded { stored = folded.weight } else { stored = try site.tensor("weight") }
            guard let tensor = stored else {
                throw .missingWeight(node: site.node.name, key: site.node.tensorName("weight"))
            }
            let buffer = FloatBuffer(count: count)
            tensor.scalars.withUnsafeBufferPointer { rewrite($0.baseAddress!, buffer.pointer) }
            return buffer
        }
        let geometry = geometry
        if blocked, !ChannelBlocks.isDepthwise(geometry) {
            weightForm = .pointwiseBlocks(try derivedWeight(count: ChannelBlocks.pointwisePackedCount(for: geometry)) {
                ChannelBlocks.packPointwise($0, geometry: geometry, into: $1)
            })
        } else if blocked {
            weightForm = .depthwiseBlocks(try derivedWeight(count: ChannelBlocks.depthwisePackedCount(for: geometry)) {
                ChannelBlocks.packDepthwise($0, geometry: geometry, into: $1)
            })
        } else if strategy == .winograd4, site.purpose == .inference {
            weightForm = .winograd43Transformed(try derivedWeight(count: ConvolutionKernels.winograd43TransformedWeightCount(for: geometry)) {
                ConvolutionKernels.transformWinograd43Weights($0, geometry: geometry, into: $1)
            })
        } else if strategy == .winograd, site.purpose == .inference {
            weightForm = .winogradTransformed(try derivedWeight(count: ConvolutionKernels.winogradTransformedWeightCount(for: geometry)) {
                ConvolutionKernels.transformWinogradWeights($0, geometry: geometry, into: $1)
            })
        } else if strategy == .outputLanes, site.purpose == .inference {
            weightForm = .lanesPacked(try derivedWeight(count: ConvolutionKernels.lanesPackedWeightCount(for: geometry)) {
                ConvolutionKernels.packLanesWeights($0, geometry: geometry, into: $1)
            })
        } else {
            weightForm = .stored(try storedWeight())
        }
        if let folded {
            bias = Parameter(key: site.node.tensorName("bias"), tensor: folded.bias)
        } else {
            bias = try site.parameter("bias")
        }
        if blockedOutput {
            guard case .lanesPacked = weightForm else { preconditionFailure("ConvolutionLayer: \(node) writes blocks only by the output lanes") }
        }
    }

    /// The windows of a convolution site (shared with the plan, which decides on blocked channels
    /// from them).
    static func geometry(_ site: LayerSite, _ op: Convolution) -> ConvolutionGeometry {
        ConvolutionGeometry(
            patches: PatchGeometry(image: site.inputShape, windows: site.outputShape, kernel: op.kernel, stride: op.stride,
                                   padBegin: op.padBegin, dilation: op.dilation),
            outputChannels: op.outputChannels, groups: op.groups)
    }

    /// The stored weight (training plans, and inference plans whose kernel reads it as stored).
    var weight: Parameter? {
        if case .stored(let parameter) = weightForm { return parameter }
        return nil
    }

    /// The packed weight of a convolution on blocked channels (what the layers that fuse a 1x1
    /// convolution with a depthwise one read of each).
    var blockedWeight: UnsafePointer<Float>? {
        switch weightForm {
        case .pointwiseBlocks(let packed), .depthwiseBlocks(let packed): return UnsafePointer(packed.pointer)
        default: return nil
        }
    }

    var scratchCount: Int {
        if case .pointwiseBlocks = weightForm { return ChannelBlocks.pointwiseScratchCount(for: geometry, batch: batch) }
        if case .depthwiseBlocks = weightForm { return ChannelBlocks.depthwiseScratchCount(for: geometry, parts: parts) }
        if case .winograd43Transformed = weightForm {
            return ConvolutionKernels.winograd43ForwardScratchCount(for: geometry, imagesPerChunk: imagesPerChunk)
        }
        if case .lanesPacked = weightForm {
            return ConvolutionKernels.lanesForwardScratchCount(for: geometry, parts: imagesPerChunk)
        }
        return ConvolutionKernels.scratchCount(for: geometry, strategy: forwardStrategy, imagesPerChunk: forwardImagesPerChunk)
    }
    var backwardScratchCount: Int {
        ConvolutionKernels.backwardScratchCount(for: geometry, strategy: strategy, imagesPerChunk: imagesPerChunk)
    }
    var parameters: [Parameter] { (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? []) }

    func forward(_ context: ForwardContext) {
        let biasPointer = bias.map { UnsafePointer($0.pointer) }
        switch weightForm {
        case .winogradTransformed(let transformed):
            ConvolutionKernels.winogradForward(input: context.input(inputs[0]), transformedWeight: transformed.pointer,
                                               bias: biasPointer, output: context.output(outputs[0]),
                                               batch: batch, geometry: geometry, imagesPerChunk: imagesPerChunk,
                                               scratch: context.scratch)
            ConvolutionKernels.finish(context.output(outputs[0]), count: batch * geometry.outputImageCount,
                                      residual: residual.map { context.input($0) }, activation: activation)
        case .winograd43Transformed(let transformed):
            ConvolutionKernels.winograd43Forward(input: context.input(inputs[0]), transformedWeight: transformed.pointer,
                                                 bias: biasPointer, output: context.output(outputs[0]),
                                                 batch: batch, geometry: geometry, imagesPerChunk: imagesPerChunk,
                                                 scratch: context.scratch, residual: residual.map { context.input($0) },
                                                 activation: activation)
        case .lanesPacked(let packed):
            ConvolutionKernels.lanesForward(input: context.input(inputs[0]), packedWeight: packed.pointer, bias: biasPointer,
                                            output: context.output(outputs[0]), batch: batch, geometry: geometry,
                                            parts: imagesPerChunk, scratch: context.scratch,
                                            residual: residual.map { context.input($0) }, activation: activation,
                                            blockedOutput: blockedOutput)
        case .pointwiseBlocks(let packed):
            ChannelBlocks.pointwiseForward(input: context.input(inputs[0]), packedWeight: packed.pointer, bias: biasPointer,
                                           output: context.output(outputs[0]), batch: batch, geometry: geometry,
                                           scratch: context.scratch, residual: residual.map { context.input($0) },
                                           activation: activation)
        case .depthwiseBlocks(let packed):
            ChannelBlocks.depthwiseForward(input: context.input(inputs[0]), packedWeight: packed.pointer, bias: biasPointer,
                                           output: context.output(outputs[0]), batch: batch, geometry: geometry,
                                           parts: parts, scratch: context.scratch,
                                           residual: residual.map { context.input($0) }, activation: activation)
        case .stored(let weight):
            ConvolutionKernels.forward(input: context.input(inputs[0]), weight: weight.pointer,
                                       bias: biasPointer, output: context.output(outputs[0]),
                                       batch: batch, geometry: geometry, strategy: forwardStrategy, scratch: context.scratch,
                                       imagesPerChunk: forwardImagesPerChunk, residual: residual.map { context.input($0) },
                                       activation: activation)
        }
    }

    func backward(_ context: BackwardContext) {
        guard let weight else { preconditionFailure("ConvolutionLayer: backward pass in an inference plan") }
        ConvolutionKernels.backward(input: context.value(inputs[0]), weight: weight.pointer,
                                    outputGradient: context.outputGradient, inputGradient: context.inputGradient,
                                    weightGradient: weight.gradientPointer, biasGradient: bias?.gradientPointer,
                                    batch: batch, geometry: geometry, strategy: strategy,
                                    imagesPerChunk: imagesPerChunk, scratch: context.scratch)
    }
}

/// Caffe's Deconvolution: per image a GEMM into columns, then col2im onto the output. It is the
/// transpose of the convolution that maps the output's shape back to the input's.
final class DeconvolutionLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    /// The convolution whose transpose this is (its input is this layer's output).
    let mirrored: ConvolutionGeometry
    let batch: Int
    let weight: Parameter
    let bias: Parameter?

    init(_ site: LayerSite, _ op: Deconvolution) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let x = site.inputShape, y = site.outputShape
        mirrored = ConvolutionGeometry(
            patches: PatchGeometry(image: y, windows: x, kernel: op.kernel, stride: op.stride, padBegin: op.padBegin,
                                   dilation: op.dilation),
            outputChannels: x[1], groups: op.groups)
        batch = x[0]
        weight = try site.required("weight")
        bias = try site.parameter("bias")
    }

    var scratchCount: Int { mirrored.patches.columnCount }
    var backwardScratchCount: Int { ConvolutionKernels.transposedBackwardScratchCount(for: mirrored) }
    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func forward(_ context: ForwardContext) {
        ConvolutionKernels.transposed(input: context.input(inputs[0]), weight: weight.pointer,
                                      bias: bias.map { UnsafePointer($0.pointer) }, output: context.output(outputs[0]),
                                      batch: batch, geometry: mirrored, scratch: context.scratch)
    }

    func backward(_ context: BackwardContext) {
        ConvolutionKernels.transposedBackward(input: context.value(inputs[0]), weight: weight.pointer,
                                              outputGradient: context.outputGradient, inputGradient: context.inputGradient,
                                              weightGradient: weight.gradientPointer, biasGradient: bias?.gradientPointer,
                                              batch: batch, geometry: mirrored, scratch: context.scratch)
    }
}

extension PatchGeometry {
    /// The windows of a 2-D op's kernel, stride, leading pads and dilation over the NCHW `image`,
    /// with `windows` (NCHW) giving their count down and across: a convolution's input and output,
    /// or a deconvolution's output and input.
    init(image: Shape, windows: Shape, kernel: [Int], stride: [Int], padBegin: [Int], dilation: [Int]) {
        self.init(channels: image[1], height: image[2], width: image[3],
                  kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: stride[0], strideWidth: stride[1],
                  padTop: padBegin[0], padLeft: padBegin[1], dilationHeight: dilation[0], dilationWidth: dilation[1],
                  outputHeight: windows[2], outputWidth: windows[3])
    }
}
