import GraftCore
import GraftKernels

/// Everything the plan resolved for one node before building its layer: value slots, shapes and
/// access to its weights.
///
/// The plan's fusions rewrite a site by copying it and changing what they fold in, so that
/// whatever earlier fusions recorded travels with it.
struct LayerSite {
    var node: Node
    var inputs: [ValueID]
    var outputs: [ValueID]
    var inputShapes: [Shape]
    var outputShapes: [Shape]
    let weights: WeightBinder
    let purpose: ExecutionPlan.Purpose
    /// A ReLU, Swish or HardSwish that only reads this node's output, folded into it by the plan
    /// (inference; see ``ExecutionPlan/fuseActivations(_:retained:)``): the layer applies it to
    /// its own output.
    var fusedActivation: ActivationKernels.FusedActivation? = nil
    /// A sum that only reads this node's output and one other value of the same shape, folded into
    /// it by the plan (inference; ``ExecutionPlan/fuseResiduals(_:retained:)``): that value is
    /// the site's last input, added to the output before ``fusedActivation``.
    var fusedResidual = false
    /// BatchNorm, Scale and Bias nodes that only read this convolution's output, folded into its
    /// weight and bias by the plan (inference; see ``ExecutionPlan/foldNormalizations(_:retained:)``).
    var foldedNormalization: ChannelAffine? = nil
    /// How the site's layer lays out channels (see ``ExecutionPlan/blockChannels(_:shapes:retained:)``).
    var channels: ChannelArrangement = .planes
    /// A 1x1 convolution whose output only this depthwise convolution reads, folded into it by
    /// the plan (inference; ``ExecutionPlan/fuseExpansions(_:retained:)``): the site's first
    /// input is then the 1x1 convolution's.
    var expansion: FoldedSite? = nil
    /// A depthwise convolution whose output only this 1x1 convolution reads, folded into it by
    /// the plan (inference; ``ExecutionPlan/fuseProjections(_:retained:)``): the site's first
    /// input is then the depthwise convolution's.
    var foldedDepthwise: FoldedSite? = nil

    var input: ValueID { inputs[0] }
    var output: ValueID { outputs[0] }
    var inputShape: Shape { inputShapes[0] }
    var outputShape: Shape { outputShapes[0] }

    func parameter(_ name: String) throws(ExecutionError) -> Parameter? { try weights.parameter(name, of: node) }
    func required(_ name: String) throws(ExecutionError) -> Parameter { try weights.required(name, of: node) }
    func tensor(_ name: String) throws(ExecutionError) -> Tensor? { try weights.tensor(name, of: node) }
}

/// The site of a convolution folded into the one it feeds (a 1x1 expansion into a depthwise
/// convolution, a depthwise convolution into a 1x1 projection; a class: a struct cannot hold
/// itself).
final class FoldedSite {
    let site: LayerSite

    init(_ site: LayerSite) { self.site = site }

    /// The two layers the plan would have built without the fusion: this site's convolution and
    /// `reader`'s as it reads this site's output (its windows come from that shape), which the
    /// fused layer runs together.
    func separateLayers(reader: LayerSite, _ op: Convolution) throws(ExecutionError)
        -> (folded: ConvolutionLayer, reader: ConvolutionLayer) {
        guard case .convolution(let foldedOp) = site.node.op else {
            preconditionFailure("FoldedSite: \(site.node.name), folded into \(reader.node.name), is not a convolution")
        }
        var separate = reader
        separate.inputs[0] = site.output
        separate.inputShapes[0] = site.outputShape
        separate.expansion = nil
        separate.foldedDepthwise = nil
        return (try ConvolutionLayer(site, foldedOp), try ConvolutionLayer(separate, op))
    }
}

/// Where a site's values keep their channels: NCHW planes, or blocks of eight (NCHW8c,
/// ``ChannelBlocks``), which only convolutions that run on them read and write, with sites that
/// convert between the two where a value crosses over.
enum ChannelArrangement: Equatable {
    /// NCHW in and out (every layer).
    case planes
    /// A convolution reading and writing blocked values (its residual too).
    case blocks
    /// A convolution by the output lanes reading planes and writing its output (and reading its
    /// residual) in blocks: a planar layer whose every reader is blocked needs no conversion.
    case planesToBlocks
    /// A conversion of a planar value into a blocked copy.
    case toBlocks
    /// A conversion of a blocked value into its planar form.
    case toPlanes
}

extension Shape {
    /// `(outer, middle, inner)` element counts for viewing this shape as
    /// `[dims[..<start], dims[start..<end], dims[end...]]`.
    func split(_ start: Int, _ end: Int) -> (outer: Int, middle: Int, inner: Int) {
        (count(from: 0, to: start), count(from: start, to: end), count(from: end))
    }
}
