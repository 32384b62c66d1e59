import GraftCore
import GraftKernels
import Testing

/// A stride-1 geometry run by Winograd and by im2col.
struct WinogradCase: CustomTestStringConvertible, Sendable {
    let name: String
    let batch: Int
    let geometry: ConvolutionGeometry
    /// Images per chunk (1 or several, to exercise the chunk loop and tile numbering).
    let imagesPerChunk: Int
    var testDescription: String { name }

    init(_ name: String, batch: Int = 3, channels: Int, size: (Int, Int), kernel: Int, pad: (Int, Int),
         output: (Int, Int)? = nil, outputChannels: Int, groups: Int = 1, imagesPerChunk: Int = 2) {
        self.name = name
        self.batch = batch
        let out = output ?? (size.0 + 2 * pad.0 - kernel + 1, size.1 + 2 * pad.1 - kernel + 1)
        geometry = ConvolutionGeometry(
            patches: PatchGeometry(channels: channels, height: size.0, width: size.1, kernelHeight: kernel, kernelWidth: kernel,
                                   padTop: pad.0, padLeft: pad.1, outputHeight: out.0, outputWidth: out.1),
            outputChannels: outputChannels, groups: groups)
        self.imagesPerChunk = imagesPerChunk
    }

    static let all: [WinogradCase] = [
        .init("3x3 pad 1, odd 13x13 map (CaffeNet conv3 shape, small)", channels: 5, size: (13, 13), kernel: 3, pad: (1, 1), outputChannels: 7),
        .init("3x3 pad 0, 7x9, one image per chunk", channels: 4, size: (7, 9), kernel: 3, pad: (0, 0), outputChannels: 3, imagesPerChunk: 1),
        .init("3x3 pad 2 (input gradient with pad 0)", channels: 3, size: (6, 5), kernel: 3, pad: (2, 2), outputChannels: 4),
        .init("3x3 asymmetric: pad 1 top/left, none after", channels: 4, size: (8, 7), kernel: 3, pad: (1, 1), output: (7, 6), outputChannels: 5),
        .init("3x3 2 groups, chunk of 3 over batch 5", batch: 5, channels: 6, size: (9, 10), kernel: 3, pad: (1, 1), outputChannels: 8,
              groups: 2, imagesPerChunk: 3),
        .init("3x3 pad 0 on an even 8x6 map, 20 images in chunks of 9 (partial 8-tile groups)", batch: 20, channels: 3,
              size: (8, 6), kernel: 3, pad: (0, 0), outputChannels: 9, imagesPerChunk: 9),
        .init("3x3 on a 1x1 map with pad 1", batch: 2, channels: 3, size: (1, 1), kernel: 3, pad: (1, 1), outputChannels: 2),
        .init("3x3 pad 1 on 16x20: whole 4x4 output blocks, vectors of tiles across rows and images", batch: 3, channels: 3,
              size: (16, 20), kernel: 3, pad: (1, 1), outputChannels: 5),
    ]

    /// Channel counts that fill the GEMMs' register tiles and several panels.
    static let wide: [WinogradCase] = [
        .init("64 -> 40 channels on 14x14, batch 3 in chunks of 2", channels: 64, size: (14, 14), kernel: 3, pad: (1, 1), outputChannels: 40),
        .init("128 -> 128 on 13x13 (CaffeNet conv3-5), 2 groups, batch 5 in one chunk", batch: 5, channels: 128, size: (13, 13), kernel: 3,
              pad: (1, 1), outputChannels: 128, groups: 2, imagesPerChunk: 5),
        .init("256 -> 32 on 7x7 (ResNet's last stage), batch 2, one image per chunk", batch: 2, channels: 256, size: (7, 7), kernel: 3,
              pad: (1, 1), outputChannels: 32, imagesPerChunk: 1),
    ]
}

