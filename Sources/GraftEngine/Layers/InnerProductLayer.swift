import GraftCore
import GraftKernels

/// Fully connected layer over the input's dims from `axis` on.
///
/// The weight is kept in one layout only, chosen by the plan's purpose:
/// - **inference**: packed once into the panels of Graft's own GEMM (`Wᵀ`, whole panels of 32
///   outputs on AVX-512, 16 on AVX2), so that no call packs it again; the file's layout is not
///   kept, so CaffeNet's fc6 and fc7 cost 218 MB once, not twice. (Through the general product,
///   which packs `b` block by block on every call, CaffeNet's fc6 at batch 32 took 36.6 ms on a
///   2-core Zen 3 with AVX2, 21.4 from panels packed once; ONNX Runtime's prepacked weight 19.1.) At batch 1-8
///   the file's layout instead, each output a dot product with a contiguous weight row on Graft's
///   own kernel (a memory-bound GEMV: fc6 at batch 1 took 6.2 ms through OpenBLAS, see
///   `forwardFewRows`); without a SIMD kernel, transposed to `[inputCount, outputCount]` for BLAS;
/// - **training**: the file's layout `[outputCount, inputCount]`, which the optimizer updates; the
///   forward pass multiplies by it as a transposed-B GEMM (repacking fc6's 37.7 M floats after every
///   update would cost more than the plain GEMM saves).
final class InnerProductLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let rows: Int
    let inputCount: Int
    let outputCount: Int
    private let weightForm: WeightForm
    let bias: Parameter?

    private enum WeightForm {
        /// `[outputCount, inputCount]`, trainable.
        case stored(Parameter)
        /// `[inputCount, outputCount]`, inference only.
        case packed(FloatBuffer)
        /// `[outputCount, inputCount]` for inference at a few rows (dot products).
        case rowMajor(FloatBuffer)
        /// `Wᵀ` in the panels of the instruction set it was packed for, inference from 5 rows on.
        case panels(FloatBuffer, PanelKernels.InstructionSet)
    }

    init(_ site: LayerSite, _ op: InnerProduct) throws(ExecutionError) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        let x = site.inputShape
        let axis = x.normalizedAxis(op.axis) ?? 1   // shape inference already checked the axis
        rows = x.count(from: 0, to: axis)
        inputCount = x.count(from: axis)
        outputCount = op.outputCount
        switch site.purpose {
        case .training:
            weightForm = .stored(try site.required("weight"))
        case .inference:
            guard let tensor = try site.tensor("weight") else {
                throw .missingWeight(node: site.node.name, key: site.node.tensorName("weight"))
            }
            if InnerProductKernels.takesFewRows(rows: rows, inputCount: inputCount, outputCount: outputCount) {
                weightForm = .rowMajor(FloatBuffer(copying: tensor.scalars))
            } else if case let isa = PanelKernels.active, isa != .none {
                let panels = FloatBuffer(count: InnerProductKernels.panelWeightCount(inputCount: inputCount, outputCount: outputCount, isa: isa))
                let (outputs, inputs) = (outputCount, inputCount)
                tensor.scalars.withUnsafeBufferPointer { source in
                    InnerProductKernels.packPanels(weight: source.baseAddress!, outputCount: outputs, inputCount: inputs,
                                                   isa: isa, into: panels.pointer)
                }
                weightForm = .panels(panels, isa)
            } else {
                let packed = FloatBuffer(count: tensor.elementCount)
                let (outputs, inputs) = (outputCount, inputCount)
                tensor.scalars.withUnsafeBufferPointer { source in
                    InnerProductKernels.pack(weight: source.baseAddress!, outputCount: outputs, inputCount: inputs,
                                             into: packed.pointer)
                }
                weightForm = .packed(packed)
            }
        }
        bias = try site.parameter("bias")
    }

    /// The trainable weight (training plans only).
    var weight: Parameter? {
        if case .stored(let parameter) = weightForm { return parameter }
        return nil
    }

    var parameters: [Parameter] { (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? []) }
    var backwardScratchCount: Int { InnerProductKernels.backwardScratchCount(rows: rows, outputCount: outputCount) }

    func forward(_ context: ForwardContext) {
        let biasPointer = bias.map { UnsafePointer($0.pointer) }
        switch weightForm {
        case .stored(let weight):
            InnerProductKernels.forwardUnpacked(input: context.input(inputs[0]), weight: weight.pointer,
                                                bias: biasPointer, output: context.output(outputs[0]),
                                                rows: rows, inputCount: inputCount, outputCount: outputCount)
        case .packed(let packed):
            InnerProductKernels.forward(input: context.input(inputs[0]), packedWeight: packed.pointer,
                                        bias: biasPointer, output: context.output(outputs[0]),
                                        rows: rows, inputCount: inputCount, outputCount: outputCount)
        case .panels(let panels, let isa):
            InnerProductKernels.forwardPanels(input: context.input(inputs[0]), panels: panels.pointer, isa: isa,
                                              bias: biasPointer, output: context.output(outputs[0]),
                                              rows: rows, inputCount: inputCount, outputCount: outputCount)
        case .rowMajor(let weight):
            InnerProductKernels.forwardFewRows(input: context.input(inputs[0]), weight: weight.pointer,
                                               bias: biasPointer, output: context.output(outputs[0]),
                                               rows: rows, inputCount: inputCount, outputCount: outputCount)
        }
    }

    /// Set by the optimizer before a backward pass that should update the weight as it computes
    /// its gradient (the gradient is then not kept); nil otherwise.
    var fusedUpdate: InnerProductKernels.FusedSGD?

    func backward(_ context: BackwardContext) {
        guard let weight else { preconditionFailure("InnerProductLayer: backward pass in an inference plan") }
        if let fusedUpdate {
            InnerProductKernels.backward(input: context.value(inputs[0]), weight: weight.pointer,
                                         outputGradient: context.outputGradient, inputGradient: context.inputGradient,
                                         updating: fusedUpdate, biasGradient: bias?.gradientPointer,
                                         rows: rows, inputCount: inputCount, outputCount: outputCount, scratch: context.scratch)
            return
        }
        InnerProductKernels.backward(input: context.value(inputs[0]), weight: weight.pointer,
                                     outputGradient: context.outputGradient, inputGradient: context.inputGradient,
                                     weightGradient: weight.gradientPointer, biasGradient: bias?.gradientPointer,
                                     rows: rows, inputCount: inputCount, outputCount: outputCount, scratch: context.scratch)
    }
}
