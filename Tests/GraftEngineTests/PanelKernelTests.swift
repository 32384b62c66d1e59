import CGraftSIMD
import GraftCore
@testable import GraftKernels
import Testing

/// Graft's own SIMD kernels (CGraftSIMD), checked on every instruction set this CPU has: the panel
/// GEMM against a plain triple loop, the panel im2col against ``Im2col/unfold``, and the
/// image-parallel convolution built on them against the im2col + BLAS path.
/// The instruction sets to test here (none on a CPU without AVX2: the BLAS paths then run).
private let simdInstructionSets = PanelKernels.InstructionSet.allCases.filter { $0 != .none && $0 <= PanelKernels.supported }

@Suite("SIMD panel kernels", .enabled(if: !simdInstructionSets.isEmpty, "this CPU has neither AVX2 nor AVX-512: the BLAS paths run instead"))
struct PanelKernelTests {
    static var instructionSets: [PanelKernels.InstructionSet] { simdInstructionSets }

    enum LeftLayout: CaseIterable { case rowMajor, transposed, panels }

    @Test("panel GEMM = plain product: every left-operand layout, edges of rows and panels, accumulate")
    func gemmMatchesPlainProduct() {
        var random = SeededGenerator(seed: 5)
        for isa in Self.instructionSets {
            let width = isa.panelWidth
            for trial in 0..<120 {
                let layout = LeftLayout.allCases[trial % 3]
                let m = Int.random(in: 1...40, using: &random), n = Int.random(in: 1...100, using: &random)
                let k = trial < 3 ? 0 : Int.random(in: 1...70, using: &random)
                let accumulate = trial % 2 == 1
                let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &random) }
                let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &random) }
                let ldc = n + 3
                let c0 = (0..<(m * ldc)).map { _ in Float.random(in: -1...1, using: &random) }
                // A in the requested layout, with its addressing.
                var stored = [Float](repeating: .nan, count: max(1, (k / width + 1) * m * width))
                let (aRow, aColumn, aBlock, aBlockStride): (Int, Int, Int, Int)
                switch layout {
                case .rowMajor:
                    for i in 0..<(m * k) { stored[i] = a[i] }
                    (aRow, aColumn, aBlock, aBlockStride) = (k, 1, 0, 0)
                case .transposed:
                    for r in 0..<m { for j in 0..<k { stored[j * m + r] = a[r * k + j] } }
                    (aRow, aColumn, aBlock, aBlockStride) = (1, m, 0, 0)
                case .panels:
                    for r in 0..<m { for j in 0..<k { stored[(j / width) * m * width + r * width + j % width] = a[r * k + j] } }
                    (aRow, aColumn, aBlock, aBlockStride) = (width, 1, width, m * width)
                }
                let panels = (n + width - 1) / width
                var packed = [Float](repeating: .nan, count: max(1, panels * k * width))
                if trial % 4 < 2 {
                    graft_simd_pack_rows(Int32(k), Int32(n), b, n, Int32(width), &packed, k * width)
                } else {
                    var transposed = [Float](repeating: 0, count: k * n)
                    for r in 0..<k { for j in 0..<n { transposed[j * k + r] = b[r * n + j] } }
                    graft_simd_pack_columns(Int32(k), Int32(n), transposed, k, Int32(width), &packed, k * width)
                }
                var c = c0
                stored.withUnsafeBufferPointer { sa in
                    packed.withUnsafeBufferPointer { sb in
                        c.withUnsafeMutableBufferPointer { sc in
                            PanelKernels.gemm(isa, m: m, n: n, k: k, a: sa.baseAddress!, aRow: aRow, aColumn: aColumn,
                                              aBlock: aBlock, aBlockStride: aBlockStride, b: sb.baseAddress!,
                                              bPanelStride: k * width, c: sc.baseAddress!, ldc: ldc, accumulate: accumulate)
                        }
                    }
                }
                var expected = c0
                for r in 0..<m {
                    for j in 0..<n {
                        var sum = accumulate ? Double(c0[r * ldc + j]) : 0
                        for t in 0..<k { sum += Double(a[r * k + t]) * Double(b[t * n + j]) }
                        expected[r * ldc + j] = Float(sum)
                    }
                }
                // Columns past n (ldc padding) must be untouched.
                expectClose(c, expected, tolerance: 1e-5)
                if c.contains(where: \.isNaN) {
                    Issue.record("\(isa) \(layout) m \(m) n \(n) k \(k): NaN in the result")
                    return
                }
            }
        }
    }

    @Test("panel im2col = im2col: strides, pads, dilation, asymmetric output, partial panels")
    func panelsMatchIm2col() {
        var random = SeededGenerator(seed: 9)
        for isa in Self.instructionSets {
            let width = isa.panelWidth
            for _ in 0..<150 {
                let kh = Int.random(in: 1...5, using: &random), kw = Int.random(in: 1...5, using: &random)
                let sh = Int.random(in: 1...3, using: &random), sw = Int.random(in: 1...3, using: &random)
                let dh = Int.random(in: 1...2, using: &random), dw = Int.random(in: 1...2, using: &random)
                let h = Int.random(in: 1...14, using: &random), w = Int.random(in: 1...14, using: &random)
                let pt = Int.random(in: 0...2, using: &random), pl = Int.random(in: 0...2, using: &random)
                let pb = Int.random(in: 0...2, using: &random), pr = Int.random(in: 0...2, using: &random)
                let extentH = (kh - 1) * dh + 1, extentW = (kw - 1) * dw + 1
                guard h + pt + pb >= extentH, w + pl + pr >= extentW else { continue }
                let g = PatchGeometry(channels: Int.random(in: 1...3, using: &random), height: h, width: w,
                                      kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                      padTop: pt, padLeft: pl, dilationHeight: dh, dilationWidth: dw,
                                      outputHeight: (h + pt + pb - extentH) / sh + 1, outputWidth: (w + pl + pr - extentW) / sw + 1)
                let image = randomTensor([g.imageCount], seed: 3).scalars
                var columns = [Float](repeating: .nan, count: g.columnCount)
                columns.withUnsafeMutableBufferPointer { Im2col.unfold(image: image, geometry: g, columns: $0.baseAddress!) }
                var padded = [Float](repeating: .nan, count: g.paddedCount)
                var panels = [Float](repeating: .nan, count: g.panelCount(width: width))
                padded.withUnsafeMutableBufferPointer { sp in
                    panels.withUnsafeMutableBufferPointer { sq in
                        g.unfoldPanels(image: image, padded: sp.baseAddress!, isa: isa, panels: sq.baseAddress!)
                    }
                }
                var expected = [Float](repeating: 0, count: panels.count)
                for r in 0..<g.columnRows {
                    for p in 0..<g.outputArea {
                        expected[(p / width) * g.columnRows * width + r * width + p % width] = columns[r * g.outputArea + p]
                    }
                }
                #expect(panels == expected, "\(g)")
                if panels != expected { return }
            }
        }
    }

    /// Convolutions the panel path takes in different ways: stride 1 (input gradient as a flipped
    /// convolution, with dilation, groups, no bias), stride 2 and a pad beyond the kernel's reach
    /// (column gradient and col2im); sizes that leave partial tiles and panels.
    static let convolutions: [ConvolutionGeometry] = [
        ConvolutionGeometry(patches: PatchGeometry(channels: 20, height: 13, width: 11, kernelHeight: 5, kernelWidth: 5,
                                                   padTop: 2, padLeft: 2, outputHeight: 13, outputWidth: 11),
                            outputChannels: 26),
        ConvolutionGeometry(patches: PatchGeometry(channels: 6, height: 9, width: 10, kernelHeight: 3, kernelWidth: 2,
                                                   padTop: 2, padLeft: 1, dilationHeight: 2, dilationWidth: 3,
                                                   outputHeight: 7, outputWidth: 9),
                            outputChannels: 14, groups: 2),
        ConvolutionGeometry(patches: PatchGeometry(channels: 3, height: 15, width: 17, kernelHeight: 5, kernelWidth: 5,
                                                   strideHeight: 2, strideWidth: 2, padTop: 2, padLeft: 2,
                                                   outputHeight: 8, outputWidth: 9),
                            outputChannels: 13),
        ConvolutionGeometry(patches: PatchGeometry(channels: 4, height: 6, width: 7, kernelHeight: 1, kernelWidth: 1,
                                                   padTop: 1, padLeft: 1, outputHeight: 8, outputWidth: 9),
                            outputChannels: 5),
        // Direct (no im2col) forward and input gradient: rows of 16 and of 8 pixels (a partial
        // last tile: 5 rows of 8 = 40 pixels), groups, dilation, 13 output channels (a partial tile).
        ConvolutionGeometry(patches: PatchGeometry(channels: 6, height: 7, width: 16, kernelHeight: 5, kernelWidth: 5,
                                                   padTop: 2, padLeft: 2, outputHeight: 7, outputWidth: 16),
                            outputChannels: 26, groups: 2),
        ConvolutionGeometry(patches: PatchGeometry(channels: 5, height: 5, width: 8, kernelHeight: 3, kernelWidth: 2,
                                                   padTop: 1, padLeft: 2, dilationHeight: 1, dilationWidth: 3,
                                                   outputHeight: 5, outputWidth: 8),
                            outputChannels: 13),
    ]

    @Test("image-parallel convolution on the panels = im2col + BLAS, forward and gradients", arguments: 0..<6)
    func convolutionMatchesBLAS(index: Int) {
        // 11 images: a worker's weight gradient sums several GEMMs of up to 8 images side by side
        // (ConvolutionKernels.PanelBackwardLayout.gradientImages), the last one partial.
        let g = Self.convolutions[index], p = g.patches, batch = 11
        #expect(batch > ConvolutionKernels.PanelBackwardLayout.gradientImages(area: p.outputArea))
        let x = randomTensor([batch, p.channels, p.height, p.width], seed: 71)
        let w = randomTensor([g.outputChannels, g.inputChannelsPerGroup, p.kernelHeight, p.kernelWidth], seed: 72)
        let b = randomTensor([g.outputChannels], seed: 73)
        let dy = randomTensor([batch, g.outputChannels, p.outputHeight, p.outputWidth], seed: 74)
        let reference = WinogradTests.forward(x, w, b, g, .im2colGEMM, imagesPerChunk: 1)
        let referenceGradients = WinogradTests.backward(x, w, dy, g, .im2colGEMM, imagesPerChunk: 1)
        #expect(index != 0 || p.mirrored(outputChannels: g.outputChannels) != nil)
        #expect(index != 3 || p.mirrored(outputChannels: g.outputChannels) == nil)
        #expect(index < 4 || (p.supportsDirect(.avx512) && p.mirrored(outputChannels: g.outputChannels)!.supportsDirect(.avx512)
                              && p.supportsDirect(.avx2)))
        #expect(index >= 4 || !p.supportsDirect(.avx512))
        for isa in Self.instructionSets {
            PanelKernels.$override.withValue(isa) {
                for parts in [1, 2, 3] {
                    expectClose(WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: parts), reference, tolerance: 1e-4)
                    let gradients = WinogradTests.backward(x, w, dy, g, .imageParallel, imagesPerChunk: parts)
                    expectClose(gradients.input, referenceGradients.input, tolerance: 1e-4)
                    expectClose(gradients.weight, referenceGradients.weight, tolerance: 1e-4)
                    expectClose(gradients.bias, referenceGradients.bias, tolerance: 1e-4)
                }
                // Fewer images than workers: the workers share out blocks of one image's panels
                // (blocks of one panel here, so that every image has several).
                let (ox, oneImage) = (Tensor(shape: Shape([1] + Array(x.shape.dims.dropFirst())), scalars: Array(x.scalars.prefix(g.inputImageCount))),
                                      Array(reference.prefix(g.outputImageCount)))
                for (images, expected) in [(ox, oneImage), (x, reference)] {
                    for blockFloats in [1, 1 << 17] {
                        for parts in [2, 3, 8] {
                            let fast = ConvolutionKernels.$panelBlockFloats.withValue(blockFloats) {
                                WinogradTests.forward(images, w, b, g, .imageParallel, imagesPerChunk: parts)
                            }
                            expectClose(fast, expected, tolerance: 1e-4)
                        }
                    }
                }
            }
        }
    }
}