@Suite("Winograd convolution")
struct WinogradTests {
    @Test("F(m, r) reproduces a 1-D correlation", arguments: [(2, 3), (4, 3), (2, 5)])
    func oneDimensional(_ sizes: (Int, Int)) {
        // The construction is general; the engine uses F(2, 3).
        let t = sizes == (2, 3) ? WinogradTransform.f2x3 : WinogradTransform(m: sizes.0, r: sizes.1, points: [0, 1, -1, 2, -2])
        #expect(t.m == sizes.0 && t.r == sizes.1 && t.alpha == sizes.0 + sizes.1 - 1)
        let d = randomTensor([t.alpha], seed: 5).scalars, g = randomTensor([t.r], seed: 6).scalars
        let matrices = t.matrices
        var products = [Float](repeating: 0, count: t.alpha)
        for j in 0..<t.alpha {
            var gj: Float = 0, dj: Float = 0
            for k in 0..<t.r { gj += matrices.g[j * t.r + k] * g[k] }
            for k in 0..<t.alpha { dj += matrices.bt[j * t.alpha + k] * d[k] }
            products[j] = gj * dj
        }
        for i in 0..<t.m {
            var y: Float = 0
            for j in 0..<t.alpha { y += matrices.at[i * t.alpha + j] * products[j] }
            var direct: Float = 0
            for k in 0..<t.r { direct += g[k] * d[i + k] }
            #expect(abs(y - direct) <= 1e-5 * max(1, abs(direct)), "F(\(t.m), \(t.r)) output \(i): \(y) vs \(direct)")
        }
    }

    @Test("forward matches im2col", arguments: WinogradCase.all)
    func forward(_ c: WinogradCase) {
        let g = c.geometry
        #expect(ConvolutionKernels.supports(.winograd, g))
        let x = randomTensor([c.batch, g.inputChannels, g.patches.height, g.patches.width], seed: 11)
        let w = randomTensor([g.outputChannels, g.inputChannelsPerGroup, g.patches.kernelHeight, g.patches.kernelWidth], seed: 12)
        let b = randomTensor([g.outputChannels], seed: 13)
        let fast = Self.forward(x, w, b, g, .winograd, imagesPerChunk: c.imagesPerChunk)
        let reference = Self.forward(x, w, b, g, .im2colGEMM, imagesPerChunk: 1)
        expectClose(fast, reference, tolerance: 1e-4)
    }

