import GraftCore
import GraftKernels

/// Fully connected layer over the input's dims from `axis` on.
///
/// At inference it multiplies by a transposed weight copy packed once (a plain GEMM beats the
/// transposed-B one for large layers on OpenBLAS, shared/PERF.md). In training the weight changes
/// every step: repacking fc6's 37 M floats each time costs more than the transposed-B GEMM loses,
/// so a training session marks the copy stale and the layer multiplies by the stored weight until
/// the next inference pass repacks it.
final class InnerProductLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let rows: Int
    let inputCount: Int
    let outputCount: Int
    let weight: Parameter
    let bias: Parameter?
    /// `weight` transposed to `[inputCount, outputCount]`.
    let packedWeight: FloatBuffer
    /// Whether ``packedWeight`` matches ``weight``.
    private(set) var packedIsCurrent = false

    init(_ site: LayerSite, _ op: InnerProduct) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let x = site.inputShape
        let axis = x.normalizedAxis(op.axis) ?? 1   // shape inference already checked the axis
        rows = x.count(from: 0, to: axis)
        inputCount = x.count(from: axis)
        outputCount = op.outputCount
        weight = try site.required("weight")
        bias = try site.parameter("bias")
        packedWeight = FloatBuffer(count: weight.count)
        parametersDidChange()
    }

    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    var backwardScratchCount: Int { InnerProductKernels.backwardScratchCount(rows: rows, outputCount: outputCount) }

    func parametersDidChange() {
        InnerProductKernels.pack(weight: weight.pointer, outputCount: outputCount, inputCount: inputCount,
                                 into: packedWeight.pointer)
        packedIsCurrent = true
    }

    /// The weight changed in a training step: use it directly until an inference pass repacks.
    func parametersDidChangeInTraining() { packedIsCurrent = false }

    func forward(_ context: ForwardContext) {
        let biasPointer = bias.map { UnsafePointer($0.pointer) }
        if !packedIsCurrent {
            if context.recordForBackward {
                InnerProductKernels.forwardUnpacked(input: context.input(inputs[0]), weight: weight.pointer,
                                                    bias: biasPointer, output: context.output(outputs[0]),
                                                    rows: rows, inputCount: inputCount, outputCount: outputCount)
                return
            }
            parametersDidChange()
        }
        InnerProductKernels.forward(input: context.input(inputs[0]), packedWeight: packedWeight.pointer,
                                    bias: biasPointer, output: context.output(outputs[0]),
                                    rows: rows, inputCount: inputCount, outputCount: outputCount)
    }

    func backward(_ context: BackwardContext) {
        InnerProductKernels.backward(input: context.value(inputs[0]), weight: weight.pointer,
                                     outputGradient: context.outputGradient, inputGradient: context.inputGradient,
                                     weightGradient: weight.gradientPointer, biasGradient: bias?.gradientPointer,
                                     rows: rows, inputCount: inputCount, outputCount: outputCount, scratch: context.scratch)
    }
}
