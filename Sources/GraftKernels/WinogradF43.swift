import CGraftSIMD

/// ``ConvolutionKernels/Strategy/winograd4``: Winograd F(4, 3) on Graft's panel GEMM, for
/// inference. Each 4x4 block of outputs comes from the 6x6 input tile under it, so a 3x3
/// convolution takes 36 GEMMs with 4x fewer multiply-adds than im2col (F(2, 3): 2.25x), and the
/// transforms cost less per output too (a 6x6 tile feeds 16 outputs, a 4x4 one 4). The
/// transforms are `CGraftSIMD`'s (`winograd.c`: the tiles are the vector lanes, written straight
/// into the GEMM's panels); the 36 GEMMs are `graft_simd_gemm`'s, shared out between the cores by
/// transform position, with no OpenBLAS.
///
/// Its interpolation points (0, ±1, ±2) make the rounding a few times larger than F(2, 3)'s, still
/// within the engine's tolerance against im2col (about 1e-5 relative on unit-scale data, measured
/// by `WinogradTests`). Training takes it for the forward pass (``prefersWinograd43Forward(_:batch:backward:)``)
/// and the input gradient (``prefersWinograd43InputGradient(_:batch:)``, checked against im2col);
/// the weight gradient keeps F(2, 3), checked against finite differences.
extension ConvolutionKernels {
    /// Transform positions of a 6x6 tile.
    static let winograd43Positions = 36

    /// Channels per group (input and output) from which F(4, 3) is chosen at inference. Measured
    /// per layer (3x3, pad 1, ReLU; `graft bench infer` on one-layer models, best of 3 alternating
    /// rounds, Zen 4 at 2 threads, AVX-512 and AVX2): it beat the engine's previous choice at
    /// batch 8 on 64-512 channels from 13x13 to 112x112 maps (128 on 28x28: 15.3 → 7.4 ms, 64 on
    /// 112x112: 80 → 45 ms, 256 on 13x13: 5.9 → 4.8 ms), tied on 64 at 56x56, and lost on 32
    /// channels at 56x56 (3.1 → 8.8 ms).
    public static let winograd43MinimumChannels = 64

    /// Tiles of one pass below which F(4, 3) is not chosen. Each transformed weight (4x the
    /// stored ones, and held instead of them) is read once per chunk and used once per tile, so
    /// few tiles leave the pass memory-bound: 512 channels on 7x7 (4 tiles per image) took 5.4 ms
    /// against 1.9 by panels at batch 1. From 16 tiles (a 14x14 map at batch 1) it pays: ResNet-50
    /// at batch 1 on a Zen 3 (2 threads, best of 8 alternating, `--profile`): its 14x14 stage
    /// 27.5 → 19.9 ms against the output lanes, the whole network 55.4 → 53.1 ms. Its weights
    /// then cost memory (there, peak 266 → 301 MB; PyTorch's 356): 32 tiles had been the
    /// limit while ResNet-50 peaked at 344 MB without them.
    public static let winograd43MinimumTiles = 16

    /// Input channels per unit of the input transform: with few tiles (one panel at batch 1 on a
    /// 13x13 or 14x14 map) the panels alone gave one unit, transformed on one core.
    static let winograd43InputChannelBlock = 16

    /// Whether F(4, 3) is the inference choice for this geometry and batch (given the panel
    /// kernels and a stride-1 3x3 kernel): see ``winograd43MinimumChannels`` and
    /// ``winograd43MinimumTiles``.
    static func prefersWinograd43(_ g: ConvolutionGeometry, batch: Int) -> Bool {
        guard g.inputChannelsPerGroup >= winograd43MinimumChannels, g.outputChannelsPerGroup >= winograd43MinimumChannels
        else { return false }
        return batch * winograd43TileGrid(g.patches).perImage >= winograd43MinimumTiles
    }

    /// Whether a training plan's forward pass takes F(4, 3) for a layer whose backward pass runs
    /// F(2, 3) (``Strategy/winograd``): where inference would, and only on maps whose 4x4 tiles
    /// waste at most a tenth of their outputs (13x13 and 14x14 maps computed 16x16: CaffeNet's
    /// conv3-5 ran slower by F(4, 3) than by the panels at batch 1).
    public static func prefersWinograd43Forward(_ g: ConvolutionGeometry, batch: Int, backward: Strategy) -> Bool {
        guard backward == .winograd, PanelKernels.active != .none, supports(.winograd4, g),
              prefersWinograd43(g, batch: batch) else { return false }
        let covered = 16 * winograd43TileGrid(g.patches).perImage
        return 10 * g.patches.outputArea >= 9 * covered
    }

    /// Whether training's input gradient of this F(2, 3) layer is taken by F(4, 3): it is the
    /// convolution of the output gradient with the flipped, transposed kernel (`winogradMirror`),
    /// a forward pass F(4, 3) computes where ``prefersWinograd43Forward(_:batch:backward:)`` says so.
    public static func prefersWinograd43InputGradient(_ g: ConvolutionGeometry, batch: Int) -> Bool {
        supportsWinograd(g) && prefersWinograd43Forward(winogradMirror(g), batch: batch, backward: .winograd)
    }