    /// F(4, 3) on every instruction set with panel kernels: the cases above (odd maps whose last
    /// tiles overhang, pads 0-2, groups, chunks, partial panels) and wide ones that fill the GEMM
    /// tiles; with a residual and a ReLU applied by the output transform.
    @Test("F(4, 3) forward matches im2col, with the residual and a ReLU, Swish or HardSwish fused",
          arguments: WinogradCase.all + WinogradCase.wide,
          PanelKernels.InstructionSet.allCases.filter { $0 != .none && $0 <= PanelKernels.supported })
    func forward4(_ c: WinogradCase, _ isa: PanelKernels.InstructionSet) throws {
        let g = c.geometry
        let x = randomTensor([c.batch, g.inputChannels, g.patches.height, g.patches.width], seed: 31)
        let w = randomTensor([g.outputChannels, g.inputChannelsPerGroup, g.patches.kernelHeight, g.patches.kernelWidth], seed: 32)
        let b = randomTensor([g.outputChannels], seed: 33)
        let residual = randomTensor([c.batch, g.outputChannels, g.patches.outputHeight, g.patches.outputWidth], seed: 34)
        let relu = ActivationKernels.FusedActivation(negativeSlope: 0.1, maxValue: 6, threshold: 0)
        let reference = Self.forward(x, w, b, g, .im2colGEMM, imagesPerChunk: 1)
        try PanelKernels.$override.withValue(isa) {
            #expect(ConvolutionKernels.supports(.winograd4, g))
            let fast = Self.forward(x, w, b, g, .winograd4, imagesPerChunk: c.imagesPerChunk)
            // F(4, 3)'s rounding is about ten times F(2, 3)'s and scales with the outputs' magnitude
            // (the sums, not each result, carry it), so the bound is relative to the largest output:
            // measured at most 6.5e-6 of it on these cases (F(2, 3): 6e-7).
            let scale = reference.map(abs).max() ?? 1
            let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 2e-5 * max(1, scale), "max error \(worst) of outputs up to \(scale)")
            // Each activation with the residual (applied to single floats after the sum) and
            // without (on the output tiles' vectors): the separate layers' bits.
            for activation in [relu, .swish, .hardSwish] {
                for withResidual in [true, false] {
                    let fused = Self.forward(x, w, b, g, .winograd4, imagesPerChunk: c.imagesPerChunk,
                                             residual: withResidual ? residual : nil, activation: activation)
                    let sums = withResidual ? zip(fast, residual.scalars).map { $0 + $1 } : fast
                    var separate = [Float](repeating: .nan, count: sums.count)
                    activation.apply(sums, &separate, count: sums.count)
                    let differing = zip(fused, separate).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(differing == 0, "\(activation.kind), residual \(withResidual): \(differing) of \(sums.count) differ")
                }
            }
        }
    }

    @Test("input, weight and bias gradients match im2col", arguments: WinogradCase.all)
    func backward(_ c: WinogradCase) {
        let g = c.geometry
        let x = randomTensor([c.batch, g.inputChannels, g.patches.height, g.patches.width], seed: 21)
        let w = randomTensor([g.outputChannels, g.inputChannelsPerGroup, g.patches.kernelHeight, g.patches.kernelWidth], seed: 22)
        let dy = randomTensor([c.batch, g.outputChannels, g.patches.outputHeight, g.patches.outputWidth], seed: 23)
        let fast = Self.backward(x, w, dy, g, .winograd, imagesPerChunk: c.imagesPerChunk)
        let reference = Self.backward(x, w, dy, g, .im2colGEMM, imagesPerChunk: 1)
        expectClose(fast.input, reference.input, tolerance: 1e-4)
        expectClose(fast.weight, reference.weight, tolerance: 1e-4)
        expectClose(fast.bias, reference.bias, tolerance: 1e-4)
    }

    /// Training's input gradient by F(4, 3) (64+ channels either way, 32+ tiles, maps its tiles fit),
    /// the weight gradient by F(2, 3), against im2col: the plain path the gradient checks cover.
    @Test("F(2, 3) layers with F(4, 3) input gradients: gradients match im2col; 14x14 maps keep F(2, 3)",
          arguments: [(64, 96, 28, 2, 2), (128, 64, 16, 3, 3), (96, 64, 8, 8, 5)])
    func backwardInputGradientByF43(channels: Int, outputs: Int, side: Int, batch: Int, imagesPerChunk: Int) {
        let c = WinogradCase("", batch: batch, channels: channels, size: (side, side), kernel: 3, pad: (1, 1),
                             outputChannels: outputs, imagesPerChunk: imagesPerChunk)
        let g = c.geometry
        for isa in PanelKernels.InstructionSet.allCases where isa != .none && isa <= PanelKernels.supported {
            PanelKernels.$override.withValue(isa) {
                #expect(ConvolutionKernels.prefersWinograd43InputGradient(g, batch: batch))
                let x = randomTensor([batch, channels, side, side], seed: 31)
                let w = randomTensor([outputs, channels, 3, 3], seed: 32)
                let dy = randomTensor([batch, outputs, side, side], seed: 33)
                let fast = Self.backward(x, w, dy, g, .winograd, imagesPerChunk: imagesPerChunk)
                let reference = Self.backward(x, w, dy, g, .im2colGEMM, imagesPerChunk: 1)
                #expect(!fast.input.contains { $0.isNaN })
                // F(4, 3)'s rounding, relative to the largest value as in `forward4`: measured at most 7.0e-6 of it.
                let scale = reference.input.map(abs).max() ?? 1
                let worst = zip(fast.input, reference.input).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 2e-5 * max(1, scale), "max error \(worst) of input gradients up to \(scale)")
                expectClose(fast.weight, reference.weight, tolerance: 1e-4)
            }
        }
        let overhanging = WinogradCase("", batch: 4, channels: 64, size: (14, 14), kernel: 3, pad: (1, 1), outputChannels: 64)
        #expect(!ConvolutionKernels.prefersWinograd43InputGradient(overhanging.geometry, batch: 4))
    }

    @Test("strategy: Winograd for wide stride-1 3x3, not for thin, strided, dilated or larger kernels")
    func selection() {
        func geometry(channels: Int, kernel: Int, stride: Int = 1, dilation: Int = 1, groups: Int = 1, size: Int = 13) -> ConvolutionGeometry {
            let out = (size + 2 - dilation * (kernel - 1) - 1) / stride + 1
            return ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: size, width: size, kernelHeight: kernel,
                                                              kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                                                              padTop: 1, padLeft: 1, dilationHeight: dilation, dilationWidth: dilation,
                                                              outputHeight: out, outputWidth: out),
                                       outputChannels: channels, groups: groups)
        }
        // Batch 1: the alternative is one im2col GEMM per image (BLAS), on every instruction set.
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 256, kernel: 3)) == .winograd)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 384, kernel: 3, groups: 2)) == .winograd)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 96, kernel: 5)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 8, kernel: 3)) == .im2colGEMM)
        // From 64 channels on (F(4, 3) forward on a 56x56 map); below, the transforms cost more
        // than the multiplications saved (32 channels: measured 2-5x slower).
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 64, kernel: 3, size: 56)) == .winograd)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 32, kernel: 3, size: 56)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 128, kernel: 3, stride: 2)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 128, kernel: 3, dilation: 2)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(channels: 128, kernel: 7)) == .im2colGEMM)
        #expect(!ConvolutionKernels.supports(.winograd, geometry(channels: 64, kernel: 3, stride: 2)))
    }

    @Test("training strategy: Winograd for 3x3 layers of 64+ channels on every instruction set (F(4, 3) forward on large maps), panels for 32",
          arguments: PanelKernels.InstructionSet.allCases)
    func selectionBesidePanels(_ isa: PanelKernels.InstructionSet) {
        func geometry(channels: Int, size: Int) -> ConvolutionGeometry {
            ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3,
                                                       padTop: 1, padLeft: 1, outputHeight: size, outputWidth: size),
                                outputChannels: channels)
        }
        PanelKernels.$override.withValue(isa) {
            let active = PanelKernels.active
            let caffenetConv3 = ConvolutionKernels.preferredStrategy(for: geometry(channels: 256, size: 13), batch: 32)
            let vgg = ConvolutionKernels.preferredStrategy(for: geometry(channels: 128, size: 56), batch: 32)
            let cifar = ConvolutionKernels.preferredStrategy(for: geometry(channels: 32, size: 32), batch: 32)
            let resnetStage1 = ConvolutionKernels.preferredStrategy(for: geometry(channels: 64, size: 56), batch: 16)
            #expect(vgg == .winograd)
            #expect(cifar != .winograd)
            #expect(caffenetConv3 == .winograd)
            #expect(resnetStage1 == .winograd)
            if active != .none {
                #expect(ConvolutionKernels.prefersWinograd43Forward(geometry(channels: 64, size: 56), batch: 16, backward: resnetStage1))
            }
        }
    }

    @Test("inference: F(4, 3) for 3x3 layers of 64+ channels with 32+ tiles, else panels; never in training or without panels")
    func selection43() {
        func geometry(channels: Int, size: Int) -> ConvolutionGeometry {
            ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3,
                                                       padTop: 1, padLeft: 1, outputHeight: size, outputWidth: size),
                                outputChannels: channels)
        }
        func choice(_ channels: Int, _ size: Int, batch: Int, inference: Bool = true) -> ConvolutionKernels.Strategy {
            ConvolutionKernels.preferredStrategy(for: geometry(channels: channels, size: size), batch: batch, inference: inference)
        }
        for isa in PanelKernels.InstructionSet.allCases where isa <= PanelKernels.supported {
            PanelKernels.$override.withValue(isa) {
                guard isa != .none else {
                    #expect(choice(128, 28, batch: 8) != .winograd4)
                    #expect(!ConvolutionKernels.supports(.winograd4, geometry(channels: 128, size: 28)))
                    return
                }
                #expect(choice(128, 28, batch: 8) == .winograd4)
                #expect(choice(64, 56, batch: 1) == .winograd4)
                #expect(choice(128, 28, batch: 1) == .winograd4)  // 49 tiles
                #expect(choice(256, 14, batch: 1) == .winograd4)  // 16 tiles
                #expect(choice(512, 7, batch: 2) == .outputLanes)  // 8 tiles: the output lanes
                #expect(choice(512, 14, batch: 2) == .winograd4)  // 32 tiles
                #expect(choice(32, 56, batch: 8) != .winograd4)   // too few channels
                #expect(choice(512, 7, batch: 1) == .outputLanes)  // 4 tiles: memory-bound; F(2, 3) no better
                #expect(choice(512, 7, batch: 8) == .winograd4)   // 32 tiles
                #expect(choice(128, 28, batch: 8, inference: false) != .winograd4)
            }
        }
    }

    @Test("1x1 windows never take the output lanes, strided or not, at inference or in training's forward pass; 3x3 windows do")
    func oneByOneKeepsThePanels() {
        func geometry(kernel: Int, stride: Int) -> ConvolutionGeometry {
            let output = (28 - 1) / stride + 1
            return ConvolutionGeometry(patches: PatchGeometry(channels: 256, height: 28, width: 28, kernelHeight: kernel, kernelWidth: kernel,
                                                              strideHeight: stride, strideWidth: stride, padTop: kernel / 2, padLeft: kernel / 2,
                                                              outputHeight: output, outputWidth: output),
                                       outputChannels: 512)
        }
        for isa in PanelKernels.InstructionSet.allCases where isa <= PanelKernels.supported && isa != .none {
            PanelKernels.$override.withValue(isa) {
                for batch in [1, 32] {
                    for stride in [1, 2] {
                        let pointwise = geometry(kernel: 1, stride: stride)
                        #expect(ConvolutionKernels.supports(.outputLanes, pointwise))  // it could; it does not pay
                        let chosen = ConvolutionKernels.preferredStrategy(for: pointwise, batch: batch, inference: true)
                        #expect(chosen != .outputLanes, "1x1 stride \(stride), batch \(batch): \(chosen)")
                        let forward = ConvolutionKernels.trainingForwardStrategy(for: pointwise, batch: batch, backward: .imageParallel)
                        #expect(forward == .imageParallel, "1x1 stride \(stride), batch \(batch), training: \(forward)")
                    }
                    // The same layer with a 3x3 window and stride 2 (no F(4, 3)) does take them.
                    #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 3, stride: 2), batch: batch, inference: true) == .outputLanes)
                    #expect(ConvolutionKernels.trainingForwardStrategy(for: geometry(kernel: 3, stride: 2), batch: batch,
                                                                       backward: .imageParallel) == .outputLanes)
                }
            }
        }
    }

    @Test("the gradient-check case named Winograd really runs Winograd")
    func gradientCheckCaseIsWinograd() throws {
        let c = try #require(BackwardConvolutionCase.convolutions.first { $0.name.hasPrefix("Winograd") })
        guard case .convolution(let op) = c.op else { Issue.record("not a convolution"); return }
        let g = ConvolutionGeometry(patches: PatchGeometry(channels: c.input[1], height: c.input[2], width: c.input[3],
                                                           kernelHeight: op.kernel[0], kernelWidth: op.kernel[1],
                                                           padTop: op.padBegin[0], padLeft: op.padBegin[1],
                                                           outputHeight: c.input[2], outputWidth: c.input[3]),
                                    outputChannels: op.outputChannels, groups: op.groups)
        // Its 16 channels are too few for the cost rule, so the case pins the strategy; the pin must
        // reach the engine's choice and apply to this geometry.
        #expect(c.strategy == .winograd)
        #expect(ConvolutionKernels.preferredStrategy(for: g, batch: c.input[0]) != .winograd)
        ConvolutionKernels.$forcedStrategy.withValue(c.strategy) {
            #expect(ConvolutionKernels.preferredStrategy(for: g, batch: c.input[0]) == .winograd)
        }
    }

    static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ g: ConvolutionGeometry,
                        _ strategy: ConvolutionKernels.Strategy, imagesPerChunk: Int,
                        residual: Tensor? = nil, activation: ActivationKernels.FusedActivation? = nil) -> [Float] {
        let batch = x.shape[0]
        var output = [Float](repeating: .nan, count: batch * g.outputImageCount)
        var scratch = [Float](repeating: .nan,
                              count: max(ConvolutionKernels.scratchCount(for: g, strategy: strategy, imagesPerChunk: imagesPerChunk), 1))
        output.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { s in
                ConvolutionKernels.forward(input: x.scalars, weight: w.scalars, bias: b.scalars, output: out.baseAddress!,
                                           batch: batch, geometry: g, strategy: strategy, scratch: s.baseAddress!,
                                           imagesPerChunk: imagesPerChunk, residual: residual?.scalars, activation: activation)
            }
        }
        return output
    }

    static func backward(_ x: Tensor, _ w: Tensor, _ dy: Tensor, _ g: ConvolutionGeometry,
                         _ strategy: ConvolutionKernels.Strategy, imagesPerChunk: Int) -> (input: [Float], weight: [Float], bias: [Float]) {
        let batch = x.shape[0]
        var dx = [Float](repeating: .nan, count: x.elementCount)
        var dw = [Float](repeating: .nan, count: w.elementCount)
        var db = [Float](repeating: .nan, count: g.outputChannels)
        var scratch = [Float](repeating: .nan,
                              count: max(ConvolutionKernels.backwardScratchCount(for: g, strategy: strategy, imagesPerChunk: imagesPerChunk), 1))
        dx.withUnsafeMutableBufferPointer { dxp in
            dw.withUnsafeMutableBufferPointer { dwp in
                db.withUnsafeMutableBufferPointer { dbp in
                    scratch.withUnsafeMutableBufferPointer { s in
                        ConvolutionKernels.backward(input: x.scalars, weight: w.scalars, outputGradient: dy.scalars,
                                                    inputGradient: dxp.baseAddress!, weightGradient: dwp.baseAddress!,
                                                    biasGradient: dbp.baseAddress!, batch: batch, geometry: g, strategy: strategy,
                                                    imagesPerChunk: imagesPerChunk, scratch: s.baseAddress!)
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}