extension PanelKernelTests {
    /// Maps of at least 256 pixels: one image per weight-gradient GEMM, cut into blocks of pixel
    /// panels (ConvolutionKernels.gradientPanelsPerBlock); partial last panels of pixels and of
    /// output channels, groups, a stride.
    static let largeMapConvolutions: [ConvolutionGeometry] = [
        ConvolutionGeometry(patches: PatchGeometry(channels: 3, height: 20, width: 18, kernelHeight: 3, kernelWidth: 3,
                                                   padTop: 1, padLeft: 1, outputHeight: 20, outputWidth: 18),
                            outputChannels: 21),
        ConvolutionGeometry(patches: PatchGeometry(channels: 4, height: 39, width: 35, kernelHeight: 5, kernelWidth: 5,
                                                   strideHeight: 2, strideWidth: 2, padTop: 2, padLeft: 2,
                                                   outputHeight: 20, outputWidth: 18),
                            outputChannels: 10, groups: 2),
    ]

    @Test("weight gradient of large maps in blocks of pixels = one block = im2col + BLAS", arguments: 0..<2)
    func weightGradientBlocks(index: Int) {
        let g = Self.largeMapConvolutions[index], p = g.patches, batch = 3
        #expect(ConvolutionKernels.PanelBackwardLayout.gradientImages(area: p.outputArea) == 1)
        let x = randomTensor([batch, p.channels, p.height, p.width], seed: 81)
        let w = randomTensor([g.outputChannels, g.inputChannelsPerGroup, p.kernelHeight, p.kernelWidth], seed: 82)
        let dy = randomTensor([batch, g.outputChannels, p.outputHeight, p.outputWidth], seed: 83)
        let reference = WinogradTests.backward(x, w, dy, g, .im2colGEMM, imagesPerChunk: 1)
        for isa in Self.instructionSets {
            PanelKernels.$override.withValue(isa) {
                let panels = (p.outputArea + isa.panelWidth - 1) / isa.panelWidth
                #expect(ConvolutionKernels.gradientPanelsPerBlock(g, width: isa.panelWidth) >= panels,
                        "\(isa): a map this small is one block unless forced")
                for parts in [1, 2] {
                    let whole = ConvolutionKernels.$gradientPanelsPerBlockOverride.withValue(panels) {
                        WinogradTests.backward(x, w, dy, g, .imageParallel, imagesPerChunk: parts)
                    }
                    expectClose(whole.weight, reference.weight, tolerance: 1e-4)
                    expectClose(whole.input, reference.input, tolerance: 1e-4)
                    for block in [1, 3, panels - 1] {
                        let cut = ConvolutionKernels.$gradientPanelsPerBlockOverride.withValue(block) {
                            WinogradTests.backward(x, w, dy, g, .imageParallel, imagesPerChunk: parts)
                        }
                        let differing = zip(cut.weight, whole.weight).filter { $0.bitPattern != $1.bitPattern }.count
                        #expect(differing == 0, "\(isa), \(parts) parts, blocks of \(block) panels: \(differing) of \(whole.weight.count) weight gradients differ from one block's")
                        #expect(zip(cut.input, whole.input).allSatisfy { $0.bitPattern == $1.bitPattern })
                    }
                }
            }
        }
    }

    @Test("vector max pooling = the portable loop: strides, pads, ceil windows, empty windows, NaN payloads, -inf, signed-zero ties, with and without argmax")
    func maxPoolingMatchesPortable() {
        var random = SeededGenerator(seed: 21)
        for isa in Self.instructionSets {
            for trial in 0..<200 {
                let kh = Int.random(in: 1...4, using: &random), kw = Int.random(in: 1...4, using: &random)
                let sh = Int.random(in: 1...3, using: &random), sw = Int.random(in: 1...3, using: &random)
                let h = Int.random(in: 1...12, using: &random), w = Int.random(in: 1...40, using: &random)
                // Pads up to the kernel (a pad equal to it makes windows with no pixel in the image).
                let pt = Int.random(in: 0...kh, using: &random), pl = Int.random(in: 0...kw, using: &random)
                let pb = Int.random(in: 0...kh, using: &random), pr = Int.random(in: 0...kw, using: &random)
                guard h + pt + pb >= kh, w + pl + pr >= kw else { continue }
                let ceil = trial % 2 == 0
                func size(_ n: Int, _ k: Int, _ s: Int) -> Int { ceil ? (n - k + s - 1) / s + 1 : (n - k) / s + 1 }
                let g = PoolingGeometry(height: h, width: w, outputHeight: size(h + pt + pb, kh, sh), outputWidth: size(w + pl + pr, kw, sw),
                                        kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                        padTop: pt, padLeft: pl, padBottom: pb, padRight: pr)
                let planes = 3
                let input = (0..<(planes * h * w)).map { i -> Float in
                    switch Int.random(in: 0..<40, using: &random) {
                    case 0: Float(nan: UInt32(i % 1000), signaling: false)  // which NaN wins is checked too
                    case 1: -.infinity
                    case 2: 0.5   // ties
                    case 3: -0.0  // ties between signed zeros: the first tap wins
                    case 4: 0.0
                    default: Float(i % 7) == 3 ? 0.5 : Float.random(in: -1...1, using: &random)
                    }
                }
                let count = planes * g.outputHeight * g.outputWidth, guardCount = 40
                func run(_ isa: PanelKernels.InstructionSet, indices: Bool) -> ([UInt32], [Int32]) {
                    // Sentinels past the end: no kernel may write beyond its planes.
                    var output = [Float](repeating: 7, count: count + guardCount)
                    var argmax = [Int32](repeating: 7, count: count)
                    PanelKernels.$override.withValue(isa) {
                        output.withUnsafeMutableBufferPointer { o in
                            argmax.withUnsafeMutableBufferPointer { a in
                                PoolingKernels.maxForward(input: input, output: o.baseAddress!, argmax: indices ? a.baseAddress! : nil,
                                                          planes: planes, geometry: g)
                            }
                        }
                    }
                    return (output.map(\.bitPattern), argmax)
                }
                let (portable, portableIndex) = run(.none, indices: true)
                for indices in [true, false] {
                    let (fast, fastIndex) = run(isa, indices: indices)
                    let same = fast == portable && (!indices || fastIndex == portableIndex)
                    #expect(same, "\(isa) \(g) argmax: \(indices)")
                    if !same { return }
                }
                #expect(portable.suffix(guardCount).allSatisfy { $0 == Float(7).bitPattern })
            }
        }
    }
}

