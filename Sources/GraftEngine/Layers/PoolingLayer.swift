import GraftCore
import GraftKernels

/// Max or average pooling, windowed or global.
final class PoolingLayer: Layer {
    let node: String
    let inputs: [ValueID]
    let outputs: [ValueID]
    let op: Pooling
    let planes: Int
    let area: Int
    let geometry: PoolingGeometry?

    init(_ site: LayerSite, _ op: Pooling) {
        node = site.node.name
        inputs = site.inputs
        outputs = site.outputs
        self.op = op
        let x = site.inputShape, y = site.outputShape
        planes = x[0] * x[1]
        area = x[2] * x[3]
        geometry = op.global ? nil : PoolingGeometry(
            height: x[2], width: x[3], outputHeight: y[2], outputWidth: y[3],
            kernelHeight: op.kernel[0], kernelWidth: op.kernel[1],
            strideHeight: op.stride[0], strideWidth: op.stride[1],
            padTop: op.padBegin[0], padLeft: op.padBegin[1], padBottom: op.padEnd[0], padRight: op.padEnd[1])
    }

    func forward(_ context: ForwardContext) {
        if let geometry {
            PoolingKernels.forward(input: context.input(inputs[0]), output: context.output(outputs[0]), planes: planes,
                                   geometry: geometry, method: op.method, divisor: op.averageDivisor)
        } else {
            PoolingKernels.global(input: context.input(inputs[0]), output: context.output(outputs[0]), planes: planes,
                                  area: area, method: op.method)
        }
    }
}
