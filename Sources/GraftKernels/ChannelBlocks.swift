import CGraftSIMD

/// Channels in blocks of eight (NCHW8c: per image `[channels / 8][height][width][8]`), the layout
/// an inference plan keeps between the pointwise and depthwise convolutions of
/// depthwise-separable networks (MobileNet, EfficientNet).
///
/// There a vector holds one pixel of eight channels: a 1x1 convolution broadcasts each input value
/// into whole vectors of output channels and reads the image in place (the planar form packs it
/// into panels first, and its 16-pixel panels run part-empty on 7x7 and 14x14 maps), and a
/// depthwise convolution loads each tap's eight channels at once (the planar form transposes
/// every band of eight planes in and out). Both give the planar paths' sums in the same order:
/// the same bits. Only vector units run them (``PanelKernels/active`` not `.none`).
public enum ChannelBlocks {
    /// Channels per block.
    public static let width = 8

    /// Whether inference plans may block channels (benchmarks and tests compare with the planar
    /// paths by switching it off around planning).
    @TaskLocal public static var allowed = true

    /// Whether a convolution can run on blocked channels: a 1x1 kernel without pad in one group
    /// (any stride: ResNet's projections), or a depthwise one (one input channel per output
    /// channel, any window, stride, pad and dilation), channel counts multiples of ``width``, on a
    /// vector unit.
    public static func supports(_ g: ConvolutionGeometry, isa: PanelKernels.InstructionSet = PanelKernels.active) -> Bool {
        guard isa != .none, g.inputChannels % width == 0, g.outputChannels % width == 0, g.inputChannels > 0 else { return false }
        if g.groups == 1 && (g.isPointwise || isStridedPointwise(g)) { return true }
        return g.groups == g.inputChannels && g.outputChannels == g.inputChannels
            && g.patches.group(of: g.groups).supportsDepthwiseInterleaved(isa)
    }

    /// Whether a supported convolution is a depthwise one (else pointwise).
    public static func isDepthwise(_ g: ConvolutionGeometry) -> Bool { g.groups > 1 }

    /// A 1x1 kernel with a stride, no pad and every output pixel on an input pixel: a 1x1
    /// convolution of every stride-th pixel.
    static func isStridedPointwise(_ g: ConvolutionGeometry) -> Bool {
        let p = g.patches
        return p.kernelHeight == 1 && p.kernelWidth == 1 && p.padTop == 0 && p.padLeft == 0 && !g.isPointwise
            && p.outputHeight > 0 && p.outputWidth > 0
            && (p.outputHeight - 1) * p.strideHeight < p.height && (p.outputWidth - 1) * p.strideWidth < p.width
    }

    /// Floats of scratch ``pointwiseForward(input:packedWeight:bias:output:batch:geometry:scratch:residual:activation:isa:)``
    /// takes: the strided pixels of every image (none for stride 1).
    public static func pointwiseScratchCount(for g: ConvolutionGeometry, batch: Int) -> Int {
        isStridedPointwise(g) ? batch * g.inputChannels * g.patches.outputArea : 0
    }

    /// `batch` images of `[channels][area]` planes into blocks (`channels` a multiple of 8).
    public static func toBlocks(_ planes: UnsafePointer<Float>, batch: Int, channels: Int, area: Int,
                                into blocks: UnsafeMutablePointer<Float>) {
        let isa = PanelKernels.active
        reorder(batch: batch, channels: channels, area: area) { offset, count in
            graft_simd_to_blocks(isa.c, planes + offset, Int32(count), area, blocks + offset)
        }
    }

    /// `batch` images of blocks back into `[channels][area]` planes.
    public static func fromBlocks(_ blocks: UnsafePointer<Float>, batch: Int, channels: Int, area: Int,
                                  into planes: UnsafeMutablePointer<Float>) {
        let isa = PanelKernels.active
        reorder(batch: batch, channels: channels, area: area) { offset, count in
            graft_simd_from_blocks(isa.c, blocks + offset, Int32(count), area, planes + offset)
        }
    }

    /// Shares out the blocks of every image (a block's planes and its blocked form occupy the
    /// same floats of the image).
    private static func reorder(batch: Int, channels: Int, area: Int, _ body: (_ offset: Int, _ channels: Int) -> Void) {
        let blocks = channels / width
        Parallel.forEach(batch * blocks, workPerItem: width * area) { range in
            for item in range { body(item * width * area, width) }
        }
    }

    /// Floats of a 1x1 convolution's packed weight (as many as the stored weight).
    public static func pointwisePackedCount(for g: ConvolutionGeometry) -> Int { g.outputChannels * g.inputChannels }