extension PanelKernelTests {
    @Test("direct convolution = a plain loop: rows of 8 to 48 pixels, pads, dilation, partial tiles, accumulate")
    func directMatchesPlainLoop() {
        var random = SeededGenerator(seed: 33)
        var tested = 0
        for isa in Self.instructionSets {
            for trial in 0..<150 {
                let kh = Int.random(in: 1...5, using: &random), kw = Int.random(in: 1...5, using: &random)
                let dh = Int.random(in: 1...2, using: &random), dw = Int.random(in: 1...2, using: &random)
                let pt = Int.random(in: 0...2, using: &random), pl = Int.random(in: 0...2, using: &random)
                let outputWidth = [8, 16, 24, 32, 48][trial % 5], outputHeight = Int.random(in: 1...6, using: &random)
                let width = max(1, outputWidth + (kw - 1) * dw - pl - Int.random(in: 0...2, using: &random))
                let height = max(1, outputHeight + (kh - 1) * dh - pt - Int.random(in: 0...2, using: &random))
                let g = PatchGeometry(channels: Int.random(in: 1...4, using: &random), height: height, width: width,
                                      kernelHeight: kh, kernelWidth: kw, padTop: pt, padLeft: pl,
                                      dilationHeight: dh, dilationWidth: dw, outputHeight: outputHeight, outputWidth: outputWidth)
                guard g.supportsDirect(isa) else { continue }
                tested += 1
                let m = Int.random(in: 1...30, using: &random), accumulate = trial % 2 == 1
                let image = (0..<g.imageCount).map { _ in Float.random(in: -1...1, using: &random) }
                let weight = (0..<(m * g.columnRows)).map { _ in Float.random(in: -1...1, using: &random) }
                let start = (0..<(m * g.outputArea)).map { _ in Float.random(in: -1...1, using: &random) }
                var padded = [Float](repeating: .nan, count: g.paddedCount)
                var output = start
                padded.withUnsafeMutableBufferPointer { g.pad(image: image, into: $0.baseAddress!) }
                padded.withUnsafeBufferPointer { pp in
                    output.withUnsafeMutableBufferPointer { o in
                        g.convolveDirect(weight: weight, rows: m, padded: pp.baseAddress!, isa: isa, output: o.baseAddress!,
                                         accumulate: accumulate)
                    }
                }
                var expected = [Float](repeating: 0, count: output.count)
                for r in 0..<m {
                    for p in 0..<g.outputArea {
                        var sum = accumulate ? Double(start[r * g.outputArea + p]) : 0
                        let oh = p / outputWidth, ow = p % outputWidth
                        for c in 0..<g.channels { for i in 0..<kh { for j in 0..<kw {
                            let y = oh - pt + i * dh, x = ow - pl + j * dw
                            guard y >= 0, y < height, x >= 0, x < width else { continue }
                            sum += Double(weight[r * g.columnRows + (c * kh + i) * kw + j]) * Double(image[(c * height + y) * width + x])
                        } } }
                        expected[r * g.outputArea + p] = Float(sum)
                    }
                }
                expectClose(output, expected, tolerance: 1e-5)
                if output.contains(where: \.isNaN) { Issue.record("\(isa) \(g): NaN"); return }
            }
        }
        #expect(tested >= 40 * Self.instructionSets.count, "\(tested) cases on \(Self.instructionSets)")
    }
}

