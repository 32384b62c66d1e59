import GraftCore
import GraftKernels

/// A 1x1 convolution and the depthwise convolution that alone reads its output, run as one pass
/// on blocked channels (inference; ``ExecutionPlan/fuseExpansions(_:retained:)``): the expanded
/// map is never written to memory. Each part is the layer the plan would otherwise have built
/// (its packed weight, folded bias and fused activation); this layer only runs them together.
final class ExpandedDepthwiseLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    private let expansion: ConvolutionLayer
    private let depthwise: ConvolutionLayer
    /// Workers the scratch holds bands for.
    private let parts = Parallel.workers

    init(_ site: LayerSite, _ op: Convolution, expansion folded: FoldedSite) throws(ExecutionError) {
        node = "\(folded.site.node.name) + \(site.node.name)"
        inputs = site.inputs
        outputs = site.outputs
        (expansion, depthwise) = try folded.separateLayers(reader: site, op)
        precondition(expansion.blockedWeight != nil && depthwise.blockedWeight != nil
                     && ChannelBlocks.fuses(expansion: expansion.geometry, into: depthwise.geometry),
                     "ExpandedDepthwiseLayer: \(node) is not a blocked expansion and depthwise pair")
    }

    var scratchCount: Int { ChannelBlocks.expandedDepthwiseScratchCount(for: depthwise.geometry, parts: parts) }
    var parameters: [Parameter] { expansion.parameters + depthwise.parameters }

    func forward(_ context: ForwardContext) {
        let fused = ChannelBlocks.FusedPointwise(packedWeight: expansion.blockedWeight!, bias: expansion.bias.map { UnsafePointer($0.pointer) },
                                            activation: expansion.activation, geometry: expansion.geometry)
        ChannelBlocks.expandedDepthwiseForward(input: context.input(inputs[0]), expansion: fused,
                                               packedWeight: depthwise.blockedWeight!,
                                               bias: depthwise.bias.map { UnsafePointer($0.pointer) },
                                               output: context.output(outputs[0]), batch: depthwise.batch,
                                               geometry: depthwise.geometry, parts: parts, scratch: context.scratch,
                                               residual: depthwise.residual.map { context.input($0) },
                                               activation: depthwise.activation)
    }

    func backward(_ context: BackwardContext) {
        preconditionFailure("ExpandedDepthwiseLayer: backward pass in an inference plan")
    }
}