    /// Packs a 1x1 convolution's weight `[output][input]` into ``pointwisePackedCount(for:)``
    /// floats, tiles of 16 output channels as `[input channel][16]`.
    public static func packPointwise(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                     into packed: UnsafeMutablePointer<Float>) {
        graft_simd_pointwise_blocks_pack(Int32(g.outputChannels), Int32(g.inputChannels), weight, packed)
    }

    /// Pixels per work unit of a pointwise convolution: a multiple of both tile widths (6 and 12
    /// pixels) that keeps a map of 56x56 in a few dozen units per tile of channels.
    static let pointwisePixelsPerUnit = 192

    /// A 1x1 convolution on blocked channels: `output = act(bias + weight · input + residual)`,
    /// input, output and residual blocked. Work units are (image, tile of 16 output channels,
    /// 192 pixels), a worker taking a run of them: a tile's weights stay in cache across its pixels.
    /// With a stride, the strided pixels are gathered into `scratch` first
    /// (``pointwiseScratchCount(for:batch:)`` floats).
    public static func pointwiseForward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                        batch: Int, geometry g: ConvolutionGeometry,
                                        scratch: UnsafeMutablePointer<Float>? = nil,
                                        residual: UnsafePointer<Float>? = nil,
                                        activation: ActivationKernels.FusedActivation? = nil,
                                        isa: PanelKernels.InstructionSet = PanelKernels.active) {
        let area = g.patches.outputArea
        var input = input
        if isStridedPointwise(g) {
            guard let scratch else { preconditionFailure("ChannelBlocks: a strided pointwise convolution without scratch") }
            let p = g.patches, blocks = g.inputChannels / width
            Parallel.forEach(batch * blocks, workPerItem: width * area) { range in
                for item in range {
                    let (n, block) = item.quotientAndRemainder(dividingBy: blocks)
                    let offset = block * width
                    graft_simd_blocks_subsample(input + n * g.inputImageCount + offset * p.height * p.width, Int32(width),
                                                Int32(p.height), Int32(p.width), Int32(p.strideHeight), Int32(p.strideWidth),
                                                Int32(p.outputHeight), Int32(p.outputWidth),
                                                scratch + n * g.inputChannels * area + offset * area)
                }
            }
            input = UnsafePointer(scratch)
        }
        let inputImageCount = g.inputChannels * area
        let tiles = Int(graft_simd_pointwise_blocks_tiles(Int32(g.outputChannels)))
        let chunks = (area + pointwisePixelsPerUnit - 1) / pointwisePixelsPerUnit
        let units = batch * tiles * chunks
        let perUnit = 16 * g.inputChannels * min(area, pointwisePixelsPerUnit)
        let relu = activation?.simd ?? graft_simd_activation()
        let hasActivation = activation != nil
        // A last tile of 8 channels costs half a whole one: the parts take equal shares of work.
        let lastTileChannels = g.outputChannels - 16 * (tiles - 1)
        Parallel.forEach(units, workPerItem: perUnit, cost: { unit in
            let (imageTile, chunk) = unit.quotientAndRemainder(dividingBy: chunks)
            let pixels = min(area, (chunk + 1) * pointwisePixelsPerUnit) - chunk * pointwisePixelsPerUnit
            return (imageTile % tiles == tiles - 1 ? lastTileChannels : 16) * pixels
        }) { range in
            withUnsafePointer(to: relu) { reluPointer in
                for unit in range {
                    let (imageTile, chunk) = unit.quotientAndRemainder(dividingBy: chunks)
                    let (n, tile) = imageTile.quotientAndRemainder(dividingBy: tiles)
                    let first = chunk * pointwisePixelsPerUnit, count = min(area, first + pointwisePixelsPerUnit) - first
                    let done = graft_simd_pointwise_blocks(isa.c, Int32(g.outputChannels), Int32(g.inputChannels), area,
                                                           input + n * inputImageCount, packedWeight, bias,
                                                           residual.map { $0 + n * g.outputImageCount },
                                                           hasActivation ? reluPointer : nil, output + n * g.outputImageCount,
                                                           Int32(tile), first, count)
                    precondition(done != 0, "ChannelBlocks: a pointwise convolution the kernel does not take")
                }
            }
        }
    }

    /// Floats of scratch ``depthwiseForward(input:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:isa:)``
    /// takes for `parts` workers: a band buffer each.
    public static func depthwiseScratchCount(for g: ConvolutionGeometry, parts: Int) -> Int {
        max(1, parts) * (g.patches.group(of: g.groups).depthwiseInterleavedScratch + width)
    }

    /// Shares `units` out in chunks between at most `parts` workers, each handed its own part of
    /// `scratch` (`floatsPerPart` floats each, the first 32-byte boundary within it: the kernels'
    /// band and row buffers take aligned loads).
    private static func forEachChunk(_ units: Int, parts: Int, work: Int, scratch: UnsafeMutablePointer<Float>, floatsPerPart: Int,
                                     _ body: (_ range: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEachChunk(units, maximumParts: max(1, parts), workPerItem: work) { worker, range in
            let raw = UnsafeMutableRawPointer(scratch + worker * floatsPerPart)
            body(range, raw.alignedUp(toMultipleOf: 32).assumingMemoryBound(to: Float.self))
        }
    }

    /// Floats of a depthwise weight packed by ``packDepthwise(_:geometry:into:)``.
    public static func depthwisePackedCount(for g: ConvolutionGeometry) -> Int { g.outputChannels * g.patches.kernelArea }

    /// Packs a depthwise weight as stored (`[channels][kh][kw]`, channels a multiple of 8) into
    /// ``depthwisePackedCount(for:)`` floats, per block of eight channels `[tap][8]`: what each
    /// work unit would otherwise transpose for itself.
    public static func packDepthwise(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                     into packed: UnsafeMutablePointer<Float>) {
        graft_simd_depthwise_blocks_pack(Int32(g.outputChannels), Int32(g.patches.kernelArea), weight, packed)
    }

    /// A depthwise convolution on blocked channels (input, output and residual blocked); the
    /// weight packed by ``packDepthwise(_:geometry:into:)``. Work units are (image, block, band of
    /// rows), shared out between at most `parts` workers (the scratch holds that many bands).
    public static func depthwiseForward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                        batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                                        scratch: UnsafeMutablePointer<Float>,
                                        residual: UnsafePointer<Float>? = nil,
                                        activation: ActivationKernels.FusedActivation? = nil,
                                        isa: PanelKernels.InstructionSet = PanelKernels.active) {
        let plane = g.patches.group(of: g.groups)  // one plane per group
        let windows = plane.simd
        let units = plane.depthwiseInterleavedUnits(images: batch, outputChannels: g.outputChannels)
        let perPart = plane.depthwiseInterleavedScratch + width
        let relu = activation?.simd ?? graft_simd_activation()
        let hasActivation = activation != nil
        let work = max(1, batch * g.outputChannels * g.patches.outputArea * g.patches.kernelArea / max(1, units))
        forEachChunk(units, parts: parts, work: work, scratch: scratch, floatsPerPart: perPart) { range, aligned in
            withUnsafePointer(to: windows) { windowsPointer in
                withUnsafePointer(to: relu) { reluPointer in
                    let done = graft_simd_depthwise_blocks(isa.c, input, windowsPointer, Int32(g.outputChannels),
                                                           range.lowerBound, range.count, packedWeight, bias, residual,
                                                           hasActivation ? reluPointer : nil, output, aligned)
                    precondition(done != 0, "ChannelBlocks: a depthwise convolution the kernel does not take")
                }
            }
        }
    }

    /// Whether the plan may run a 1x1 convolution and the depthwise convolution that alone reads
    /// its output as one pass (``expandedDepthwiseForward(input:expansion:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:isa:)``;
    /// tests and benchmarks compare with the separate layers by switching it off around planning).
    @TaskLocal public static var fusesExpansions = true

    /// Whether `expansion` (a 1x1 convolution) and `depthwise`, reading its output, run as one
    /// pass: both on blocked channels, the 1x1 one without a stride.
    public static func fuses(expansion: ConvolutionGeometry, into depthwise: ConvolutionGeometry,
                             isa: PanelKernels.InstructionSet = PanelKernels.active) -> Bool {
        supports(expansion, isa: isa) && expansion.isPointwise && supports(depthwise, isa: isa) && isDepthwise(depthwise)
            && expansion.outputChannels == depthwise.inputChannels
    }

    /// A fused 1x1 convolution's packed weight, bias, activation and windows (an expansion before a
    /// depthwise convolution, or a projection after one).
    public struct FusedPointwise {
        /// The weight packed by ``ChannelBlocks/packPointwise(_:geometry:into:)``.
        public let packedWeight: UnsafePointer<Float>
        /// One bias per output channel, or none.
        public let bias: UnsafePointer<Float>?
        /// The ReLU applied to its output (an expansion's) or to the fused pass's output (a
        /// projection's), or none.
        public let activation: ActivationKernels.FusedActivation?
        /// Its windows: a 1x1 kernel without a stride.
        public let geometry: ConvolutionGeometry

        /// The 1x1 convolution with these parts.
        public init(packedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: ActivationKernels.FusedActivation?,
                    geometry: ConvolutionGeometry) {
            self.packedWeight = packedWeight
            self.bias = bias
            self.activation = activation
            self.geometry = geometry
        }
    }

    /// Floats of scratch the fused expansion and depthwise pass takes for `parts` workers: a
    /// tile's two bands and an output row each (and, on maps under 32 pixels wide, the bands'
    /// rows as expanded, before they are padded).
    public static func expandedDepthwiseScratchCount(for g: ConvolutionGeometry, parts: Int) -> Int {
        var windows = g.patches.group(of: g.groups).simd
        return max(1, parts) * (graft_simd_expand_depthwise_scratch(&windows) + width)
    }

    /// Work units of the fused expansion and depthwise pass: (image, tile of 16 channels, band
    /// of output rows).
    static func expandedDepthwiseUnits(for g: ConvolutionGeometry, batch: Int) -> Int {
        var windows = g.patches.group(of: g.groups).simd
        return graft_simd_expand_depthwise_units(&windows, Int32(batch), Int32(g.outputChannels))
    }

    /// A 1x1 convolution (`expansion`, its packed weight from ``packPointwise(_:geometry:into:)``)
    /// and the depthwise convolution `g` that alone reads its output, in one pass on blocked
    /// channels: each work unit (image, tile of 16 expanded channels, band of output rows)
    /// expands its band's rows into buffers in cache and computes the depthwise rows from there,
    /// so the expanded map (MobileNetV2's six times wider values) is never written to memory.
    /// Rows two bands share are expanded by both. The same bits as
    /// ``pointwiseForward(input:packedWeight:bias:output:batch:geometry:scratch:residual:activation:isa:)``
    /// then ``depthwiseForward(input:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:isa:)``.
    public static func expandedDepthwiseForward(input: UnsafePointer<Float>, expansion: FusedPointwise,
                                                packedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                                output: UnsafeMutablePointer<Float>, batch: Int,
                                                geometry g: ConvolutionGeometry, parts: Int,
                                                scratch: UnsafeMutablePointer<Float>,
                                                residual: UnsafePointer<Float>? = nil,
                                                activation: ActivationKernels.FusedActivation? = nil,
                                                isa: PanelKernels.InstructionSet = PanelKernels.active) {
        precondition(fuses(expansion: expansion.geometry, into: g, isa: isa), "ChannelBlocks: an expansion the fused kernel does not take")
        var windows = g.patches.group(of: g.groups).simd
        let units = expandedDepthwiseUnits(for: g, batch: batch)
        let perPart = graft_simd_expand_depthwise_scratch(&windows) + width
        let relu = activation?.simd ?? graft_simd_activation()
        let expansionReLU = expansion.activation?.simd ?? graft_simd_activation()
        let hasActivation = activation != nil, expansionHasActivation = expansion.activation != nil
        let e = expansion.geometry
        let work = max(1, batch * g.outputChannels * e.patches.outputArea * (e.inputChannels + g.patches.kernelArea) / max(1, units))
        forEachChunk(units, parts: parts, work: work, scratch: scratch, floatsPerPart: perPart) { range, aligned in
            withUnsafePointer(to: windows) { windowsPointer in
                withUnsafePointer(to: relu) { reluPointer in
                    withUnsafePointer(to: expansionReLU) { expansionReLUPointer in
                        let done = graft_simd_expand_depthwise_blocks(
                            isa.c, Int32(e.inputChannels), Int32(g.outputChannels), input, expansion.packedWeight, expansion.bias,
                            expansionHasActivation ? expansionReLUPointer : nil, windowsPointer, packedWeight, bias, residual,
                            hasActivation ? reluPointer : nil, output, range.lowerBound, range.count, aligned)
                        precondition(done != 0, "ChannelBlocks: an expansion the fused kernel does not take")
                    }
                }
            }
        }
    }

    /// Whether the plan may run a depthwise convolution and the 1x1 convolution that alone reads
    /// its output as one pass (``depthwisePointwiseForward(input:packedWeight:bias:activation:projection:output:batch:geometry:parts:scratch:residual:isa:)``;
    /// tests and benchmarks compare with the separate layers by switching it off around planning).
    @TaskLocal public static var fusesProjections = true

    /// Whether the fused depthwise and pointwise pass takes `depthwise` and `projection`, a 1x1
    /// convolution reading its output: both on blocked channels, the 1x1 one without a stride.
    public static func fuses(depthwise: ConvolutionGeometry, into projection: ConvolutionGeometry,
                             isa: PanelKernels.InstructionSet = PanelKernels.active) -> Bool {
        supports(depthwise, isa: isa) && isDepthwise(depthwise) && supports(projection, isa: isa) && projection.isPointwise
            && projection.inputChannels == depthwise.outputChannels
    }

    /// Whether the fused depthwise and pointwise pass splits into at least 16 work units (image,
    /// band of rows) per worker, where the plan fuses such a pair. A unit holds every channel of
    /// its rows, so a small map at batch 1 is one unit; MobileNetV2's first pair (32 channels,
    /// 112 x 112, Zen 3, 2 threads) gained with 104 units (batch 8: 1.85 → 1.59 ms) and not with
    /// 13 (batch 1: 0.225 → 0.233 ms).
    public static func splitsWell(depthwise: ConvolutionGeometry, batch: Int, workers: Int = Parallel.workers) -> Bool {
        depthwisePointwiseUnits(for: depthwise, batch: batch) >= 16 * max(1, workers)
    }

    /// Work units of the fused depthwise and pointwise pass: (image, band of output rows).
    static func depthwisePointwiseUnits(for g: ConvolutionGeometry, batch: Int) -> Int {
        var windows = g.patches.group(of: g.groups).simd
        return graft_simd_depthwise_pointwise_units(&windows, Int32(batch), Int32(g.outputChannels))
    }

    /// Floats of scratch the fused depthwise and pointwise pass takes for `parts` workers: a
    /// band, an output row and the depthwise outputs of a unit's rows each.
    public static func depthwisePointwiseScratchCount(for g: ConvolutionGeometry, parts: Int) -> Int {
        var windows = g.patches.group(of: g.groups).simd
        return max(1, parts) * (graft_simd_depthwise_pointwise_scratch(&windows, Int32(g.outputChannels)) + width)
    }

    /// A depthwise convolution `g` (its weight packed by ``packDepthwise(_:geometry:into:)``, its
    /// activation) and the 1x1 convolution `projection` that alone reads its output, in one pass
    /// on blocked channels: each work unit (image, band of output rows) computes its rows of
    /// every channel into a buffer in cache and the 1x1 sums of its pixels from there, so the
    /// depthwise map is never written to memory. The same bits as
    /// ``depthwiseForward(input:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:isa:)``
    /// then ``pointwiseForward(input:packedWeight:bias:output:batch:geometry:scratch:residual:activation:isa:)``
    /// (`residual` and the output's activation are the 1x1 convolution's).
    public static func depthwisePointwiseForward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                                                 bias: UnsafePointer<Float>?, activation: ActivationKernels.FusedActivation?,
                                                 projection: FusedPointwise, output: UnsafeMutablePointer<Float>, batch: Int,
                                                 geometry g: ConvolutionGeometry, parts: Int,
                                                 scratch: UnsafeMutablePointer<Float>,
                                                 residual: UnsafePointer<Float>? = nil,
                                                 isa: PanelKernels.InstructionSet = PanelKernels.active) {
        let p = projection.geometry
        precondition(fuses(depthwise: g, into: p, isa: isa), "ChannelBlocks: a depthwise and pointwise pair the fused kernel does not take")
        var windows = g.patches.group(of: g.groups).simd
        let units = depthwisePointwiseUnits(for: g, batch: batch)
        let perPart = graft_simd_depthwise_pointwise_scratch(&windows, Int32(g.outputChannels)) + width
        let relu = activation?.simd ?? graft_simd_activation()
        let projectionReLU = projection.activation?.simd ?? graft_simd_activation()
        let hasActivation = activation != nil, projectionHasActivation = projection.activation != nil
        let work = max(1, batch * g.patches.outputArea * g.outputChannels * (g.patches.kernelArea + p.outputChannels) / max(1, units))
        forEachChunk(units, parts: parts, work: work, scratch: scratch, floatsPerPart: perPart) { range, aligned in
            withUnsafePointer(to: windows) { windowsPointer in
                withUnsafePointer(to: relu) { reluPointer in
                    withUnsafePointer(to: projectionReLU) { projectionReLUPointer in
                        let done = graft_simd_depthwise_pointwise_blocks(
                            isa.c, Int32(g.outputChannels), Int32(p.outputChannels), input, windowsPointer, packedWeight, bias,
                            hasActivation ? reluPointer : nil, projection.packedWeight, projection.bias, residual,
                            projectionHasActivation ? projectionReLUPointer : nil, output, range.lowerBound, range.count, aligned)
                        precondition(done != 0, "ChannelBlocks: a depthwise and pointwise pair the fused kernel does not take")
                    }
                }
            }
        }
    }
}