extension PanelKernelTests {
    @Test("vector depthwise convolution = im2col + GEMM: strides 1-3, dilation, pads, kernels 1-7, rows of 1-70 pixels, channel multipliers")
    func depthwiseMatchesIm2col() {
        var random = SeededGenerator(seed: 61)
        let activations = [ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: nil, threshold: 0),
                           ActivationKernels.FusedActivation(negativeSlope: 0.1, maxValue: 6, threshold: 0),
                           ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 1, threshold: 0.25), .swish, .hardSwish]
        var tested = 0
        for isa in Self.instructionSets {
            for _ in 0..<120 {
                let kh = Int.random(in: 1...7, using: &random), kw = Int.random(in: 1...7, using: &random)
                let sh = Int.random(in: 1...3, using: &random), sw = Int.random(in: 1...3, using: &random)
                let dh = Int.random(in: 1...2, using: &random), dw = Int.random(in: 1...2, using: &random)
                let h = Int.random(in: 1...9, using: &random), w = Int.random(in: 1...70, using: &random)
                let pt = Int.random(in: 0..<kh, using: &random), pl = Int.random(in: 0..<kw, using: &random)
                let (reachH, reachW) = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
                guard h + 2 * pt >= reachH, w + 2 * pl >= reachW else { continue }
                let oh = (h + 2 * pt - reachH) / sh + 1, ow = (w + 2 * pl - reachW) / sw + 1
                let channels = Int.random(in: 2...3, using: &random), multiplier = Int.random(in: 1...2, using: &random)
                let g = ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: h, width: w, kernelHeight: kh, kernelWidth: kw,
                                                                   strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl,
                                                                   dilationHeight: dh, dilationWidth: dw, outputHeight: oh, outputWidth: ow),
                                            outputChannels: channels * multiplier, groups: channels)
                #expect(g.isDepthwise)
                let batch = 2
                let x = randomTensor([batch, channels, h, w], seed: random.next())
                let weight = randomTensor([channels * multiplier, 1, kh, kw], seed: random.next())
                let b = randomTensor([channels * multiplier], seed: random.next())
                let reference = WinogradTests.forward(x, weight, b, g, .im2colGEMM, imagesPerChunk: 1)
                let fast = PanelKernels.$override.withValue(isa) {
                    Parallel.$minimumWorkOverride.withValue(0) {
                        WinogradTests.forward(x, weight, b, g, .depthwiseDirect, imagesPerChunk: 1)
                    }
                }
                #expect(!fast.contains { $0.isNaN }, "\(isa) \(g): outputs left unwritten")
                expectClose(fast, reference, tolerance: 1e-5)
                // The activation applied as planes are stored equals the separate ReLU, bit for bit.
                let relu = activations[tested % activations.count]
                let activated = PanelKernels.$override.withValue(isa) {
                    Parallel.$minimumWorkOverride.withValue(0) {
                        WinogradTests.forward(x, weight, b, g, .depthwiseDirect, imagesPerChunk: 1, activation: relu)
                    }
                }
                var separate = fast
                PanelKernels.$override.withValue(isa) { relu.apply(fast, &separate, count: fast.count) }
                #expect(activated.map(\.bitPattern) == separate.map(\.bitPattern), "\(isa) \(g) \(relu)")
                tested += 1
            }
        }
        #expect(tested >= 40 * Self.instructionSets.count, "\(tested) cases on \(Self.instructionSets)")
    }
}

