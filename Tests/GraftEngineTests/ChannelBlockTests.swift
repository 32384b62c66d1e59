import GraftCore
@testable import GraftEngine
@testable import GraftKernels
import Testing

/// Channels in blocks of eight (``ChannelBlocks``): its pointwise and depthwise kernels against
/// the planar paths (the same sums in the same order: the same bits), the conversions, and the
/// plan that keeps MobileNet-style chains in blocks.
@Suite("Channels in blocks of eight", .enabled(if: PanelKernels.supported >= .avx2, "this CPU has no AVX2: the blocked kernels do not run"))
struct ChannelBlockTests {
    static func blocks(_ planes: [Float], batch: Int, channels: Int, area: Int) -> [Float] {
        var result = [Float](repeating: .nan, count: planes.count)
        ChannelBlocks.toBlocks(planes, batch: batch, channels: channels, area: area, into: &result)
        return result
    }

    static func planes(_ blocks: [Float], batch: Int, channels: Int, area: Int) -> [Float] {
        var result = [Float](repeating: .nan, count: blocks.count)
        ChannelBlocks.fromBlocks(blocks, batch: batch, channels: channels, area: area, into: &result)
        return result
    }

    static func convolution(_ c: Int, _ h: Int, _ w: Int, outputs: Int, kernel: Int, stride: Int = 1, pad: Int = 0,
                            dilation: Int = 1, groups: Int = 1) -> ConvolutionGeometry {
        let oh = (h + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1, ow = (w + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
        return ConvolutionGeometry(
            patches: PatchGeometry(channels: c, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel,
                                   strideHeight: stride, strideWidth: stride, padTop: pad, padLeft: pad,
                                   dilationHeight: dilation, dilationWidth: dilation, outputHeight: oh, outputWidth: ow),
            outputChannels: outputs, groups: groups)
    }

    @Test("to blocks puts channel c of pixel p at [c / 8][p][c % 8], and back is the identity")
    func conversions() {
        for (batch, channels, area) in [(1, 8, 1), (2, 16, 13), (3, 24, 64), (1, 40, 49)] {
            let x = randomTensor([batch, channels, area], seed: 800).scalars
            let b = Self.blocks(x, batch: batch, channels: channels, area: area)
            var wrong = 0
            for n in 0..<batch {
                for c in 0..<channels {
                    for p in 0..<area where b[((n * channels / 8 + c / 8) * area + p) * 8 + c % 8] != x[(n * channels + c) * area + p] {
                        wrong += 1
                    }
                }
            }
            #expect(wrong == 0, "\(batch) x \(channels) x \(area)")
            #expect(Self.planes(b, batch: batch, channels: channels, area: area) == x)
        }
    }

    @Test("which convolutions run on blocks")
    func supported() {
        let isa = PanelKernels.InstructionSet.avx2
        #expect(ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 24, kernel: 1), isa: isa))
        #expect(ChannelBlocks.supports(Self.convolution(24, 7, 9, outputs: 24, kernel: 3, stride: 2, pad: 1, groups: 24), isa: isa))
        #expect(ChannelBlocks.supports(Self.convolution(8, 9, 9, outputs: 8, kernel: 5, pad: 4, dilation: 2, groups: 8), isa: isa))
        #expect(ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 16, kernel: 1, stride: 2), isa: isa))
        // Channel counts that are not whole blocks, padded 1x1 (or strided past the image's
        // edge), a channel multiplier, grouped convolutions and wider windows stay planar; so
        // does everything without vectors.
        #expect(!ChannelBlocks.supports(Self.convolution(12, 7, 7, outputs: 24, kernel: 1), isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 20, kernel: 1), isa: isa))
        var beyond = Self.convolution(16, 7, 7, outputs: 16, kernel: 1, stride: 2)
        beyond.patches.outputHeight += 1  // row 8 of 0...6
        #expect(!ChannelBlocks.supports(beyond, isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 16, kernel: 1, pad: 1), isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 32, kernel: 3, pad: 1, groups: 16), isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 16, kernel: 3, pad: 1, groups: 2), isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 16, kernel: 3, pad: 1), isa: isa))
        #expect(!ChannelBlocks.supports(Self.convolution(16, 7, 7, outputs: 24, kernel: 1), isa: .none))
    }

    /// Output counts with whole and half tiles (16 and 8 channels), maps with whole and part
    /// tiles of 6 and 12 pixels and several work units (192 pixels each), strides of 2 and 3
    /// (ResNet's projections) on maps of odd and even sizes.
    static let pointwise: [(inputs: Int, outputs: Int, height: Int, width: Int, stride: Int)] = [
        (8, 8, 1, 1, 1), (8, 16, 5, 1, 1), (24, 40, 7, 7, 1), (32, 24, 14, 14, 1), (16, 8, 3, 97, 1), (40, 48, 20, 11, 1),
        (16, 32, 7, 7, 2), (24, 16, 28, 28, 2), (8, 24, 10, 13, 3),
    ]

    @Test("a pointwise convolution on blocks gives the panels' bits (bias, residual, ReLU6, Swish, HardSwish; 1 and 3 images; 1 and 2 workers; strides)",
          arguments: 0..<9)
    func pointwiseMatchesPanels(index: Int) {
        let s = Self.pointwise[index]
        let g = Self.convolution(s.inputs, s.height, s.width, outputs: s.outputs, kernel: 1, stride: s.stride)
        let area = s.height * s.width, outputArea = g.patches.outputArea
        let w = randomTensor([s.outputs, s.inputs, 1, 1], seed: 810)
        var packed = [Float](repeating: .nan, count: ChannelBlocks.pointwisePackedCount(for: g))
        ChannelBlocks.packPointwise(w.scalars, geometry: g, into: &packed)
        for batch in [1, 3] {
            let x = randomTensor([batch, s.inputs, s.height, s.width], seed: 811)
            let b = randomTensor([s.outputs], seed: 812)
            let r = randomTensor([batch, s.outputs, g.patches.outputHeight, g.patches.outputWidth], seed: 813)
            for (residual, activation) in [(nil, nil), (r, ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)),
                                           (r, nil), (nil, .swish), (r, .hardSwish)] as [(Tensor?, ActivationKernels.FusedActivation?)] {
                PanelKernels.$override.withValue(.avx2) {
                    let expected = WinogradTests.forward(x, w, b, g, .imageParallel, imagesPerChunk: 1, residual: residual,
                                                         activation: activation)
                    for minimumWork in [nil, 0] as [Int?] {
                        let blockedResidual = residual.map { Self.blocks($0.scalars, batch: batch, channels: s.outputs, area: outputArea) }
                        var output = [Float](repeating: .nan, count: expected.count)
                        var scratch = [Float](repeating: .nan, count: ChannelBlocks.pointwiseScratchCount(for: g, batch: batch))
                        #expect(scratch.isEmpty == (s.stride == 1))
                        Parallel.$minimumWorkOverride.withValue(minimumWork) {
                            scratch.withUnsafeMutableBufferPointer { scratch in
                                ChannelBlocks.pointwiseForward(input: Self.blocks(x.scalars, batch: batch, channels: s.inputs, area: area),
                                                               packedWeight: packed, bias: b.scalars, output: &output, batch: batch,
                                                               geometry: g, scratch: scratch.baseAddress, residual: blockedResidual,
                                                               activation: activation, isa: .avx2)
                            }
                        }
                        let actual = Self.planes(output, batch: batch, channels: s.outputs, area: outputArea)
                        #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern),
                                "\(s) batch \(batch) residual \(residual != nil) activation \(activation != nil)")
                    }
                }
            }
        }
    }

