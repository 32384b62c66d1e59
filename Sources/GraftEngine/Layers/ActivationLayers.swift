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
}

/// Element-wise sum (with coefficients), product or maximum of equally shaped inputs.
final class EltwiseLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let operation: Eltwise.Operation
    let coefficients: [Float]
    let count: Int

    init(_ site: LayerSite, _ op: Eltwise) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        operation = op.operation
        coefficients = op.coefficients.isEmpty ? Array(repeating: 1, count: site.inputs.count) : op.coefficients
        count = site.outputShape.elementCount
    }

    func forward(_ context: ForwardContext) {
        let y = context.output(outputs[0])
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
}