extension PanelKernelTests {
    /// The random geometries above are small; MobileNet's and EfficientNet's planes take the
    /// row-sharing (stride 1, rows of 3+ vectors) and even/odd (stride 2) forms on full-size planes.
    @Test("vector depthwise convolution = im2col + GEMM on MobileNet- and EfficientNet-sized planes (3x3, 5x5; strides 1, 2)",
          arguments: [(112, 1), (112, 2), (56, 1), (56, 2), (28, 1), (28, 2), (14, 1), (14, 2), (7, 1), (33, 1), (33, 2)])
    func depthwiseFullSizePlanes(side: Int, stride: Int) {
        for kernel in [3, 5] {
            let out = (side + 2 * (kernel / 2) - kernel) / stride + 1
            let g = ConvolutionGeometry(patches: PatchGeometry(channels: 3, height: side, width: side, kernelHeight: kernel, kernelWidth: kernel,
                                                               strideHeight: stride, strideWidth: stride, padTop: kernel / 2, padLeft: kernel / 2,
                                                               outputHeight: out, outputWidth: out),
                                        outputChannels: 3, groups: 3)
            let x = randomTensor([1, 3, side, side], seed: UInt64(side * 10 + stride))
            let weight = randomTensor([3, 1, kernel, kernel], seed: UInt64(kernel)), b = randomTensor([3], seed: 7)
            Self.expectDepthwiseMatchesIm2col(x, weight, b, g, "\(side) s\(stride) \(kernel)x\(kernel)")
        }
    }

    /// The vector depthwise planes on every instruction set = im2col + GEMM, every output written.
    static func expectDepthwiseMatchesIm2col(_ x: Tensor, _ weight: Tensor, _ b: Tensor, _ g: ConvolutionGeometry, _ label: String,
                                             sourceLocation: SourceLocation = #_sourceLocation) {
        let reference = WinogradTests.forward(x, weight, b, g, .im2colGEMM, imagesPerChunk: 1)
        for isa in instructionSets {
            let fast = PanelKernels.$override.withValue(isa) {
                WinogradTests.forward(x, weight, b, g, .depthwiseDirect, imagesPerChunk: 1)
            }
            #expect(!fast.contains { $0.isNaN }, "\(isa) \(label): outputs left unwritten", sourceLocation: sourceLocation)
            expectClose(fast, reference, tolerance: 1e-5, sourceLocation: sourceLocation)
        }
    }
}

extension PanelKernelTests {
    /// Windows whose taps reach further than one vector's shift (stride 1, `(kw - 1) * dilation >
    /// 16`) and dilated stride-2 windows take the direct form, which loads every tap; the random
    /// geometries above never build one. Widths give rows of 1, 2 and 3+ vectors.
    @Test("vector depthwise convolution = im2col + GEMM on wide dilated windows (the direct form)",
          arguments: [(5, 5, 1), (9, 3, 1), (16, 2, 1), (3, 2, 2), (7, 3, 2)])
    func depthwiseWideDilatedWindows(kernel: Int, dilation: Int, stride: Int) {
        let reach = (kernel - 1) * dilation + 1
        for width in [12, 30, 61] {
            let (height, pad) = (reach / 2 + 5, reach / 2)
            let oh = (height + 2 * pad - reach) / stride + 1, ow = (width + 2 * pad - reach) / stride + 1
            let g = ConvolutionGeometry(patches: PatchGeometry(channels: 2, height: height, width: width,
                                                               kernelHeight: kernel, kernelWidth: kernel,
                                                               strideHeight: stride, strideWidth: stride, padTop: pad, padLeft: pad,
                                                               dilationHeight: dilation, dilationWidth: dilation,
                                                               outputHeight: oh, outputWidth: ow),
                                        outputChannels: 2, groups: 2)
            let x = randomTensor([2, 2, height, width], seed: UInt64(kernel * 100 + width))
            let weight = randomTensor([2, 1, kernel, kernel], seed: UInt64(dilation)), b = randomTensor([2], seed: 9)
            Self.expectDepthwiseMatchesIm2col(x, weight, b, g, "\(kernel)x\(kernel) d\(dilation) s\(stride) w\(width)")
        }
    }
}

