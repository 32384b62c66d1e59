// Times the pieces of CaffeNet's convolutions at batch 32 (forward and backward), for a range of
// images-per-chunk values: im2col, the GEMMs, col2im. GraftKernels is reached through GraftEngine.
import Foundation
import GraftCore
import GraftKernels

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
func time(_ repeats: Int = 2, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats { let s = clock.now; body(); best = min(best, seconds(clock.now - s)) }
    return best
}

struct Layer { let name: String; let c: Int; let h: Int; let out: Int; let k: Int; let stride: Int; let pad: Int; let groups: Int }
let layers = [
    Layer(name: "conv1", c: 3, h: 227, out: 96, k: 11, stride: 4, pad: 0, groups: 1),
    Layer(name: "conv2", c: 96, h: 27, out: 256, k: 5, stride: 1, pad: 2, groups: 2),
    Layer(name: "conv3", c: 256, h: 13, out: 384, k: 3, stride: 1, pad: 1, groups: 1),
    Layer(name: "conv4", c: 384, h: 13, out: 384, k: 3, stride: 1, pad: 1, groups: 2),
    Layer(name: "conv5", c: 384, h: 13, out: 256, k: 3, stride: 1, pad: 1, groups: 2),
]
let batch = 32
let chunks = CommandLine.arguments.count > 1 ? CommandLine.arguments[1].split(separator: ",").map { Int($0)! } : [1, 4, 8, 16, 32]
for l in layers {
    let o = (l.h + 2 * l.pad - l.k) / l.stride + 1
    let g = ConvolutionGeometry(patches: PatchGeometry(channels: l.c, height: l.h, width: l.h, kernelHeight: l.k, kernelWidth: l.k,
                                                       strideHeight: l.stride, strideWidth: l.stride, padTop: l.pad, padLeft: l.pad,
                                                       outputHeight: o, outputWidth: o), outputChannels: l.out, groups: l.groups)
    // Random operands: constant ones let the cores clock higher than real data does.
    var generator = SeededGenerator(seed: 4)
    func random(_ count: Int, _ scale: Float) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        for i in 0..<count { p[i] = (generator.nextUnitFloat() - 0.5) * scale }
        return p
    }
    let x = random(batch * g.inputImageCount, 2), y = random(batch * g.outputImageCount, 0.2), w = random(g.weightCount, 0.02)
    let dw = UnsafeMutablePointer<Float>.allocate(capacity: g.weightCount); dw.initialize(repeating: 0, count: g.weightCount)
    let dx = UnsafeMutablePointer<Float>.allocate(capacity: batch * g.inputImageCount); dx.initialize(repeating: 0, count: batch * g.inputImageCount)
    let flops = 2.0 * Double(g.outputChannels * g.reductionLength * g.patches.outputArea * batch)
    print("\(l.name): M=\(g.outputChannelsPerGroup) K=\(g.reductionLength) area=\(g.patches.outputArea) groups=\(g.groups), \(String(format: "%.1f", flops / 1e9)) GFLOP per pass")
    for chunk in chunks {
        let count = max(ConvolutionKernels.scratchCount(for: g, strategy: .im2colGEMM, imagesPerChunk: chunk),
                        ConvolutionKernels.backwardScratchCount(for: g, strategy: .im2colGEMM, imagesPerChunk: chunk))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count); scratch.initialize(repeating: 0, count: count)
        let forward = time { ConvolutionKernels.forward(input: x, weight: w, bias: nil, output: y, batch: batch, geometry: g,
                                                        strategy: .im2colGEMM, scratch: scratch, imagesPerChunk: chunk) }
        let dW = time { ConvolutionKernels.backward(input: x, weight: w, outputGradient: y, inputGradient: nil, weightGradient: dw,
                                                    biasGradient: nil, batch: batch, geometry: g, strategy: .im2colGEMM,
                                                    imagesPerChunk: chunk, scratch: scratch) }
        let dX = time { ConvolutionKernels.backward(input: x, weight: w, outputGradient: y, inputGradient: dx, weightGradient: nil,
                                                    biasGradient: nil, batch: batch, geometry: g, strategy: .im2colGEMM,
                                                    imagesPerChunk: chunk, scratch: scratch) }
        let unfold = time {
            for n in 0..<batch { Im2col.unfold(image: x + n * g.inputImageCount, geometry: g.patches, columns: scratch) }
        }
        let fold = time {
            for n in 0..<batch { Im2col.fold(columns: scratch, geometry: g.patches, image: dx + n * g.inputImageCount) }
        }
        print(String(format: "  chunk %2d: forward %6.1f ms (%5.1f GF/s)  dW %6.1f ms (%5.1f)  dX %6.1f ms (%5.1f)  | im2col %5.1f ms  col2im %5.1f ms",
                     chunk, forward * 1e3, flops / forward / 1e9, dW * 1e3, flops / dW / 1e9, dX * 1e3, flops / dX / 1e9, unfold * 1e3, fold * 1e3))
        scratch.deallocate()
    }
}