    /// Floats of scratch ``winograd43InputGradient(weight:outputGradient:inputGradient:batch:geometry:imagesPerChunk:scratch:)``
    /// needs (0 where F(4, 3) cannot run): the flipped kernel, its transform and one chunk.
    static func winograd43InputGradientScratchCount(for g: ConvolutionGeometry, imagesPerChunk: Int) -> Int {
        guard supportsWinograd(g) else { return 0 }
        let mirror = winogradMirror(g)
        guard winograd43Addressable(mirror) else { return 0 }
        return g.weightCount + winograd43TransformedWeightCount(for: mirror) + winograd43ChunkCount(mirror, images: max(1, imagesPerChunk))
    }

    /// `inputGradient` = the output gradient convolved with the flipped, transposed kernel, by
    /// F(4, 3) in chunks of `imagesPerChunk` images (overwritten).
    static func winograd43InputGradient(weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                        inputGradient: UnsafeMutablePointer<Float>, batch: Int, geometry g: ConvolutionGeometry,
                                        imagesPerChunk: Int, scratch: UnsafeMutablePointer<Float>) {
        let mirror = winogradMirror(g)
        let flipped = scratch, transformed = scratch + g.weightCount
        flipKernels(weight, into: flipped, geometry: g)
        transformWinograd43Weights(flipped, geometry: mirror, into: transformed)
        winograd43Forward(input: outputGradient, transformedWeight: transformed, bias: nil, output: inputGradient,
                          batch: batch, geometry: mirror, imagesPerChunk: imagesPerChunk,
                          scratch: transformed + winograd43TransformedWeightCount(for: mirror))
    }

    /// The 4x4 output tiles of one image (the last row and column may overhang the output) and
    /// the padded plane every tile's 6x6 window fits in.
    static func winograd43TileGrid(_ p: PatchGeometry) -> (high: Int, wide: Int, perImage: Int, paddedPlane: Int) {
        let high = (p.outputHeight + 3) / 4, wide = (p.outputWidth + 3) / 4
        return (high, wide, high * wide, (4 * high + 2) * (4 * wide + 2))
    }

    /// Whether one image's padded planes, transformed tiles and products stay below 2^31 floats
    /// (the C kernels gather with 32-bit offsets).
    static func winograd43Addressable(_ g: ConvolutionGeometry) -> Bool {
        // The sizes come from validated tensor shapes; a hostile pad could still make the plane large.
        let (padded, overflow) = winograd43TileGrid(g.patches).paddedPlane.multipliedReportingOverflow(by: g.patches.channels)
        return !overflow && padded < Int(Int32.max) / 2 && winograd43ChunkCount(g, images: 1) < Int(Int32.max) / 2
    }

    /// Floats of the transformed weights ``transformWinograd43Weights(_:geometry:into:)`` writes.
    public static func winograd43TransformedWeightCount(for g: ConvolutionGeometry) -> Int {
        winograd43Positions * g.outputChannels * g.inputChannelsPerGroup
    }

    /// Transforms the weights once, for an inference plan: `U[ξ][outputChannel][inputChannelOfGroup]`.
    public static func transformWinograd43Weights(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                                  into transformed: UnsafeMutablePointer<Float>) {
        precondition(supportsWinograd(g), "Winograd weights for a geometry it does not support: \(g)")
        let columns = g.inputChannelsPerGroup, stride = g.outputChannels * columns
        Parallel.forEach(g.outputChannels, workPerItem: columns * 36 * 12) { rows in
            graft_winograd43_weights(Int32(rows.count), Int32(columns), weight + rows.lowerBound * columns * 9,
                                     transformed + rows.lowerBound * columns, stride)
        }
    }

    /// One chunk's sizes as the C kernels take them.
    static func winograd43Chunk(_ p: PatchGeometry, images: Int) -> graft_winograd_chunk {
        let (high, wide, _, _) = winograd43TileGrid(p)
        return graft_winograd_chunk(channels: Int32(p.channels), height: Int32(p.height), width: Int32(p.width),
                                    output_height: Int32(p.outputHeight), output_width: Int32(p.outputWidth),
                                    pad_top: Int32(p.padTop), pad_left: Int32(p.padLeft), images: Int32(images),
                                    tiles_high: Int32(high), tiles_wide: Int32(wide),
                                    padded_height: Int32(4 * high + 2), padded_width: Int32(4 * wide + 2))
    }

    /// Floats of one chunk's padded planes, `V` and `M` for `images` images.
    static func winograd43ChunkCount(_ g: ConvolutionGeometry, images: Int) -> Int {
        let grid = winograd43TileGrid(g.patches)
        let width = PanelKernels.maximumPanelWidth
        let columns = (images * grid.perImage + width - 1) / width * width
        let padded = images * g.patches.channels * grid.paddedPlane
        return padded + winograd43Positions * (g.inputChannels + g.outputChannels) * columns
    }