extension PanelKernelTests {
    @Test("pointwise convolutions on the panels = the pointwise GEMM; inference takes the panels at any batch, training from 2 images")
    func pointwiseOnPanels() {
        for (channels, outputs, side, groups) in [(16, 96, 112, 1), (96, 24, 7, 1), (8, 6, 5, 2), (3, 40, 33, 1)] {
            let g = ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: side, width: side, kernelHeight: 1, kernelWidth: 1,
                                                               outputHeight: side, outputWidth: side),
                                        outputChannels: outputs, groups: groups)
            #expect(g.isPointwise)
            let x = randomTensor([2, channels, side, side], seed: 81)
            let w = randomTensor([outputs, channels / groups, 1, 1], seed: 82), b = randomTensor([outputs], seed: 83)
            let reference = WinogradTests.forward(x, w, b, g, .pointwiseGEMM, imagesPerChunk: 1)
            for isa in Self.instructionSets {
                PanelKernels.$override.withValue(isa) {
                    if Parallel.workers > 1 {
                        #expect(ConvolutionKernels.preferredStrategy(for: g, batch: 1, inference: true) == .imageParallel)
                        #expect(ConvolutionKernels.preferredStrategy(for: g, batch: 2) == .imageParallel)
                    }
                    #expect(ConvolutionKernels.preferredStrategy(for: g, batch: 1) == .pointwiseGEMM)
                    for parts in [1, 2] {
                        expectClose(WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: parts), reference, tolerance: 1e-4)
                    }
                }
            }
        }
    }

    /// A one-core machine: the panels still beat im2col + OpenBLAS (CIFAR-10 quick training on one
    /// thread 580 → 1175 img/s); without them the image-parallel split gains nothing on one worker.
    @Test("one worker takes the image-parallel panels where two would; without panels, im2col")
    func oneWorkerTakesThePanels() {
        let g = ConvolutionGeometry(patches: PatchGeometry(channels: 32, height: 16, width: 16, kernelHeight: 5, kernelWidth: 5,
                                                           padTop: 2, padLeft: 2, outputHeight: 16, outputWidth: 16),
                                    outputChannels: 32)
        for isa in PanelKernels.InstructionSet.allCases where isa <= PanelKernels.supported {
            PanelKernels.$override.withValue(isa) {
                let one = ConvolutionKernels.preferredStrategy(for: g, batch: 128, workers: 1)
                let two = ConvolutionKernels.preferredStrategy(for: g, batch: 128, workers: 2)
                #expect(two == .imageParallel)
                #expect(one == (isa == .none ? .im2colGEMM : .imageParallel), "\(isa)")
            }
        }
    }

    /// One image, workers sharing its output rows: each reads the image's channels in place (no
    /// packing), adding the residual and applying the activation as tiles are stored. Row counts
    /// not a multiple of a tile, planes not a multiple of a panel, groups.
    @Test("pointwise convolution at batch 1 over 2-4 workers, the image read unpacked = the pointwise GEMM (+ residual, activation)")
    func pointwiseBatchOneUnpacked() {
        let relu6 = ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)
        for (channels, outputs, side, groups) in [(160, 960, 7, 1), (384, 64, 14, 1), (64, 36, 14, 2), (24, 13, 9, 1)] {
            let g = ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: side, width: side, kernelHeight: 1, kernelWidth: 1,
                                                               outputHeight: side, outputWidth: side),
                                        outputChannels: outputs, groups: groups)
            let x = randomTensor([1, channels, side, side], seed: 91)
            let w = randomTensor([outputs, channels / groups, 1, 1], seed: 92), b = randomTensor([outputs], seed: 93)
            let residual = randomTensor([1, outputs, side, side], seed: 94)
            var reference = WinogradTests.forward(x, w, b, g, .pointwiseGEMM, imagesPerChunk: 1)
            for i in reference.indices { reference[i] = min(max(reference[i] + residual.scalars[i], 0), 6) }
            for isa in Self.instructionSets {
                for parts in [2, 3, 4] {
                    let fast = PanelKernels.$override.withValue(isa) {
                        Parallel.$minimumWorkOverride.withValue(0) {
                            WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: parts, residual: residual, activation: relu6)
                        }
                    }
                    #expect(!fast.contains { $0.isNaN }, "\(isa) \(g) \(parts) parts: outputs left unwritten")
                    expectClose(fast, reference, tolerance: 1e-4)
                }
            }
        }
    }
}


extension PanelKernelTests {
    @Test("vector padding = the plain copy, and writes nothing past the padded image: pads, strides that skip rows, dilation, 1-40 wide")
    func vectorPadding() {
        var random = SeededGenerator(seed: 91)
        var tested = 0
        for isa in Self.instructionSets {
            for _ in 0..<150 {
                let kh = Int.random(in: 1...5, using: &random), kw = Int.random(in: 1...5, using: &random)
                let sh = Int.random(in: 1...3, using: &random), sw = Int.random(in: 1...3, using: &random)
                let dh = Int.random(in: 1...2, using: &random), dw = Int.random(in: 1...2, using: &random)
                let h = Int.random(in: 1...12, using: &random), w = Int.random(in: 1...40, using: &random)
                let pt = Int.random(in: 0...4, using: &random), pl = Int.random(in: 0...4, using: &random)
                let (reachH, reachW) = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
                guard h + 2 * pt >= reachH, w + 2 * pl >= reachW else { continue }
                let p = PatchGeometry(channels: Int.random(in: 1...3, using: &random), height: h, width: w,
                                      kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                      padTop: pt, padLeft: pl, dilationHeight: dh, dilationWidth: dw,
                                      outputHeight: (h + 2 * pt - reachH) / sh + 1, outputWidth: (w + 2 * pl - reachW) / sw + 1)
                let image = randomTensor([p.channels, h, w], seed: random.next()).scalars
                let guardZone = 40
                var expected = [Float](repeating: .nan, count: p.paddedCount + guardZone)
                var actual = expected
                image.withUnsafeBufferPointer { x in
                    expected.withUnsafeMutableBufferPointer { p.pad(image: x.baseAddress!, into: $0.baseAddress!, isa: .none) }
                    actual.withUnsafeMutableBufferPointer { p.pad(image: x.baseAddress!, into: $0.baseAddress!, isa: isa) }
                }
                #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa) \(p)")
                #expect(actual.suffix(guardZone).allSatisfy { $0.isNaN }, "\(isa) \(p): wrote past the padded image")
                tested += 1
            }
        }
        #expect(tested >= 40 * Self.instructionSets.count, "\(tested) cases on \(Self.instructionSets)")
    }
}

extension PanelKernelTests {
    /// Fewer images than workers: the (panel, row tile) pairs cut into even ranges, so a range can
    /// start or end inside a panel (rows not a multiple of a tile, groups, 1x1 and 3x3 windows,
    /// one panel or several per block). Each output comes from the same tile as with one worker.
    @Test("batch smaller than the workers: panels shared out by row tiles = one worker, bit for bit (+ residual, activation)")
    func sharedPanelsMatchOneWorker() {
        let relu = ActivationKernels.FusedActivation(negativeSlope: 0.1, maxValue: 6, threshold: 0)
        let cases: [(channels: Int, outputs: Int, side: Int, kernel: Int, groups: Int, batch: Int)] = [
            (32, 48, 13, 3, 1, 1), (16, 13, 13, 3, 1, 1), (24, 20, 14, 1, 2, 1), (8, 30, 11, 3, 2, 2), (40, 7, 14, 1, 1, 1),
        ]
        var shared = 0
        for c in cases {
            let pad = c.kernel / 2
            let g = ConvolutionGeometry(patches: PatchGeometry(channels: c.channels, height: c.side, width: c.side,
                                                               kernelHeight: c.kernel, kernelWidth: c.kernel, padTop: pad, padLeft: pad,
                                                               outputHeight: c.side, outputWidth: c.side),
                                        outputChannels: c.outputs, groups: c.groups)
            let x = randomTensor([c.batch, c.channels, c.side, c.side], seed: 95)
            let w = randomTensor([c.outputs, c.channels / c.groups, c.kernel, c.kernel], seed: 96), b = randomTensor([c.outputs], seed: 97)
            let residual = randomTensor([c.batch, c.outputs, c.side, c.side], seed: 98)
            for isa in Self.instructionSets {
                for blockFloats in [1, 1 << 15] {
                    func run(_ parts: Int) -> [Float] {
                        PanelKernels.$override.withValue(isa) {
                            ConvolutionKernels.$panelBlockFloats.withValue(blockFloats) {
                                Parallel.$minimumWorkOverride.withValue(0) {
                                    WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: parts, residual: residual, activation: relu)
                                }
                            }
                        }
                    }
                    let one = run(1)
                    #expect(!one.contains { $0.isNaN })
                    for parts in [2, 3, 4] where c.batch < parts {
                        let panels = (g.patches.outputArea + isa.panelWidth - 1) / isa.panelWidth
                        let block = max(1, blockFloats / max(1, g.patches.columnRows * isa.panelWidth))
                        if (panels + block - 1) / block >= parts { shared += 1 }
                        let many = run(parts)
                        #expect(many.map(\.bitPattern) == one.map(\.bitPattern), "\(isa) \(g) \(parts) parts, blocks of \(blockFloats) floats")
                    }
                }
            }
        }
        #expect(shared >= 14 * Self.instructionSets.count, "only \(shared) runs shared panels out")
    }
}

