import GraftCore
import GraftKernels

/// Fully connected layer over the input's dims from `axis` on, with a transposed weight copy
/// packed once (a plain GEMM beats the transposed-B one for large layers on OpenBLAS).
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

    func parametersDidChange() {
        InnerProductKernels.pack(weight: weight.pointer, outputCount: outputCount, inputCount: inputCount,
                                 into: packedWeight.pointer)
    }

    func forward(_ context: ForwardContext) {
        InnerProductKernels.forward(input: context.input(inputs[0]), packedWeight: packedWeight.pointer,
                                    bias: bias.map { UnsafePointer($0.pointer) }, output: context.output(outputs[0]),
                                    rows: rows, inputCount: inputCount, outputCount: outputCount)
    }
}