    /// Floats of scratch ``winograd43Forward(input:transformedWeight:bias:output:batch:geometry:imagesPerChunk:scratch:residual:activation:)``
    /// needs: one chunk's padded planes, transformed tiles and products.
    public static func winograd43ForwardScratchCount(for g: ConvolutionGeometry, imagesPerChunk: Int) -> Int {
        winograd43ChunkCount(g, images: max(1, imagesPerChunk))
    }

    /// Images per chunk: enough tiles to give each core several panels of every GEMM, with the
    /// chunk's `V` and `M` within `maximumScratch` floats so that they stay in the last-level cache.
    static func winograd43ImagesPerChunk(for g: ConvolutionGeometry, batch: Int, targetTiles: Int = 512,
                                         maximumScratch: Int = 4 << 20) -> Int {
        let p = g.patches
        let perImage = max(1, winograd43TileGrid(p).perImage)
        let wanted = (targetTiles + perImage - 1) / perImage
        let affordable = max(1, maximumScratch / max(winograd43ChunkCount(g, images: 1), 1))
        return balancedChunk(batch: batch, atMost: min(wanted, affordable))
    }

    /// The forward pass with weights from ``transformWinograd43Weights(_:geometry:into:)``:
    /// chunk by chunk, pad, input transform, 36 GEMMs per group, output transform with the bias,
    /// `residual` and `activation` applied as each tile is written. `scratch` needs
    /// ``winograd43ForwardScratchCount(for:imagesPerChunk:)`` floats.
    public static func winograd43Forward(input: UnsafePointer<Float>, transformedWeight u: UnsafePointer<Float>,
                                         bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                         batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk: Int,
                                         scratch: UnsafeMutablePointer<Float>,
                                         residual: UnsafePointer<Float>? = nil,
                                         activation: ActivationKernels.FusedActivation? = nil) {
        let isa = PanelKernels.active
        precondition(isa != .none && supportsWinograd(g), "Winograd F(4, 3) needs the panel kernels and a stride-1 3x3 geometry")
        let p = g.patches
        let width = isa.panelWidth
        let icg = g.inputChannelsPerGroup, ocg = g.outputChannelsPerGroup
        let relu = activation?.simd
        var start = 0
        while start < batch {
            let count = min(max(1, imagesPerChunk), batch - start)
            let chunk = winograd43Chunk(p, images: count)
            let tiles = count * Int(chunk.tiles_high) * Int(chunk.tiles_wide)
            let panels = (tiles + width - 1) / width
            let padded = scratch
            let v = padded + count * p.channels * Int(chunk.padded_height) * Int(chunk.padded_width)
            let m = v + winograd43Positions * g.inputChannels * panels * width
            let chunkInput = input + start * g.inputImageCount
            Parallel.forEach(p.channels, workPerItem: count * Int(chunk.padded_height) * Int(chunk.padded_width)) { channels in
                var sizes = chunk
                graft_winograd43_pad(chunkInput, &sizes, Int32(channels.lowerBound), Int32(channels.upperBound), padded)
            }
            // Units of a panel by a block of channels when there are too few panels to share (at
            // batch 1 a 14x14 map's 16 tiles make one panel, whose transform ran on one core).
            let blockChannels = panels >= 2 * Parallel.workers ? p.channels : winograd43InputChannelBlock
            let channelBlocks = (p.channels + blockChannels - 1) / max(1, blockChannels)
            Parallel.forEach(panels * channelBlocks, workPerItem: width * blockChannels * 36 * 4) { range in
                var sizes = chunk
                for unit in range {
                    let (panel, block) = unit.quotientAndRemainder(dividingBy: channelBlocks)
                    let first = block * blockChannels
                    graft_winograd43_input(isa.c, padded, &sizes, Int32(panel), Int32(panel + 1), Int32(first),
                                           Int32(min(p.channels, first + blockChannels)), v)
                }
            }
            let products = winograd43Positions * g.groups
            Parallel.forEach(products, workPerItem: ocg * icg * tiles) { range in
                for index in range {
                    let (xi, group) = index.quotientAndRemainder(dividingBy: g.groups)
                    PanelKernels.gemm(isa, m: ocg, n: tiles, k: icg,
                                      a: u + (xi * g.outputChannels + group * ocg) * icg, aRow: icg, aColumn: 1,
                                      b: v + xi * panels * g.inputChannels * width + group * icg * width,
                                      bPanelStride: g.inputChannels * width,
                                      c: m + (xi * g.outputChannels + group * ocg) * panels * width, ldc: panels * width,
                                      accumulate: false)
                }
            }
            let chunkOutput = output + start * g.outputImageCount
            let chunkResidual = residual.map { $0 + start * g.outputImageCount }
            Parallel.forEach(g.outputChannels, workPerItem: tiles * 36 * 4) { channels in
                var sizes = chunk
                if var r = relu {
                    graft_winograd43_output(isa.c, m, &sizes, Int32(g.outputChannels), Int32(channels.lowerBound),
                                            Int32(channels.upperBound), bias, chunkResidual, &r, chunkOutput)
                } else {
                    graft_winograd43_output(isa.c, m, &sizes, Int32(g.outputChannels), Int32(channels.lowerBound),
                                            Int32(channels.upperBound), bias, chunkResidual, nil, chunkOutput)
                }
            }
            start += count
        }
    }
}