extension PanelKernelTests {
    /// The depthwise kernel works on units of (image, block of eight output channels, band of
    /// output rows): channel counts that leave a part-filled block, channel multipliers, planes wide
    /// enough to need several bands, rows narrower than a vector (1 and 2 outputs), and windows (1x1,
    /// 5x5, 7x7, strides 2-3, dilation) beside 3x3.
    static let channelBlockCases: [(channels: Int, multiplier: Int, height: Int, width: Int, kernel: Int, stride: Int, dilation: Int)] = [
        (8, 1, 14, 14, 3, 1, 1), (13, 1, 7, 7, 3, 1, 1), (17, 2, 29, 9, 3, 2, 1), (3, 3, 12, 6, 5, 1, 1),
        (9, 1, 40, 150, 3, 1, 1), (5, 1, 30, 200, 5, 2, 1), (11, 1, 19, 23, 3, 1, 2), (16, 1, 9, 40, 7, 3, 1),
        (10, 1, 6, 3, 3, 2, 1), (6, 1, 5, 1, 1, 1, 1),
    ]

    static func channelBlockGeometry(_ c: (channels: Int, multiplier: Int, height: Int, width: Int, kernel: Int, stride: Int, dilation: Int))
        -> ConvolutionGeometry {
        let reach = (c.kernel - 1) * c.dilation + 1, pad = reach / 2
        let oh = (c.height + 2 * pad - reach) / c.stride + 1, ow = (c.width + 2 * pad - reach) / c.stride + 1
        return ConvolutionGeometry(patches: PatchGeometry(channels: c.channels, height: c.height, width: c.width,
                                                          kernelHeight: c.kernel, kernelWidth: c.kernel,
                                                          strideHeight: c.stride, strideWidth: c.stride, padTop: pad, padLeft: pad,
                                                          dilationHeight: c.dilation, dilationWidth: c.dilation,
                                                          outputHeight: oh, outputWidth: ow),
                                   outputChannels: c.channels * c.multiplier, groups: c.channels)
    }

    @Test("depthwise on blocks of eight channels = im2col + GEMM: part-filled blocks, multipliers, several bands, 5x5/7x7, strides 2-3, dilation")
    func depthwiseChannelBlocksMatchIm2col() {
        for (index, c) in Self.channelBlockCases.enumerated() {
            let g = Self.channelBlockGeometry(c)
            let x = randomTensor([2, c.channels, c.height, c.width], seed: UInt64(100 + index))
            let weight = randomTensor([g.outputChannels, 1, c.kernel, c.kernel], seed: UInt64(200 + index))
            let b = randomTensor([g.outputChannels], seed: UInt64(300 + index))
            Self.expectDepthwiseMatchesIm2col(x, weight, b, g, "\(c)")
        }
    }

    /// Each unit writes exactly its own rows of its own planes (a part-filled last block of a row is
    /// stored whole only where the unit's next row overwrites it), and units computed one at a
    /// time, in any order, give the bits of one call over all of them.
    @Test("depthwise units write exactly their own rows, and one at a time equal all at once, bit for bit")
    func depthwiseUnitsWriteTheirOwnRows() throws {
        let relu = ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)
        for isa in Self.instructionSets {
            for (index, c) in Self.channelBlockCases.enumerated() {
                let g = Self.channelBlockGeometry(c)
                var windows = g.patches
                windows.channels = 1
                #expect(windows.supportsDepthwiseInterleaved(isa))
                let images = 2, outputs = g.outputChannels, plane = g.patches.outputArea
                let x = randomTensor([images, c.channels, c.height, c.width], seed: UInt64(400 + index))
                let weight = randomTensor([outputs, 1, c.kernel, c.kernel], seed: UInt64(500 + index))
                let b = randomTensor([outputs], seed: UInt64(600 + index))
                let units = windows.depthwiseInterleavedUnits(images: images, outputChannels: outputs)
                let blocks = (outputs + 7) / 8, bands = units / (images * blocks)
                #expect(units == images * blocks * bands && bands >= 1)
                let rowsPerBand = windows.depthwiseInterleavedBandRows
                #expect(bands == (g.patches.outputHeight + rowsPerBand - 1) / rowsPerBand)
                var scratch = [Float](repeating: .nan, count: windows.depthwiseInterleavedScratch + 8)
                func run(_ range: Range<Int>, into output: inout [Float]) {
                    x.scalars.withUnsafeBufferPointer { input in
                        weight.scalars.withUnsafeBufferPointer { kernel in
                            b.scalars.withUnsafeBufferPointer { bias in
                                output.withUnsafeMutableBufferPointer { out in
                                    scratch.withUnsafeMutableBufferPointer { s in
                                        // The kernel's scratch is 32-byte aligned.
                                        let base = s.baseAddress!
                                        let offset = (32 - Int(bitPattern: base) % 32) % 32 / MemoryLayout<Float>.stride
                                        windows.depthwiseInterleaved(input: input.baseAddress!, outputChannels: outputs, multiplier: c.multiplier,
                                                                     units: range, kernel: kernel.baseAddress!, bias: bias.baseAddress!,
                                                                     activation: relu, isa: isa, output: out.baseAddress!,
                                                                     scratch: base + offset)
                                    }
                                }
                            }
                        }
                    }
                }
                var all = [Float](repeating: .nan, count: images * outputs * plane)
                run(0..<units, into: &all)
                #expect(!all.contains { $0.isNaN }, "\(isa) \(c): outputs left unwritten")
                var oneByOne = [Float](repeating: .nan, count: all.count)
                for unit in (0..<units).reversed() {
                    var alone = [Float](repeating: .nan, count: all.count)
                    run(unit..<(unit + 1), into: &alone)
                    let image = unit / (blocks * bands), block = unit / bands % blocks, band = unit % bands
                    let rows = (band * rowsPerBand)..<min((band + 1) * rowsPerBand, g.patches.outputHeight)
                    var stray = 0, missing = 0
                    for (i, value) in alone.enumerated() {
                        let (planeIndex, offset) = i.quotientAndRemainder(dividingBy: plane)
                        let (n, oc) = planeIndex.quotientAndRemainder(dividingBy: outputs)
                        let mine = n == image && oc / 8 == block && rows.contains(offset / g.patches.outputWidth)
                        if mine, value.isNaN { missing += 1 }
                        if !mine, !value.isNaN { stray += 1 }
                        if mine { oneByOne[i] = value }
                    }
                    #expect(stray == 0 && missing == 0, "\(isa) \(c) unit \(unit): \(stray) values outside its rows, \(missing) of its own unwritten")
                }
                #expect(oneByOne.map(\.bitPattern) == all.map(\.bitPattern), "\(isa) \(c)")
            }
        }
    }
}