    /// Windows of every kind the depthwise kernel takes: 3x3 with stride 1, 2 and 3, 5x5 with
    /// stride 1 and 2, dilated, unpadded, on maps whose rows are not whole blocks of eight pixels.
    static let depthwise: [ConvolutionGeometry] = [
        convolution(8, 7, 7, outputs: 8, kernel: 3, pad: 1, groups: 8),
        convolution(24, 14, 14, outputs: 24, kernel: 3, stride: 2, pad: 1, groups: 24),
        convolution(16, 9, 13, outputs: 16, kernel: 5, pad: 2, groups: 16),
        convolution(16, 11, 10, outputs: 16, kernel: 3, pad: 2, dilation: 2, groups: 16),
        convolution(8, 6, 5, outputs: 8, kernel: 3, groups: 8),
        convolution(32, 56, 56, outputs: 32, kernel: 3, stride: 2, pad: 1, groups: 32),
        convolution(16, 15, 15, outputs: 16, kernel: 5, stride: 2, pad: 2, groups: 16),
        convolution(8, 9, 9, outputs: 8, kernel: 3, stride: 3, pad: 1, groups: 8),
    ]

    @Test("a depthwise convolution on blocks gives the planar kernel's bits (bias, residual, ReLU6, Swish, HardSwish; 1 and 3 images)",
          arguments: 0..<8)
    func depthwiseMatchesPlanes(index: Int) {
        let g = Self.depthwise[index], p = g.patches, c = g.outputChannels
        let w = randomTensor([c, 1, p.kernelHeight, p.kernelWidth], seed: 820)
        let b = randomTensor([c], seed: 821)
        for batch in [1, 3] {
            let x = randomTensor([batch, c, p.height, p.width], seed: 822)
            let r = randomTensor([batch, c, p.outputHeight, p.outputWidth], seed: 823)
            let relu6 = ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)
            for (residual, activation) in [(nil, nil), (nil, relu6), (r, relu6), (nil, .swish), (r, .hardSwish)]
                as [(Tensor?, ActivationKernels.FusedActivation?)] {
                PanelKernels.$override.withValue(.avx2) {
                    let expected = WinogradTests.forward(x, w, b, g, .depthwiseDirect, imagesPerChunk: 1, residual: residual,
                                                         activation: activation)
                    for (parts, minimumWork) in [(1, nil), (2, 0), (3, 0)] as [(Int, Int?)] {
                        var scratch = [Float](repeating: .nan, count: ChannelBlocks.depthwiseScratchCount(for: g, parts: parts))
                        var output = [Float](repeating: .nan, count: expected.count)
                        let blockedResidual = residual.map { Self.blocks($0.scalars, batch: batch, channels: c, area: p.outputArea) }
                        var packed = [Float](repeating: .nan, count: ChannelBlocks.depthwisePackedCount(for: g))
                        ChannelBlocks.packDepthwise(w.scalars, geometry: g, into: &packed)
                        Parallel.$minimumWorkOverride.withValue(minimumWork) {
                            ChannelBlocks.depthwiseForward(input: Self.blocks(x.scalars, batch: batch, channels: c, area: p.height * p.width),
                                                           packedWeight: packed, bias: b.scalars, output: &output, batch: batch,
                                                           geometry: g, parts: parts, scratch: &scratch, residual: blockedResidual,
                                                           activation: activation, isa: .avx2)
                        }
                        let actual = Self.planes(output, batch: batch, channels: c, area: p.outputArea)
                        #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern),
                                "case \(index) batch \(batch) parts \(parts) residual \(residual != nil) activation \(activation != nil)")
                    }
                }
            }
        }
    }
}

