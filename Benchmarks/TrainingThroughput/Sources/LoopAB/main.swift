import Foundation
// A/B of the engine's own parallel loops at CaffeNet batch-32 sizes: each kernel timed with the
// loops split over the workers (default) and forced serial, interleaved, best of 5 each.
import GraftCore
import GraftKernels

let clock = ContinuousClock()
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15 }
func ab(_ name: String, _ body: () -> Void) {
    var parallel = Double.infinity, serial = Double.infinity
    body()
    for _ in 0..<5 {
        var s = clock.now; body(); parallel = min(parallel, ms(clock.now - s))
        s = clock.now; Parallel.$minimumWorkOverride.withValue(Int.max) { body() }; serial = min(serial, ms(clock.now - s))
    }
    print(String(format: "%-36@ parallel %7.1f ms   serial %7.1f ms   (x%.2f)", name as NSString, parallel, serial, serial / parallel))
}
func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
    var generator = SeededGenerator(seed: UInt64(count))
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    for i in 0..<count { p[i] = generator.nextUnitFloat() - 0.5 }
    return p
}
let batch = 32
// conv2: 96x27x27 input, 5x5 pad 2, 2 groups; im2col and col2im for the whole batch.
let conv2 = PatchGeometry(channels: 96, height: 27, width: 27, kernelHeight: 5, kernelWidth: 5, padTop: 2, padLeft: 2,
                          outputHeight: 27, outputWidth: 27)
let x2 = buffer(batch * conv2.imageCount), columns = buffer(conv2.columnCount)
ab("im2col conv2 (32 images)") { for n in 0..<batch { Im2col.unfold(image: x2 + n * conv2.imageCount, geometry: conv2, columns: columns) } }
ab("col2im conv2 (32 images)") { for n in 0..<batch { Im2col.fold(columns: columns, geometry: conv2, image: x2 + n * conv2.imageCount) } }
let conv1 = PatchGeometry(channels: 3, height: 227, width: 227, kernelHeight: 11, kernelWidth: 11, strideHeight: 4, strideWidth: 4,
                          outputHeight: 55, outputWidth: 55)
let x1 = buffer(batch * conv1.imageCount), columns1 = buffer(conv1.columnCount)
ab("im2col conv1 (32 images)") { for n in 0..<batch { Im2col.unfold(image: x1 + n * conv1.imageCount, geometry: conv1, columns: columns1) } }
// pool1 / norm1 / relu1 and an fc6-sized SGD update.
let pool = PoolingGeometry(height: 55, width: 55, outputHeight: 27, outputWidth: 27, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2)
let p1 = buffer(batch * 96 * 55 * 55), q1 = buffer(batch * 96 * 27 * 27), dq = buffer(batch * 96 * 55 * 55)
let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: batch * 96 * 27 * 27)
ab("max pool1 forward with argmax") { PoolingKernels.maxForward(input: p1, output: q1, argmax: argmax, planes: batch * 96, geometry: pool) }
ab("max pool1 backward") { PoolingKernels.maxBackward(outputGradient: q1, argmax: argmax, inputGradient: dq, planes: batch * 96, inputArea: 55 * 55, outputArea: 27 * 27) }
let n1 = buffer(batch * 96 * 27 * 27), dn = buffer(batch * 96 * 27 * 27)
let lrnScratch = buffer(LRNKernels.backwardScratchCount(channels: 96, area: 729, parts: 2))
ab("LRN norm1 forward") { LRNKernels.acrossChannels(input: q1, output: n1, batch: batch, channels: 96, area: 729, size: 5, alpha: 1e-4, beta: 0.75, k: 1) }
ab("LRN norm1 backward") {
    LRNKernels.acrossChannelsBackward(input: q1, output: n1, outputGradient: n1, inputGradient: dn, batch: batch, channels: 96, area: 729,
                                      size: 5, alpha: 1e-4, beta: 0.75, k: 1, scratch: lrnScratch,
                                      scratchCount: LRNKernels.backwardScratchCount(channels: 96, area: 729, parts: 2))
}
ab("ReLU relu1 forward") { ActivationKernels.relu(input: p1, output: dq, count: batch * 96 * 55 * 55, negativeSlope: 0, maxValue: nil, threshold: 0) }
let w = buffer(4096 * 9216), g = buffer(4096 * 9216), h = buffer(4096 * 9216)
ab("SGD update fc6 (37.7 M)") { OptimizerKernels.sgd(weight: w, gradient: g, history: h, count: 4096 * 9216, rate: 1e-3, momentum: 0.9, decay: 5e-4) }