extension PanelKernelTests {
    /// The output-lanes convolution adds the same products in the same order as im2col and the
    /// panel GEMM (from the bias, in order of the weight's columns, then the residual, then the
    /// activation), so it must give their bits: windows 1x1 to 11x11, strides 1-4, dilation, pads,
    /// groups, output channels that leave a part-filled panel of 16, maps whose pixels leave a short
    /// tile of 6, one to three images on one to four workers; 3x3 windows and rows 5, 7 or 11 wide
    /// (undilated) run lanes.c's unrolled instances, the others its loops.
    @Test("output-lanes convolution = im2col + panel GEMM bit for bit: windows, strides, dilation, groups, part-filled panels and tiles, workers")
    func outputLanesMatchPanels() {
        var random = SeededGenerator(seed: 71)
        let activations: [ActivationKernels.FusedActivation?] = [nil, .init(negativeSlope: 0, maxValue: nil, threshold: 0),
                                                                 .init(negativeSlope: 0.1, maxValue: 6, threshold: 0), .swish, .hardSwish]
        var tested = 0, shortTiles = 0, partPanels = 0, window3 = 0, unrolledRows = 0
        for isa in Self.instructionSets {
            for trial in 0..<60 {
                let kh = [1, 2, 3, 5, 7, 11][trial % 6], kw = trial % 5 == 0 ? max(1, kh - 1) : kh
                let sh = Int.random(in: 1...4, using: &random), sw = trial % 3 == 0 ? 1 : sh
                let dh = trial % 7 == 3 ? 2 : 1, dw = dh
                let groups = [1, 1, 2, 3][trial % 4]
                let channels = groups * Int.random(in: 1...6, using: &random), outputs = groups * Int.random(in: 1...40, using: &random)
                let h = Int.random(in: 1...17, using: &random), w = Int.random(in: 1...19, using: &random)
                let pt = Int.random(in: 0..<kh, using: &random), pl = Int.random(in: 0..<kw, using: &random)
                let (reachH, reachW) = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
                guard h + 2 * pt >= reachH, w + 2 * pl >= reachW else { continue }
                let oh = (h + 2 * pt - reachH) / sh + 1, ow = (w + 2 * pl - reachW) / sw + 1
                let g = ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: h, width: w, kernelHeight: kh, kernelWidth: kw,
                                                                   strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl,
                                                                   dilationHeight: dh, dilationWidth: dw, outputHeight: oh, outputWidth: ow),
                                            outputChannels: outputs, groups: groups)
                guard PanelKernels.$override.withValue(isa, operation: { ConvolutionKernels.supports(.outputLanes, g) }) else {
                    Issue.record("\(isa) \(g): lanes unsupported"); continue
                }
                let batch = 1 + trial % 3
                let x = randomTensor([batch, channels, h, w], seed: random.next())
                let weight = randomTensor([outputs, channels / groups, kh, kw], seed: random.next())
                let b = randomTensor([outputs], seed: random.next())
                let residual = trial % 2 == 0 ? randomTensor([batch, outputs, oh, ow], seed: random.next()) : nil
                let activation = activations[trial / 2 % activations.count]
                let reference = PanelKernels.$override.withValue(isa) {
                    WinogradTests.forward(x, weight, b, g, .imageParallel, imagesPerChunk: 1, residual: residual, activation: activation)
                }
                for parts in [1, 2, 4] {
                    let lanes = PanelKernels.$override.withValue(isa) {
                        Parallel.$minimumWorkOverride.withValue(0) {
                            WinogradTests.forward(x, weight, b, g, .outputLanes, imagesPerChunk: parts, residual: residual, activation: activation)
                        }
                    }
                    #expect(!lanes.contains { $0.isNaN }, "\(isa) \(g): outputs left unwritten")
                    #expect(lanes.map(\.bitPattern) == reference.map(\.bitPattern), "\(isa) \(g) batch \(batch), \(parts) parts")
                }
                tested += 1
                if g.patches.outputArea % 6 != 0 { shortTiles += 1 }
                if g.outputChannelsPerGroup % 16 != 0 { partPanels += 1 }
                if kh == 3 && kw == 3 && dh == 1 { window3 += 1 }
                if [5, 7, 11].contains(kw) && dw == 1 { unrolledRows += 1 }
            }
        }
        #expect(tested >= 40 * Self.instructionSets.count && shortTiles >= 10 && partPanels >= 10,
                "\(tested) cases, \(shortTiles) with a short tile, \(partPanels) with a part-filled panel")
        #expect(window3 >= 5 * Self.instructionSets.count && unrolledRows >= 10 * Self.instructionSets.count,
                "\(window3) undilated 3x3 cases, \(unrolledRows) with undilated rows of 5, 7 or 11")
    }
}