extension ChannelBlockTests {
    /// Expansions (inputs -> expanded channels, 1x1) and the depthwise windows after them: maps
    /// narrow enough to be expanded a band at a time and wide ones expanded row by row in place
    /// (32 pixels and more), one band and several (rows two bands share expanded by both; 128 KB
    /// bands of 150 x 64 and 400 x 20 maps, and of 160 x 72 with stride 2), a last
    /// tile of 8 channels, 5x5, dilated, unpadded, stride 2 and 3, and windows reaching past the
    /// far edges (a Pad folded in: TensorFlow's "same" with stride 2).
    static let expansions: [(inputs: Int, geometry: ConvolutionGeometry)] = {
        var sameStride2 = convolution(16, 8, 8, outputs: 16, kernel: 3, stride: 2, groups: 16)
        sameStride2.patches.outputHeight = 4
        sameStride2.patches.outputWidth = 4
        return [
            (8, convolution(16, 7, 7, outputs: 16, kernel: 3, pad: 1, groups: 16)),
            (16, convolution(24, 14, 14, outputs: 24, kernel: 3, stride: 2, pad: 1, groups: 24)),
            (8, convolution(40, 9, 13, outputs: 40, kernel: 5, pad: 2, groups: 40)),
            (16, convolution(16, 11, 10, outputs: 16, kernel: 3, pad: 2, dilation: 2, groups: 16)),
            (8, convolution(8, 6, 5, outputs: 8, kernel: 3, groups: 8)),
            (16, convolution(32, 56, 56, outputs: 32, kernel: 3, stride: 2, pad: 1, groups: 32)),
            (8, convolution(24, 150, 64, outputs: 24, kernel: 3, pad: 1, groups: 24)),
            (16, convolution(16, 160, 72, outputs: 16, kernel: 3, stride: 2, pad: 1, groups: 16)),
            (24, convolution(16, 400, 20, outputs: 16, kernel: 3, pad: 1, groups: 16)),
            (16, convolution(8, 9, 33, outputs: 8, kernel: 3, stride: 3, pad: 1, groups: 8)),
            (16, sameStride2),
        ]
    }()

    @Test("the expansion cases cover one band and several, on maps expanded row by row in place and a band at a time")
    func expansionCasesCoverBands() {
        // (Maps 32 pixels wide and more are expanded row by row in place.)
        let bands = Self.expansions.map { e in
            (wide: e.geometry.patches.width >= 32,
             bands: ChannelBlocks.expandedDepthwiseUnits(for: e.geometry, batch: 1) / ((e.geometry.outputChannels + 15) / 16))
        }
        #expect(bands.contains { $0.wide && $0.bands > 1 } && bands.contains { !$0.wide && $0.bands > 1 }, "\(bands)")
        #expect(bands.contains { $0.wide && $0.bands == 1 } && bands.contains { !$0.wide && $0.bands == 1 }, "\(bands)")
    }

    @Test("an expansion fused with its depthwise layer gives the separate blocked layers' bits (ReLU6, Swish, HardSwish or none, residual, bias; 1 and 3 images; 1-3 workers)",
          arguments: 0..<11)
    func expandedDepthwiseMatchesSeparate(index: Int) {
        let (inputs, g) = Self.expansions[index]
        let p = g.patches, c = g.outputChannels
        let e = Self.convolution(inputs, p.height, p.width, outputs: c, kernel: 1)
        #expect(ChannelBlocks.fuses(expansion: e, into: g, isa: .avx2))
        let expandWeight = randomTensor([c, inputs, 1, 1], seed: 860), expandBias = randomTensor([c], seed: 861)
        let w = randomTensor([c, 1, p.kernelHeight, p.kernelWidth], seed: 862), b = randomTensor([c], seed: 863)
        var packedExpansion = [Float](repeating: .nan, count: ChannelBlocks.pointwisePackedCount(for: e))
        ChannelBlocks.packPointwise(expandWeight.scalars, geometry: e, into: &packedExpansion)
        var packed = [Float](repeating: .nan, count: ChannelBlocks.depthwisePackedCount(for: g))
        ChannelBlocks.packDepthwise(w.scalars, geometry: g, into: &packed)
        let relu6 = ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)
        let leaky = ActivationKernels.FusedActivation(negativeSlope: 0.1, maxValue: nil, threshold: 0)
        for batch in [1, 3] {
            let x = Self.blocks(randomTensor([batch, inputs, p.height, p.width], seed: 864, in: -2...2).scalars,
                                batch: batch, channels: inputs, area: p.height * p.width)
            let r = Self.blocks(randomTensor([batch, c, p.outputHeight, p.outputWidth], seed: 865).scalars,
                                batch: batch, channels: c, area: p.outputArea)
            let settings: [(ActivationKernels.FusedActivation?, Bool, [Float]?, ActivationKernels.FusedActivation?, [Float]?)] = [
                (relu6, true, b.scalars, relu6, nil), (nil, false, b.scalars, nil, nil), (leaky, true, nil, relu6, r),
                (.swish, true, b.scalars, .swish, nil), (.hardSwish, false, nil, .swish, r),
            ]
            for (expandActivation, expandHasBias, bias, activation, residual) in settings {
                PanelKernels.$override.withValue(.avx2) {
                    // The separate layers: the expansion written out, the depthwise layer reading it.
                    var expanded = [Float](repeating: .nan, count: batch * c * p.height * p.width)
                    var expected = [Float](repeating: .nan, count: batch * c * p.outputArea)
                    var separateScratch = [Float](repeating: .nan, count: ChannelBlocks.depthwiseScratchCount(for: g, parts: 1))
                    ChannelBlocks.pointwiseForward(input: x, packedWeight: packedExpansion, bias: expandHasBias ? expandBias.scalars : nil,
                                                   output: &expanded, batch: batch, geometry: e, activation: expandActivation, isa: .avx2)
                    ChannelBlocks.depthwiseForward(input: expanded, packedWeight: packed, bias: bias, output: &expected, batch: batch,
                                                   geometry: g, parts: 1, scratch: &separateScratch, residual: residual,
                                                   activation: activation, isa: .avx2)
                    #expect(expected.contains { $0 != 0 } && !expected.contains { $0.isNaN })
                    for (parts, minimumWork) in [(1, nil), (2, 0), (3, 0)] as [(Int, Int?)] {
                        var scratch = [Float](repeating: .nan, count: ChannelBlocks.expandedDepthwiseScratchCount(for: g, parts: parts))
                        var output = [Float](repeating: .nan, count: expected.count)
                        packedExpansion.withUnsafeBufferPointer { packedExpansion in
                            expandBias.scalars.withUnsafeBufferPointer { expandBias in
                                let expansion = ChannelBlocks.FusedPointwise(packedWeight: packedExpansion.baseAddress!,
                                                                        bias: expandHasBias ? expandBias.baseAddress : nil,
                                                                        activation: expandActivation, geometry: e)
                                Parallel.$minimumWorkOverride.withValue(minimumWork) {
                                    ChannelBlocks.expandedDepthwiseForward(input: x, expansion: expansion, packedWeight: packed, bias: bias,
                                                                           output: &output, batch: batch, geometry: g, parts: parts,
                                                                           scratch: &scratch, residual: residual, activation: activation,
                                                                           isa: .avx2)
                                }
                            }
                        }
                        // (A count, not the arrays: a failure prints its message, not 100 000 values.)
                        let differing = zip(output, expected).filter { $0.bitPattern != $1.bitPattern }.count
                        #expect(differing == 0,
                                "case \(index) batch \(batch) parts \(parts) residual \(residual != nil) activations \(expandActivation != nil) \(activation != nil)")
                    }
                }
            }
        }
    }

    @Test("a MobileNet-style plan fuses each expansion with its depthwise layer: the planar plan's bits; a kept expansion stays apart")
    func expandedDepthwisePlan() throws {
        try PanelKernels.$override.withValue(.avx2) {
            for batch in [1, 3] {
                let (graph, weights) = try Self.mobileNet(batch: batch)
                let x = randomTensor([batch, 3, 17, 15], seed: 832, in: -3...3)
                let planar = try ChannelBlocks.$allowed.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
                let fused = try ForwardExecutor(graph: graph, weights: weights)
                let names = fused.plan.layers.map(\.node)
                // dw1 reads the stem (no 1x1 before it); expand2 and expand3 fold into dw2 and dw3.
                #expect(names == ["stem", "dw1", "pw1", "expand2 + dw2", "project2", "expand3 + dw3", "project3", "last", "pool",
                                  "pool (channels out of blocks)", "fc"], "\(names)")
                #expect(fused.plan.layers.filter { $0 is ExpandedDepthwiseLayer }.count == 2)
                let expected = try planar.run(inputs: ["x": x])["fc"]!
                let actual = try fused.run(inputs: ["x": x])["fc"]!
                #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "batch \(batch)")
                #expect(expected.scalars.contains { $0 != 0 })
                // The fused plan holds no buffer for the expanded values: no more floats than the separate one.
                let separate = try ChannelBlocks.$fusesExpansions.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
                #expect(fused.plan.values.buffers.map(\.count).reduce(0, +) <= separate.plan.values.buffers.map(\.count).reduce(0, +))

                // An expansion the caller keeps is written out: that pair stays separate.
                let keeping = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["expand3_6"]))
                let kept = keeping.plan.layers.map(\.node)
                #expect(kept.contains("expand2 + dw2") && kept.contains("expand3") && kept.contains("dw3"), "\(kept)")
                let values = try keeping.run(inputs: ["x": x], outputs: ["fc", "expand3_6"])
                let reference = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
                    .run(inputs: ["x": x], outputs: ["fc", "expand3_6"])
                for name in ["fc", "expand3_6"] {
                    #expect(values[name]!.scalars.map(\.bitPattern) == reference[name]!.scalars.map(\.bitPattern), "\(name) batch \(batch)")
                }
            }
        }
    }
}

