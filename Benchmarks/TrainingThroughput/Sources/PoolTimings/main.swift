// Max pooling of CaffeNet's pool1 at batch 32: plain forward, forward with argmax, backward.
import GraftCore
import GraftKernels

let clock = ContinuousClock()
func ms(_ body: () -> Void) -> Double {
    body()
    var t = Double.infinity
    for _ in 0..<5 {
        let s = clock.now; body(); let d = clock.now - s
        t = min(t, Double(d.components.attoseconds) * 1e-15 + Double(d.components.seconds) * 1e3)
    }
    return t
}
let planes = 32 * 96
let g = PoolingGeometry(height: 55, width: 55, outputHeight: 27, outputWidth: 27, kernelHeight: 3, kernelWidth: 3,
                        strideHeight: 2, strideWidth: 2)
var generator = SeededGenerator(seed: 1)
let x = UnsafeMutablePointer<Float>.allocate(capacity: planes * 55 * 55)
for i in 0..<(planes * 55 * 55) { x[i] = generator.nextUnitFloat() }
let y = UnsafeMutablePointer<Float>.allocate(capacity: planes * 27 * 27)
let dx = UnsafeMutablePointer<Float>.allocate(capacity: planes * 55 * 55)
let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: planes * 27 * 27)
print("rows plain      \(ms { PoolingKernels.maxForward(input: x, output: y, argmax: nil, planes: planes, geometry: g) }) ms")
print("plain forward   \(ms { PoolingKernels.forward(input: x, output: y, planes: planes, geometry: g, method: .max, divisor: .includePadding) }) ms")
print("argmax forward  \(ms { PoolingKernels.maxForward(input: x, output: y, argmax: argmax, planes: planes, geometry: g) }) ms")
print("backward        \(ms { PoolingKernels.maxBackward(outputGradient: y, argmax: argmax, inputGradient: dx, planes: planes, inputArea: 55 * 55, outputArea: 27 * 27) }) ms")
print("average forward \(ms { PoolingKernels.forward(input: x, output: y, planes: planes, geometry: g, method: .average, divisor: .includePadding) }) ms")
