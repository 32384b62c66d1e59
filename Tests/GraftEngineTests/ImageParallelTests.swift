import GraftCore
@testable import GraftKernels
import Testing

@Suite("Image-parallel convolution")
struct ImageParallelTests {
    /// CIFAR-10 quick's conv2: 32 → 32 channels, 5x5, pad 2, on 16x16 maps.
    static let quickConv2 = ConvolutionGeometry(
        patches: PatchGeometry(channels: 32, height: 16, width: 16, kernelHeight: 5, kernelWidth: 5, padTop: 2, padLeft: 2,
                               outputHeight: 16, outputWidth: 16),
        outputChannels: 32)

    @Test("chosen for small per-image GEMMs in a batch (and mid-sized ones on the SIMD panels), not for one image or huge layers")
    func selection() {
        #expect(ConvolutionKernels.preferredStrategy(for: Self.quickConv2, batch: 128) == (Parallel.workers > 1 ? .imageParallel : .im2colGEMM))
        #expect(ConvolutionKernels.preferredStrategy(for: Self.quickConv2, batch: 1) == .im2colGEMM)
        let caffeNetConv1 = ConvolutionGeometry(
            patches: PatchGeometry(channels: 3, height: 227, width: 227, kernelHeight: 11, kernelWidth: 11,
                                   strideHeight: 4, strideWidth: 4, outputHeight: 55, outputWidth: 55),
            outputChannels: 96)
        // Its columns (1.1 M floats per image) fit a worker when the SIMD panel kernels run it;
        // OpenBLAS shares each (large) GEMM between the cores otherwise.
        #expect(ConvolutionKernels.preferredStrategy(for: caffeNetConv1, batch: 32)
                == (PanelKernels.active != .none && Parallel.workers > 1 ? .imageParallel : .im2colGEMM))
        let vggConv1 = ConvolutionGeometry(
            patches: PatchGeometry(channels: 64, height: 224, width: 224, kernelHeight: 3, kernelWidth: 3,
                                   padTop: 1, padLeft: 1, outputHeight: 224, outputWidth: 224),
            outputChannels: 64)
        // 29 M column floats per image: too large for a worker; 64 channels: Winograd's.
        #expect(ConvolutionKernels.preferredStrategy(for: vggConv1, batch: 32) == .winograd)
        var vggThin = vggConv1
        vggThin.patches.channels = 32
        vggThin.outputChannels = 32
        #expect(ConvolutionKernels.preferredStrategy(for: vggThin, batch: 32) == .im2colGEMM)
        var vggStrided = vggConv1
        vggStrided.patches.strideHeight = 2
        vggStrided.patches.strideWidth = 2
        vggStrided.patches.outputHeight = 112
        vggStrided.patches.outputWidth = 112
        #expect(ConvolutionKernels.preferredStrategy(for: vggStrided, batch: 32) == .im2colGEMM)
    }

    /// Strided, and stride 1 with a rectangular kernel and asymmetric output, each with 2 and 3
    /// workers' scratch.
    static let cases: [(geometry: ConvolutionGeometry, parts: Int)] = [2, 3].flatMap { parts in [
        (ConvolutionGeometry(patches: PatchGeometry(channels: 4, height: 7, width: 6, kernelHeight: 3, kernelWidth: 2,
                                                    strideHeight: 2, padTop: 1, padLeft: 1, outputHeight: 4, outputWidth: 6),
                             outputChannels: 6, groups: 2), parts),
        (ConvolutionGeometry(patches: PatchGeometry(channels: 4, height: 7, width: 6, kernelHeight: 5, kernelWidth: 3,
                                                    padTop: 2, padLeft: 1, outputHeight: 6, outputWidth: 5),
                             outputChannels: 6, groups: 2), parts),
    ] }

    @Test("forward and gradients match the shared-GEMM path", arguments: 0..<4)
    func matchesIm2col(index: Int) {
        let (g, parts) = Self.cases[index]
        let batch = 5
        let p = g.patches
        let x = randomTensor([batch, 4, p.height, p.width], seed: 61)
        let w = randomTensor([6, 2, p.kernelHeight, p.kernelWidth], seed: 62)
        let b = randomTensor([6], seed: 63), dy = randomTensor([batch, 6, p.outputHeight, p.outputWidth], seed: 64)
        let reference = WinogradTests.backward(x, w, dy, g, .im2colGEMM, imagesPerChunk: 1)
        // With OpenBLAS per worker (no SIMD kernels) and on each SIMD instruction set.
        for isa in [PanelKernels.InstructionSet.none] + PanelKernelTests.instructionSets {
            PanelKernels.$override.withValue(isa) {
                expectClose(WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: parts),
                            WinogradTests.forward(x, w, b, g, .im2colGEMM, imagesPerChunk: 1))
                let fast = WinogradTests.backward(x, w, dy, g, .imageParallel, imagesPerChunk: parts)
                expectClose(fast.input, reference.input)
                expectClose(fast.weight, reference.weight)
                expectClose(fast.bias, reference.bias)
            }
        }
    }
}