extension ChannelBlockTests {
    /// Depthwise windows (every kind the depthwise kernel takes, and a map tall enough for
    /// several units of rows) with the 1x1 projection after them (output channels a whole tile,
    /// a tile and a half, half a tile).
    static let projections: [(geometry: ConvolutionGeometry, outputs: Int)] =
        depthwise.enumerated().map { ($0.element, [16, 24, 8][$0.offset % 3]) }
        + [(convolution(64, 300, 20, outputs: 64, kernel: 3, pad: 1, groups: 64), 24)]

    @Test("a depthwise layer fused with its 1x1 projection gives the separate blocked layers' bits (ReLU6, Swish, HardSwish or none, residual, bias; 1 and 3 images; 1-3 workers)",
          arguments: 0..<9)
    func depthwisePointwiseMatchesSeparate(index: Int) {
        let (g, outputs) = Self.projections[index]
        let p = g.patches, c = g.outputChannels
        let projection = Self.convolution(c, p.outputHeight, p.outputWidth, outputs: outputs, kernel: 1)
        if index == Self.projections.count - 1 {
            #expect(ChannelBlocks.depthwisePointwiseUnits(for: g, batch: 1) > 1)
        }
        let w = randomTensor([c, 1, p.kernelHeight, p.kernelWidth], seed: 870), b = randomTensor([c], seed: 871)
        let projectWeight = randomTensor([outputs, c, 1, 1], seed: 872), projectBias = randomTensor([outputs], seed: 873)
        var packed = [Float](repeating: .nan, count: ChannelBlocks.depthwisePackedCount(for: g))
        ChannelBlocks.packDepthwise(w.scalars, geometry: g, into: &packed)
        var packedProjection = [Float](repeating: .nan, count: ChannelBlocks.pointwisePackedCount(for: projection))
        ChannelBlocks.packPointwise(projectWeight.scalars, geometry: projection, into: &packedProjection)
        let relu6 = ActivationKernels.FusedActivation(negativeSlope: 0, maxValue: 6, threshold: 0)
        let leaky = ActivationKernels.FusedActivation(negativeSlope: 0.1, maxValue: nil, threshold: 0)
        for batch in [1, 3] {
            let x = Self.blocks(randomTensor([batch, c, p.height, p.width], seed: 874, in: -2...2).scalars,
                                batch: batch, channels: c, area: p.height * p.width)
            let r = Self.blocks(randomTensor([batch, outputs, p.outputHeight, p.outputWidth], seed: 875).scalars,
                                batch: batch, channels: outputs, area: p.outputArea)
            let settings: [(ActivationKernels.FusedActivation?, [Float]?, Bool, ActivationKernels.FusedActivation?, [Float]?)] = [
                (relu6, b.scalars, true, nil, nil), (nil, nil, false, relu6, r), (leaky, b.scalars, true, relu6, r),
                (.swish, b.scalars, true, .hardSwish, r),
            ]
            for (activation, bias, projectHasBias, projectActivation, residual) in settings {
                PanelKernels.$override.withValue(.avx2) {
                    // The separate layers: the depthwise map written out, the 1x1 layer reading it.
                    var middle = [Float](repeating: .nan, count: batch * c * p.outputArea)
                    var expected = [Float](repeating: .nan, count: batch * outputs * p.outputArea)
                    var separateScratch = [Float](repeating: .nan, count: ChannelBlocks.depthwiseScratchCount(for: g, parts: 1))
                    ChannelBlocks.depthwiseForward(input: x, packedWeight: packed, bias: bias, output: &middle, batch: batch,
                                                   geometry: g, parts: 1, scratch: &separateScratch, activation: activation, isa: .avx2)
                    ChannelBlocks.pointwiseForward(input: middle, packedWeight: packedProjection,
                                                   bias: projectHasBias ? projectBias.scalars : nil, output: &expected, batch: batch,
                                                   geometry: projection, residual: residual, activation: projectActivation, isa: .avx2)
                    #expect(expected.contains { $0 != 0 } && !expected.contains { $0.isNaN })
                    for (parts, minimumWork) in [(1, nil), (2, 0), (3, 0)] as [(Int, Int?)] {
                        var scratch = [Float](repeating: .nan, count: ChannelBlocks.depthwisePointwiseScratchCount(for: g, parts: parts))
                        var output = [Float](repeating: .nan, count: expected.count)
                        packedProjection.withUnsafeBufferPointer { packedProjection in
                            projectBias.scalars.withUnsafeBufferPointer { projectBias in
                                let fused = ChannelBlocks.FusedPointwise(packedWeight: packedProjection.baseAddress!,
                                                                         bias: projectHasBias ? projectBias.baseAddress : nil,
                                                                         activation: projectActivation, geometry: projection)
                                Parallel.$minimumWorkOverride.withValue(minimumWork) {
                                    ChannelBlocks.depthwisePointwiseForward(input: x, packedWeight: packed, bias: bias, activation: activation,
                                                                            projection: fused, output: &output, batch: batch, geometry: g,
                                                                            parts: parts, scratch: &scratch, residual: residual, isa: .avx2)
                                }
                            }
                        }
                        // (A count, not the arrays: a failure prints its message, not 100 000 values.)
                        let differing = zip(output, expected).filter { $0.bitPattern != $1.bitPattern }.count
                        #expect(differing == 0,
                                "case \(index) batch \(batch) parts \(parts) residual \(residual != nil) activations \(activation != nil) \(projectActivation != nil)")
                    }
                }
            }
        }
    }

    /// A stem, a depthwise layer and a 1x1 projection whose sum with the stem's output the plan
    /// folds in, on a map tall enough for 16 units of rows per worker at batch 2.
    static func separable(batch: Int, height: Int) throws -> (Graph, [String: Tensor]) {
        let relu6 = Op.relu(ReLU(maxValue: 6))
        var graph = Graph(
            name: "separable", inputs: [GraphInput(name: "x", shape: [batch, 3, height, 16])],
            nodes: [
                Node(name: "stem", op: .convolution(Convolution(outputChannels: 64, kernel: [3, 3], padBegin: [1, 1])), inputs: ["x"]),
                Node(name: "stem6", op: relu6, inputs: ["stem"]),
                Node(name: "dw", op: .convolution(Convolution(outputChannels: 64, kernel: [3, 3], padBegin: [1, 1], groups: 64)),
                     inputs: ["stem6"]),
                Node(name: "dw6", op: relu6, inputs: ["dw"]),
                Node(name: "pw", op: .convolution(Convolution(outputChannels: 64, kernel: [1, 1])), inputs: ["dw6"]),
                Node(name: "sum", op: .eltwise(Eltwise(operation: .sum)), inputs: ["pw", "stem6"]),
                Node(name: "out", op: .relu(ReLU()), inputs: ["sum"]),
                Node(name: "pool", op: .pooling(Pooling(method: .average, global: true)), inputs: ["out"]),
                Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 5)), inputs: ["pool"]),
            ],
            outputs: ["fc"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 880))
    }

    @Test("a plan fuses a depthwise layer with its 1x1 projection (and the projection's residual) where the units suffice: the planar plan's bits")
    func depthwisePointwisePlan() throws {
        try PanelKernels.$override.withValue(.avx2) {
            // 64 channels of 16 pixels: 32 rows per unit.
            let batch = 2, height = 32 * 8 * Parallel.workers
            let (graph, weights) = try Self.separable(batch: batch, height: height)
            let x = randomTensor([batch, 3, height, 16], seed: 881, in: -3...3)
            let planar = try ChannelBlocks.$allowed.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
            let fused = try ForwardExecutor(graph: graph, weights: weights)
            let names = fused.plan.layers.map(\.node)
            #expect(names.contains("dw + pw") && !names.contains("dw"), "\(names)")
            #expect(fused.plan.layers.filter { $0 is DepthwisePointwiseLayer }.count == 1)
            let expected = try planar.run(inputs: ["x": x])["fc"]!
            let actual = try fused.run(inputs: ["x": x])["fc"]!
            #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern))
            #expect(expected.scalars.contains { $0 != 0 })
            // Too few units (a quarter of the rows): the two layers stay apart, and agree.
            let (short, shortWeights) = try Self.separable(batch: batch, height: height / 4)
            let apart = try ForwardExecutor(graph: short, weights: shortWeights)
            #expect(apart.plan.layers.map(\.node).contains("dw") && !apart.plan.layers.contains { $0 is DepthwisePointwiseLayer })
            // A kept depthwise output is written out: the pair stays apart.
            let keeping = try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["dw6"]))
            #expect(!keeping.plan.layers.contains { $0 is DepthwisePointwiseLayer })
            let kept = try keeping.run(inputs: ["x": x], outputs: ["fc", "dw6"])
            #expect(kept["fc"]!.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern))
        }
    }
}

