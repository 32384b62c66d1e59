import GraftCore
import GraftKernels

/// A depthwise convolution and the 1x1 convolution that alone reads its output, run as one pass
/// on blocked channels (inference; ``ExecutionPlan/fuseProjections(_:retained:)``): the depthwise
/// map is never written to memory. Each part is the layer the plan would otherwise have built
/// (its packed weight, folded bias and fused activation; the residual is the 1x1 layer's); this
/// layer only runs them together.
final class DepthwisePointwiseLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    private let depthwise: ConvolutionLayer
    private let projection: ConvolutionLayer
    /// Workers the scratch holds buffers for.
    private let parts = Parallel.workers

    init(_ site: LayerSite, _ op: Convolution, depthwise folded: FoldedSite) throws(ExecutionError) {
        node = "\(folded.site.node.name) + \(site.node.name)"
        inputs = site.inputs
        outputs = site.outputs
        (depthwise, projection) = try folded.separateLayers(reader: site, op)
        precondition(depthwise.blockedWeight != nil && projection.blockedWeight != nil && depthwise.residual == nil
                     && ChannelBlocks.fuses(depthwise: depthwise.geometry, into: projection.geometry),
                     "DepthwisePointwiseLayer: \(node) is not a blocked depthwise and pointwise pair")
    }

    var scratchCount: Int { ChannelBlocks.depthwisePointwiseScratchCount(for: depthwise.geometry, parts: parts) }
    var parameters: [Parameter] { depthwise.parameters + projection.parameters }

    func forward(_ context: ForwardContext) {
        let fused = ChannelBlocks.FusedPointwise(packedWeight: projection.blockedWeight!,
                                                 bias: projection.bias.map { UnsafePointer($0.pointer) },
                                                 activation: projection.activation, geometry: projection.geometry)
        ChannelBlocks.depthwisePointwiseForward(input: context.input(inputs[0]), packedWeight: depthwise.blockedWeight!,
                                                bias: depthwise.bias.map { UnsafePointer($0.pointer) },
                                                activation: depthwise.activation, projection: fused,
                                                output: context.output(outputs[0]), batch: depthwise.batch,
                                                geometry: depthwise.geometry, parts: parts, scratch: context.scratch,
                                                residual: projection.residual.map { context.input($0) })
    }

    func backward(_ context: BackwardContext) {
        preconditionFailure("DepthwisePointwiseLayer: backward pass in an inference plan")
    }
}