extension ChannelBlockTests {
    /// A MobileNetV2-style network: a planar stem, a depthwise-separable block, two inverted
    /// residual blocks (expand, depthwise, project; the second adds its input), a last 1x1 and
    /// a pooled classifier, with BatchNorm-free ReLU6s the plan folds into the convolutions.
    static func mobileNet(batch: Int, channels: Int = 16) throws -> (Graph, [String: Tensor]) {
        func conv(_ outputs: Int, _ k: Int, stride: Int = 1, groups: Int = 1) -> Op {
            .convolution(Convolution(outputChannels: outputs, kernel: [k, k], stride: [stride, stride],
                                     padBegin: [(k - 1) / 2, (k - 1) / 2], groups: groups))
        }
        let relu6 = Op.relu(ReLU(maxValue: 6))
        let c = channels, wide = 3 * channels
        var graph = Graph(
            name: "mobilenet", inputs: [GraphInput(name: "x", shape: [batch, 3, 17, 15])],
            nodes: [
                Node(name: "stem", op: conv(c, 3, stride: 2), inputs: ["x"]),
                Node(name: "stem6", op: relu6, inputs: ["stem"]),
                Node(name: "dw1", op: conv(c, 3, groups: c), inputs: ["stem6"]),
                Node(name: "dw1_6", op: relu6, inputs: ["dw1"]),
                Node(name: "pw1", op: conv(c, 1), inputs: ["dw1_6"]),
                Node(name: "expand2", op: conv(wide, 1), inputs: ["pw1"]),
                Node(name: "expand2_6", op: relu6, inputs: ["expand2"]),
                Node(name: "dw2", op: conv(wide, 3, stride: 2, groups: wide), inputs: ["expand2_6"]),
                Node(name: "dw2_6", op: relu6, inputs: ["dw2"]),
                Node(name: "project2", op: conv(c, 1), inputs: ["dw2_6"]),
                Node(name: "expand3", op: conv(wide, 1), inputs: ["project2"]),
                Node(name: "expand3_6", op: relu6, inputs: ["expand3"]),
                Node(name: "dw3", op: conv(wide, 5, groups: wide), inputs: ["expand3_6"]),
                Node(name: "dw3_6", op: relu6, inputs: ["dw3"]),
                Node(name: "project3", op: conv(c, 1), inputs: ["dw3_6"]),
                Node(name: "sum3", op: .eltwise(Eltwise(operation: .sum)), inputs: ["project2", "project3"]),
                Node(name: "last", op: conv(2 * c, 1), inputs: ["sum3"]),
                Node(name: "last6", op: relu6, inputs: ["last"]),
                Node(name: "pool", op: .pooling(Pooling(method: .average, global: true)), inputs: ["last6"]),
                Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 5)), inputs: ["pool"]),
            ],
            outputs: ["fc"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 830))
    }

    @Test("a MobileNet-style plan keeps its separable chain in blocks: the planar plan's bits, converted only at its ends")
    func mobileNetPlan() throws {
        try PanelKernels.$override.withValue(.avx2) {
            for batch in [1, 3] {
                let (graph, weights) = try Self.mobileNet(batch: batch)
                let x = randomTensor([batch, 3, 17, 15], seed: 831, in: -3...3)
                let planar = try ChannelBlocks.$allowed.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
                // (The expansions fused with their depthwise layers: `expandedDepthwisePlan`.)
                let blocked = try ChannelBlocks.$fusesExpansions.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
                #expect(!planar.plan.layers.contains { ($0 as? ConvolutionLayer)?.blocked == true })
                let names = blocked.plan.layers.map(\.node)
                // The stem (by the output lanes) writes blocks itself; the global pool reads
                // blocks, and its 1x1 output is converted for the classifier.
                #expect(names == ["stem", "dw1", "pw1", "expand2", "dw2", "project2", "expand3", "dw3",
                                  "project3", "last", "pool", "pool (channels out of blocks)", "fc"], "\(names)")
                #expect(blocked.plan.layers.compactMap { $0 as? PoolingLayer }.map(\.blocked) == [true])
                let convolutions = blocked.plan.layers.compactMap { $0 as? ConvolutionLayer }
                #expect(convolutions.filter(\.blocked).map(\.node)
                        == ["dw1", "pw1", "expand2", "dw2", "project2", "expand3", "dw3", "project3", "last"])
                #expect(convolutions.filter(\.blockedOutput).map(\.node) == ["stem"])
                let expected = try planar.run(inputs: ["x": x])["fc"]!
                let actual = try blocked.run(inputs: ["x": x])["fc"]!
                #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "batch \(batch)")
                #expect(expected.scalars.contains { $0 != 0 })

                // A value the caller keeps inside the chain is converted back for it, and the
                // chain goes on in blocks.
                // A kept stem output stays planar and is converted for the chain.
                let keeping = try ChannelBlocks.$fusesExpansions.withValue(false) {
                    try ForwardExecutor(graph: graph, weights: weights, retaining: .outputs(plus: ["project2", "dw3_6", "stem6"]))
                }
                #expect(keeping.plan.layers.map(\.node).contains("project2 (channels out of blocks)"))
                #expect(keeping.plan.layers.map(\.node).contains("dw1 (channels into blocks)"))
                let kept = try keeping.run(inputs: ["x": x], outputs: ["fc", "project2", "dw3_6", "stem6"])
                let reference = try ForwardExecutor(graph: graph, weights: weights, retaining: .everyValue)
                    .run(inputs: ["x": x], outputs: ["fc", "project2", "dw3_6", "stem6"])
                for name in ["fc", "project2", "dw3_6", "stem6"] {
                    #expect(kept[name]!.scalars.map(\.bitPattern) == reference[name]!.scalars.map(\.bitPattern), "\(name) batch \(batch)")
                }

                // Planned again with the planes only: no conversion, nothing blocked.
                let forced = try ConvolutionKernels.$forcedStrategy.withValue(.im2colGEMM) { try ForwardExecutor(graph: graph, weights: weights) }
                #expect(!forced.plan.layers.contains { $0 is ChannelReorderLayer })
            }
        }
    }

    /// A ResNet-style network: a narrow stem and a max pool, a wide 1x1, a bottleneck with an identity sum and
    /// one that downsamples (its 3x3 and its 1x1 projection with stride 2), a narrow 1x1 head
    /// and a pooled classifier. Its 1x1 layers do 25600 multiply-adds per input pixel against 36
    /// floats converted around the 3x3 ones.
    static func resNet(batch: Int) throws -> (Graph, [String: Tensor]) {
        func conv(_ outputs: Int, _ k: Int, stride: Int = 1) -> Op {
            .convolution(Convolution(outputChannels: outputs, kernel: [k, k], stride: [stride, stride],
                                     padBegin: [(k - 1) / 2, (k - 1) / 2]))
        }
        let relu = Op.relu(ReLU()), sum = Op.eltwise(Eltwise(operation: .sum))
        var graph = Graph(
            name: "resnet", inputs: [GraphInput(name: "x", shape: [batch, 3, 12, 11])],
            nodes: [
                Node(name: "stem", op: conv(8, 3), inputs: ["x"]),
                Node(name: "stemRelu", op: relu, inputs: ["stem"]),
                Node(name: "stemPool", op: .pooling(Pooling(method: .max, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1])),
                     inputs: ["stemRelu"]),
                Node(name: "wide", op: conv(256, 1), inputs: ["stemPool"]),
                Node(name: "reduceA", op: conv(8, 1), inputs: ["wide"]),
                Node(name: "reduceA_r", op: relu, inputs: ["reduceA"]),
                Node(name: "mainA", op: conv(8, 3), inputs: ["reduceA_r"]),
                Node(name: "mainA_r", op: relu, inputs: ["mainA"]),
                Node(name: "expandA", op: conv(256, 1), inputs: ["mainA_r"]),
                Node(name: "sumA", op: sum, inputs: ["expandA", "wide"]),
                Node(name: "outA", op: relu, inputs: ["sumA"]),
                Node(name: "reduceB", op: conv(8, 1), inputs: ["outA"]),
                Node(name: "reduceB_r", op: relu, inputs: ["reduceB"]),
                Node(name: "mainB", op: conv(8, 3, stride: 2), inputs: ["reduceB_r"]),
                Node(name: "mainB_r", op: relu, inputs: ["mainB"]),
                Node(name: "expandB", op: conv(256, 1), inputs: ["mainB_r"]),
                Node(name: "projectB", op: conv(256, 1, stride: 2), inputs: ["outA"]),
                Node(name: "sumB", op: sum, inputs: ["expandB", "projectB"]),
                Node(name: "outB", op: relu, inputs: ["sumB"]),
                Node(name: "head", op: conv(8, 1), inputs: ["outB"]),
                Node(name: "pool", op: .pooling(Pooling(method: .average, global: true)), inputs: ["head"]),
                Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 5)), inputs: ["pool"]),
            ],
            outputs: ["fc"])
        try graph.deriveParameterSpecs()
        return (graph, graph.randomWeights(seed: 840))
    }

    @Test("a ResNet-style plan runs its 1x1 layers (strided too) on blocks and its 3x3 ones on planes: the planar plan's bits")
    func resNetPlan() throws {
        try PanelKernels.$override.withValue(.avx2) {
            for batch in [1, 2] {
                let (graph, weights) = try Self.resNet(batch: batch)
                let x = randomTensor([batch, 3, 12, 11], seed: 841, in: -3...3)
                let planar = try ChannelBlocks.$allowed.withValue(false) { try ForwardExecutor(graph: graph, weights: weights) }
                let blocked = try ForwardExecutor(graph: graph, weights: weights)
                let convolutions = blocked.plan.layers.compactMap { $0 as? ConvolutionLayer }
                #expect(Set(convolutions.filter(\.blocked).map(\.node))
                        == ["wide", "reduceA", "expandA", "reduceB", "expandB", "projectB", "head"])
                // The 3x3 layers read planes (by the output lanes, they write blocks themselves);
                // the max pool between the stem and the blocked 1x1 layers runs on blocks, the
                // stem writing them.
                #expect(convolutions.filter { !$0.blocked }.map(\.node) == ["stem", "mainA", "mainB"])
                #expect(convolutions.first { $0.node == "stem" }?.blockedOutput == true)
                #expect(blocked.plan.layers.compactMap { $0 as? PoolingLayer }.map { "\($0.node) \($0.blocked)" }
                        == ["stemPool true", "pool true"])
                let conversions = blocked.plan.layers.filter { $0 is ChannelReorderLayer }.count
                #expect(conversions <= 5, "\(blocked.plan.layers.map(\.node))")
                let expected = try planar.run(inputs: ["x": x])["fc"]!
                let actual = try blocked.run(inputs: ["x": x])["fc"]!
                #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "batch \(batch)")
                #expect(expected.scalars.contains { $0 != 0 })
            }
        }
    }

    @Test("1x1 layers whose conversions outweigh them, channel counts that are not whole blocks and training plans stay planar")
    func planarWhereBlocksDoNotPay() throws {
        try PanelKernels.$override.withValue(.avx2) {
            // Pointwise convolutions alone whose conversions outweigh their products: "p1" and
            // "down" (16 channels; 9 multiply-adds per float converted) and "head" (64).
            let (residual, residualWeights) = try ExecutorSharingTests.residualBlocks(batch: 2)
            var plan = try ForwardExecutor(graph: residual, weights: residualWeights).plan
            let blockedResidual = plan.layers.compactMap { $0 as? ConvolutionLayer }.filter(\.blocked).map(\.node)
            // Only the depthwise "dw" and the 1x1 "w1" that reads its sum form a chain.
            #expect(blockedResidual == ["dw", "w1"], "\(blockedResidual)")
            // 12 channels: nothing in blocks.
            let (narrow, narrowWeights) = try Self.mobileNet(batch: 1, channels: 12)
            plan = try ForwardExecutor(graph: narrow, weights: narrowWeights).plan
            #expect(!plan.layers.contains { ($0 as? ConvolutionLayer)?.blocked == true || $0 is ChannelReorderLayer })
            // Training keeps every value in planes (its backward passes read them).
            let (graph, weights) = try Self.mobileNet(batch: 2)
            let training = try ExecutionPlan(graph: graph, weights: weights, batchSize: 2, purpose: .training, retaining: ["fc"])
            #expect(!training.layers.contains { ($0 as? ConvolutionLayer)?.blocked == true || $0 is ChannelReorderLayer })
            #expect(try ExecutionPlan(graph: graph, weights: weights, batchSize: 2, retaining: ["fc"]).layers.contains { $0 is ChannelReorderLayer })
        }
    }
}

extension ChannelBlockTests {
    /// Pooling on blocks takes the planar loops' windows, tap order and tie rules: their bits, with
    /// NaNs (the last of a window stays), signed zeros (the first of equal values stays), pads that
    /// leave windows partly or wholly outside the image, both average divisors, and global pools.
    @Test("pooling on blocks = the planar pooling bit for bit: max and average, windows, strides, pads, NaN and -0, global")
    func poolingMatchesPlanes() {
        var random = SeededGenerator(seed: 850)
        var cases = 0, emptyWindows = 0
        for trial in 0..<40 {
            let batch = 1 + trial % 3, channels = 8 * (1 + trial % 3)
            let kh = 1 + trial % 4, kw = trial % 5 == 0 ? 2 : kh
            let sh = 1 + Int.random(in: 0...2, using: &random), sw = trial % 2 == 0 ? sh : 1 + trial % 3
            let h = Int.random(in: 1...13, using: &random), w = Int.random(in: 1...14, using: &random)
            let pt = Int.random(in: 0...kh, using: &random), pl = Int.random(in: 0...kw, using: &random)
            let pb = Int.random(in: 0...kh, using: &random), pr = Int.random(in: 0...kw, using: &random)
            guard h + pt + pb >= kh, w + pl + pr >= kw else { continue }
            let oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1
            let g = PoolingGeometry(height: h, width: w, outputHeight: oh, outputWidth: ow, kernelHeight: kh, kernelWidth: kw,
                                    strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl, padBottom: pb, padRight: pr)
            var x = randomTensor([batch, channels, h, w], seed: random.next(), in: -2...2).scalars
            // Ties of signed zeros and NaNs with distinct payloads.
            for i in x.indices where i % 7 == 3 { x[i] = i % 2 == 0 ? -0.0 : 0.0 }
            for i in x.indices where i % 29 == 5 { x[i] = Float(nan: UInt32(i % 1000), signaling: false) }
            let area = h * w, outputArea = oh * ow
            let blockedInput = Self.blocks(x, batch: batch, channels: channels, area: area)
            for (method, divisor) in [(Pooling.Method.max, Pooling.AverageDivisor.includePadding), (.average, .includePadding),
                                      (.average, .excludePadding)] {
                var planar = [Float](repeating: .nan, count: batch * channels * outputArea)
                if method == .max {
                    PoolingKernels.maxForward(input: x, output: &planar, argmax: nil, planes: batch * channels, geometry: g)
                } else {
                    PoolingKernels.forward(input: x, output: &planar, planes: batch * channels, geometry: g, method: method, divisor: divisor)
                }
                // The vector kernel, and the portable loop a machine without one would run (whose
                // sum of several NaNs may carry another of their payloads: C orders an addition's
                // operands freely, so there any NaN stands for any).
                for isa in [PanelKernels.InstructionSet.avx2, .none] {
                    let bits = { (v: [Float]) in v.map { isa == .none && method == .average && $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }
                    var blocked = [Float](repeating: 12345, count: planar.count)
                    Parallel.$minimumWorkOverride.withValue(0) {
                        ChannelBlocks.poolForward(input: blockedInput, output: &blocked, batch: batch, channels: channels, geometry: g,
                                                  method: method, divisor: divisor, isa: isa)
                    }
                    let back = Self.planes(blocked, batch: batch, channels: channels, area: outputArea)
                    #expect(bits(back) == bits(planar), "\(isa) \(method) \(divisor) \(g) batch \(batch)")
                }
                cases += 1
            }
            if (0..<oh).contains(where: { g.rows($0).isEmpty }) || (0..<ow).contains(where: { g.columns($0).isEmpty }) { emptyWindows += 1 }
        }
        #expect(cases >= 90 && emptyWindows >= 3, "\(cases) cases, \(emptyWindows) with an empty window")
        // Blocks pool four at a time: counts that leave short groups, on one worker and two.
        for (batch, channels, area) in [(1, 8, 1), (2, 16, 49), (3, 24, 30), (2, 56, 7)] {
            var x = randomTensor([batch, channels, area], seed: 851, in: -2...2).scalars
            for i in x.indices where i % 11 == 4 { x[i] = i % 2 == 0 ? -0.0 : 0.0 }
            for i in x.indices where i % 31 == 7 { x[i] = Float(nan: UInt32(i), signaling: false) }
            let blockedInput = Self.blocks(x, batch: batch, channels: channels, area: area)
            for method in [Pooling.Method.max, .average] {
                var planar = [Float](repeating: .nan, count: batch * channels)
                PoolingKernels.global(input: x, output: &planar, planes: batch * channels, area: area, method: method)
                for isa in [PanelKernels.InstructionSet.avx2, .none] {
                    let bits = { (v: [Float]) in v.map { isa == .none && method == .average && $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }
                    for minimumWork in [0, nil] as [Int?] {
                        var blocked = [Float](repeating: 12345, count: planar.count)
                        Parallel.$minimumWorkOverride.withValue(minimumWork) {
                            ChannelBlocks.globalPoolForward(input: blockedInput, output: &blocked, batch: batch, channels: channels,
                                                            area: area, method: method, isa: isa)
                        }
                        #expect(bits(blocked) == bits(planar), "global \(isa) \(method) \(batch) x \(channels) x \(area), \(String(describing: minimumWork))")
                    }
                }
            }
        }
    }
}
