/// ``ConvolutionKernels/Strategy/imageParallel`` on ``PanelKernels``: each worker takes whole
/// images. Per image, a stride-1 convolution whose output rows split into whole vectors reads its
/// columns straight from the padded image (no im2col at all); others write im2col panels that the
/// SIMD GEMM reads as they are (no BLAS packing). The input gradient of a stride-1 convolution is
/// itself a convolution — of the output gradient with the flipped, transposed kernel — so it runs
/// through the same paths instead of a column gradient and col2im. The weight gradient keeps
/// im2col panels (its reduction runs over pixels).
extension ConvolutionKernels {
    /// Floats of scratch one worker's panel forward pass uses.
    static func panelForwardScratch(for g: ConvolutionGeometry) -> Int {
        // One block of panels, for whichever panel width runs (a block of narrower panels can hold
        // more floats: 5 panels of 16 against 2 of 32 when a panel of 32 is a third of a block).
        let blockFloats = PanelKernels.InstructionSet.allCases.filter { $0 != .none }.map { isa in
            let width = isa.panelWidth
            return min(g.patches.panelCount(width: width), panelsPerBlock(for: g, width: width) * g.patches.columnRows * width)
        }
        return g.patches.paddedCount + (blockFloats.max() ?? 0)
    }

    /// Floats of scratch the panel backward pass uses: the flipped weights (shared), then per
    /// worker a padded image, the panels (or column gradient), the packed output gradient and a
    /// partial weight gradient.
    static func panelBackwardScratch(for g: ConvolutionGeometry, parts: Int) -> Int {
        g.weightCount + max(1, parts) * PanelBackwardLayout(g).perPart
    }

    /// Where one worker's buffers sit in its part of the backward scratch.
    struct PanelBackwardLayout {
        /// The input gradient as a convolution of the output gradient (stride 1), if possible.
        let mirrored: PatchGeometry?
        /// Whether that convolution's im2col panels are no larger than the column gradient (no more
        /// output than input channels): otherwise, unless it runs direct (no panels), the column
        /// gradient and col2im move less memory (CaffeNet's conv2, 48 → 128 channels per group).
        let mirroredPanelsFit: Bool
        /// Offsets in a worker's part (its padded image starts the part) and the part's length.
        let panelsOffset: Int, packedOffset: Int, partialOffset: Int, perPart: Int

        /// Images whose columns one weight-gradient GEMM reduces over (see ``gradientImages(area:)``).
        let gradientImages: Int

        init(_ g: ConvolutionGeometry) {
            let p = g.patches, width = PanelKernels.maximumPanelWidth
            mirrored = p.mirrored(outputChannels: g.outputChannels)
            mirroredPanelsFit = g.outputChannels <= g.inputChannels
            gradientImages = Self.gradientImages(area: p.outputArea)
            let round = { (n: Int) in (n + width - 1) / width * width }
            panelsOffset = max(p.paddedCount, mirrored?.paddedCount ?? 0)
            let mirroredPanels = mirroredPanelsFit ? mirrored?.panelCount(width: width) ?? 0 : 0
            packedOffset = panelsOffset + max(gradientImages * p.panelCount(width: width), p.columnCount, mirroredPanels)
            partialOffset = packedOffset + max(round(g.outputChannelsPerGroup) * gradientImages * round(p.outputArea),
                                               round(p.outputArea) * g.outputChannelsPerGroup)
            perPart = partialOffset + g.weightCount
        }

        /// Images per weight-gradient GEMM: enough for a reduction of about 512 pixels. One
        /// image's 13x13 map (CaffeNet's conv3-5) or 7x7 (ResNet's last stage) gave GEMMs of 169
        /// or 49 steps that reread and rewrote the whole partial gradient per image, and the
        /// backward pass ran at 3x the forward's time.
        static func gradientImages(area: Int) -> Int {
            area >= 256 ? 1 : min(8, (512 + area - 1) / max(area, 1))
        }
    }

    /// Floats of im2col panels the forward pass unfolds before multiplying them: a quarter of the
    /// L2 cache (at least one panel), 32 K floats to 128 K. Half of a 1 MB L2 spilt on a Zen 3
    /// (512 KB): there a quarter ran CaffeNet's conv2-5 and ResNet-50's large 1x1 layers 7-26 %
    /// faster. Task-local so that tests can cut images into many blocks.
    @TaskLocal static var panelBlockFloats = min(1 << 17, max(1 << 15, PanelKernels.levelTwoCacheBytes / 16))

    /// The forward pass: per image, direct when the geometry allows it, else im2col panels + GEMM,
    /// a block of panels at a time (unfolded, then multiplied while in cache: CaffeNet's conv1
    /// unfolds 4.4 MB of columns per image, which all at once came back from memory). Workers take
    /// whole images; with fewer images than workers (batch-1 latency) they share out each image's
    /// panels and row tiles (``forwardSharedPanels(input:weight:bias:output:batch:geometry:parts:scratch:isa:residual:activation:)``),
    /// or when an image has fewer blocks than there are workers (small maps: MobileNetV2's
    /// 7x7 and 14x14 layers ran on one core) its output channels, in whole register tiles. Every
    /// worker pads the image it works on for itself.
    static func forwardPanels(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                              scratch: UnsafeMutablePointer<Float>, isa: PanelKernels.InstructionSet,
                              residual: UnsafePointer<Float>? = nil, activation: ActivationKernels.FusedActivation? = nil) {
        let p = g.patches, width = isa.panelWidth, area = p.outputArea
        let perPart = panelForwardScratch(for: g)
        let rows = g.outputChannelsPerGroup, reduction = g.reductionLength
        let groupPatches = p.group(of: g.groups)
        let direct = !g.isPointwise && p.supportsDirect(isa)
        let panelCount = (area + width - 1) / width
        let block = panelsPerBlock(for: g, width: width)
        let blocks = direct ? 1 : (panelCount + block - 1) / block
        let tiles = (rows + isa.tileRows - 1) / isa.tileRows
        let shareBlocks = batch < parts && blocks >= parts
        if shareBlocks {
            forwardSharedPanels(input: input, weight: weight, bias: bias, output: output, batch: batch, geometry: g,
                                parts: parts, scratch: scratch, isa: isa, residual: residual, activation: activation)
            return
        }
        if g.isPointwise, batch < parts, tiles > 1 {
            // The image's panels fit the scratch: it has fewer blocks than there are workers, and
            // each worker's part holds a block.
            assert(parts * max(p.columnCount, panelForwardScratch(for: g)) >= panelCount * p.columnRows * width)
            forwardPointwiseShared(input: input, weight: weight, bias: bias, output: output, batch: batch, geometry: g,
                                   scratch: scratch, isa: isa, residual: residual, activation: activation)
            return
        }
        let rowParts = batch < parts ? max(1, min(parts, tiles)) : 1
        let items = batch * rowParts
        Parallel.forEachChunk(items, parts: min(max(1, parts), items)) { worker, range in
            let padded = scratch + worker * perPart
            let panels = padded + p.paddedCount
            var paddedImage = -1
            for item in range {
                let n = item / rowParts
                let blockRange = 0..<blocks
                let rowPart = item % rowParts
                let firstRow = min(rows, tiles * rowPart / rowParts * isa.tileRows)
                let rowCount = min(rows, tiles * (rowPart + 1) / rowParts * isa.tileRows) - firstRow
                let result = output + n * g.outputImageCount
                if paddedImage != n && (direct || !g.isPointwise) {
                    p.pad(image: input + n * g.inputImageCount, into: padded, isa: isa)
                    paddedImage = n
                }
                if direct {
                    for group in 0..<g.groups {
                        let channel = group * rows + firstRow
                        if let bias {
                            for c in channel..<channel + rowCount { (result + c * area).update(repeating: bias[c], count: area) }
                        }
                        groupPatches.convolveDirect(weight: weight + channel * reduction, rows: rowCount,
                                                    padded: padded + group * g.inputChannelsPerGroup * p.paddedPlane,
                                                    isa: isa, output: result + channel * area, accumulate: bias != nil)
                        addResidualAndActivate(result + channel * area, count: rowCount * area,
                                               residual: residual.map { $0 + n * g.outputImageCount + channel * area },
                                               activation: activation, isa: isa)
                    }
                    continue
                }
                for b in blockRange {
                    let first = b * panelCount / blocks, count = (b + 1) * panelCount / blocks - first
                    let columns = min(area, (first + count) * width) - first * width
                    if g.isPointwise {
                        // A 1x1 convolution's columns are the image itself: packed straight from it.
                        PanelKernels.packRows(isa, k: reduction * g.groups, n: columns, source: input + n * g.inputImageCount + first * width,
                                              ld: area, into: panels)
                    } else {
                        p.unfoldPanels(padded: padded, isa: isa, first: first, count: count, panels: panels)
                    }
                    for group in 0..<g.groups {
                        let channel = group * rows + firstRow
                        PanelKernels.gemm(isa, m: rowCount, n: columns, k: reduction,
                                          a: weight + channel * reduction, aRow: reduction, aColumn: 1,
                                          b: panels + group * reduction * width, bPanelStride: p.columnRows * width,
                                          c: result + channel * area + first * width, ldc: area, accumulate: false,
                                          bias: bias.map { $0 + channel },
                                          residual: residual.map { $0 + n * g.outputImageCount + channel * area + first * width },
                                          activation: activation)
                    }
                }
            }
        }
    }

    /// A 1x1 convolution with fewer images than workers and too few blocks to share (14x14 and
    /// 7x7 maps at batch 1): each image is packed into panels once, the panels shared out between
    /// the workers, then the workers share out its row tiles, every one reading all the panels.
    /// Reading the image in place instead (rows of `k` a map apart, the last panel through masks)
    /// ran ResNet-50's 1024-channel 14x14 layer at 63 GFLOP/s against 89 from panels on one Zen 3
    /// core, and packing the whole image in every worker would repeat it. The same sums as the
    /// other panel paths, in the same order.
    private static func forwardPointwiseShared(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                               batch: Int, geometry g: ConvolutionGeometry,
                                               scratch: UnsafeMutablePointer<Float>, isa: PanelKernels.InstructionSet,
                                               residual: UnsafePointer<Float>?, activation: ActivationKernels.FusedActivation?) {
        let p = g.patches, width = isa.panelWidth, area = p.outputArea
        let rows = g.outputChannelsPerGroup, reduction = g.reductionLength
        let panelCount = (area + width - 1) / width, panelFloats = p.columnRows * width
        let tiles = (rows + isa.tileRows - 1) / isa.tileRows
        for n in 0..<batch {
            let image = input + n * g.inputImageCount
            Parallel.forEach(panelCount, workPerItem: panelFloats) { panels in
                let columns = min(area, panels.upperBound * width) - panels.lowerBound * width
                PanelKernels.packRows(isa, k: p.columnRows, n: columns, source: image + panels.lowerBound * width, ld: area,
                                      into: scratch + panels.lowerBound * panelFloats)
            }
            Parallel.forEach(g.groups * tiles, workPerItem: isa.tileRows * reduction * area) { units in
                var unit = units.lowerBound
                while unit < units.upperBound {
                    // The run of row tiles in this unit range that lie in one group: one GEMM.
                    let (group, firstTile) = unit.quotientAndRemainder(dividingBy: tiles)
                    let lastTile = min(tiles, firstTile + (units.upperBound - unit))
                    let firstRow = firstTile * isa.tileRows, rowCount = min(rows, lastTile * isa.tileRows) - firstRow
                    let channel = group * rows + firstRow
                    let offset = n * g.outputImageCount + channel * area
                    PanelKernels.gemm(isa, m: rowCount, n: area, k: reduction,
                                      a: weight + channel * reduction, aRow: reduction, aColumn: 1,
                                      b: scratch + group * reduction * width, bPanelStride: panelFloats,
                                      c: output + offset, ldc: area, accumulate: false, bias: bias.map { $0 + channel },
                                      residual: residual.map { $0 + offset }, activation: activation)
                    unit += lastTile - firstTile
                }
            }
        }
    }

    /// The forward pass with fewer images than workers but enough panels to share: the images'
    /// (panel, row tile) pairs, panel by panel, cut into chunks that the workers claim
    /// (``Parallel/forEachChunk(_:parts:_:)``). A worker unfolds whole panels a block at a time and
    /// the panel where its chunk starts or ends for the row tiles it holds (that one panel is
    /// unfolded by both neighbours). Whole panels alone
    /// left one core idle for a twelfth of CaffeNet's conv3-5 at batch 1 (11 panels: 6 against 5)
    /// and for a fourteenth of ResNet-50's 14x14 layers (13 panels). Each output is computed by
    /// the same tile in the same order whichever worker holds it.
    private static func forwardSharedPanels(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                            batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                                            scratch: UnsafeMutablePointer<Float>, isa: PanelKernels.InstructionSet,
                                            residual: UnsafePointer<Float>?, activation: ActivationKernels.FusedActivation?) {
        let p = g.patches, width = isa.panelWidth, area = p.outputArea
        let perPart = panelForwardScratch(for: g)
        let rows = g.outputChannelsPerGroup, reduction = g.reductionLength
        let panelCount = (area + width - 1) / width
        let block = panelsPerBlock(for: g, width: width)
        let tiles = (rows + isa.tileRows - 1) / isa.tileRows
        let perImage = panelCount * tiles, total = batch * perImage
        Parallel.forEachChunk(total, parts: min(parts, total)) { worker, range in
            let padded = scratch + worker * perPart
            let panels = padded + p.paddedCount
            var paddedImage = -1
            var unit = range.lowerBound
            let end = range.upperBound
            while unit < end {
                let n = unit / perImage, panel = unit % perImage / tiles, firstTile = unit % tiles
                // Whole panels from here (a block at most, inside this image and this range), or
                // the row tiles of one panel that the range holds.
                var count = 1
                let lastTile: Int
                if firstTile == 0 && unit + tiles <= end {
                    while count < block && panel + count < panelCount && unit + (count + 1) * tiles <= end { count += 1 }
                    lastTile = tiles
                } else {
                    lastTile = min(tiles, firstTile + (end - unit))
                }
                if !g.isPointwise && paddedImage != n {
                    p.pad(image: input + n * g.inputImageCount, into: padded, isa: isa)
                    paddedImage = n
                }
                let columns = min(area, (panel + count) * width) - panel * width
                if g.isPointwise {
                    PanelKernels.packRows(isa, k: reduction * g.groups, n: columns,
                                          source: input + n * g.inputImageCount + panel * width, ld: area, into: panels)
                } else {
                    p.unfoldPanels(padded: padded, isa: isa, first: panel, count: count, panels: panels)
                }
                let firstRow = firstTile * isa.tileRows, rowCount = min(rows, lastTile * isa.tileRows) - firstRow
                for group in 0..<g.groups {
                    let channel = group * rows + firstRow
                    let offset = n * g.outputImageCount + channel * area + panel * width
                    PanelKernels.gemm(isa, m: rowCount, n: columns, k: reduction,
                                      a: weight + channel * reduction, aRow: reduction, aColumn: 1,
                                      b: panels + group * reduction * width, bPanelStride: p.columnRows * width,
                                      c: output + offset, ldc: area, accumulate: false, bias: bias.map { $0 + channel },
                                      residual: residual.map { $0 + offset }, activation: activation)
                }
                unit += count > 1 ? count * tiles : lastTile - firstTile
            }
        }
    }

    /// Panels of `width` pixels the forward pass unfolds at a time: about ``panelBlockFloats``.
    static func panelsPerBlock(for g: ConvolutionGeometry, width: Int) -> Int {
        max(1, panelBlockFloats / max(1, g.patches.columnRows * width))
    }

    /// Replaces ``gradientPanelsPerBlock(_:width:)`` for the current task (tests cut small images
    /// into many blocks).
    @TaskLocal static var gradientPanelsPerBlockOverride: Int?

    /// Pixel panels per block of one image's weight-gradient GEMM: its unfolded columns and packed
    /// output gradient stay in half the L2 cache while every row tile of the reduction passes over
    /// them, instead of coming back from memory once per tile (ResNet's 7x7 first layer unfolds
    /// 147 rows by 12544 pixels per image; its backward pass at batch 16 took 64-75 ms unblocked,
    /// 45-55 in blocks, Zen 3). At least enough pixels that reloading and storing the partial
    /// gradient between blocks costs under an eighth of the block's operand traffic; the sums are
    /// the unblocked product's, in the same order of pixels.
    static func gradientPanelsPerBlock(_ g: ConvolutionGeometry, width: Int) -> Int {
        if let forced = gradientPanelsPerBlockOverride { return max(1, forced) }
        let rows = (g.outputChannelsPerGroup + width - 1) / width * width
        let operandsPerPanel = (g.patches.columnRows + rows) * width
        let fitting = PanelKernels.levelTwoCacheBytes / 8 / operandsPerPanel
        let amortising = (8 * 2 * g.reductionLength * rows + operandsPerPanel - 1) / operandsPerPanel
        return max(1, fitting, amortising)
    }

    /// The weight gradient is `dWᵀ = columns · dYᵀ` over a few images at a time (the panels read as
    /// the left operand, the output gradient packed transposed), summed per worker and transposed
    /// into place at the end, in part order.
    static func backwardPanels(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>?,
                               weightGradient: UnsafeMutablePointer<Float>?,
                               batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                               scratch: UnsafeMutablePointer<Float>, isa: PanelKernels.InstructionSet) {
        let p = g.patches, width = isa.panelWidth, area = p.outputArea
        let rows = g.outputChannelsPerGroup, reduction = g.reductionLength
        let channels = g.inputChannelsPerGroup, plane = p.height * p.width
        let layout = PanelBackwardLayout(g)
        let mirroredDirect = layout.mirrored?.supportsDirect(isa) ?? false
        let mirrored = inputGradient != nil && (mirroredDirect || layout.mirroredPanelsFit) ? layout.mirrored : nil
        let flipped = scratch
        if mirrored != nil { flipKernels(weight, into: flipped, geometry: g) }
        let mirroredReduction = rows * p.kernelArea
        let mirroredGroup = (mirrored ?? p).group(of: g.groups)
        let used = min(max(1, parts), batch)
        let partials = scratch + g.weightCount
        // One image per weight-gradient GEMM (a large map): its pixel panels, a block at a time.
        let gradientPanels = (area + width - 1) / width
        let gradientBlock = layout.gradientImages == 1 ? gradientPanelsPerBlock(g, width: width) : gradientPanels
        Parallel.forEachPart(batch, parts: used) { part, images in
            let padded = partials + part * layout.perPart
            let panels = padded + layout.panelsOffset
            let packed = padded + layout.packedOffset
            let partial = padded + layout.partialOffset
            // Weight gradient of a large map: one image per GEMM, a block of its pixels at a time
            // (see gradientPanelsPerBlock).
            if weightGradient != nil, layout.gradientImages == 1 {
                for n in images {
                    p.pad(image: input + n * g.inputImageCount, into: padded, isa: isa)
                    for first in stride(from: 0, to: gradientPanels, by: gradientBlock) {
                        let count = min(gradientBlock, gradientPanels - first)
                        let columns = min(area, (first + count) * width) - first * width
                        p.unfoldPanels(padded: padded, isa: isa, first: first, count: count, panels: panels)
                        for group in 0..<g.groups {
                            let dy = outputGradient + n * g.outputImageCount + group * rows * area + first * width
                            PanelKernels.packColumns(isa, k: columns, n: rows, source: dy, ld: area,
                                                     into: packed, panelStride: columns * width)
                            PanelKernels.gemm(isa, m: reduction, n: rows, k: columns,
                                              a: panels + group * reduction * width, aRow: width, aColumn: 1,
                                              aBlock: width, aBlockStride: p.columnRows * width,
                                              b: packed, bPanelStride: columns * width,
                                              c: partial + group * reduction * rows, ldc: rows,
                                              accumulate: n != images.lowerBound || first > 0)
                        }
                    }
                }
            } else if weightGradient != nil {
                // The columns of up to `gradientImages` images side by side (each image's last
                // panel zero past its last pixel, its packed output gradient zero there).
                let panelFloats = p.panelCount(width: width), paddedArea = (area + width - 1) / width * width
                let bPanels = (rows + width - 1) / width
                for chunkStart in stride(from: images.lowerBound, to: images.upperBound, by: layout.gradientImages) {
                    let chunk = chunkStart ..< min(images.upperBound, chunkStart + layout.gradientImages)
                    let k = chunk.count * paddedArea
                    for (i, n) in chunk.enumerated() {
                        p.unfoldPanels(image: input + n * g.inputImageCount, padded: padded, isa: isa,
                                       panels: panels + i * panelFloats)
                    }
                    for group in 0..<g.groups {
                        for (i, n) in chunk.enumerated() {
                            let dy = outputGradient + n * g.outputImageCount + group * rows * area
                            PanelKernels.packColumns(isa, k: area, n: rows, source: dy, ld: area,
                                                     into: packed + i * paddedArea * width, panelStride: k * width)
                            if paddedArea > area {
                                for b in 0..<bPanels {
                                    (packed + b * k * width + (i * paddedArea + area) * width)
                                        .update(repeating: 0, count: (paddedArea - area) * width)
                                }
                            }
                        }
                        PanelKernels.gemm(isa, m: reduction, n: rows, k: chunk.count == 1 ? area : k,
                                          a: panels + group * reduction * width, aRow: width, aColumn: 1,
                                          aBlock: width, aBlockStride: p.columnRows * width,
                                          b: packed, bPanelStride: k * width,
                                          c: partial + group * reduction * rows, ldc: rows,
                                          accumulate: chunkStart != images.lowerBound)
                    }
                }
            }
            guard let inputGradient else { return }
            for n in images {
                let dy = outputGradient + n * g.outputImageCount
                let dx = inputGradient + n * g.inputImageCount
                if let mirrored, mirroredDirect {
                    mirrored.pad(image: dy, into: padded, isa: isa)
                    for group in 0..<g.groups {
                        mirroredGroup.convolveDirect(weight: flipped + group * channels * mirroredReduction, rows: channels,
                                                     padded: padded + group * rows * mirrored.paddedPlane, isa: isa,
                                                     output: dx + group * channels * plane, accumulate: false)
                    }
                } else if let mirrored {
                    mirrored.unfoldPanels(image: dy, padded: padded, isa: isa, panels: panels)
                    for group in 0..<g.groups {
                        PanelKernels.gemm(isa, m: channels, n: plane, k: mirroredReduction,
                                          a: flipped + group * channels * mirroredReduction, aRow: mirroredReduction,
                                          aColumn: 1,
                                          b: panels + group * mirroredReduction * width,
                                          bPanelStride: mirrored.columnRows * width,
                                          c: dx + group * channels * plane, ldc: plane, accumulate: false)
                    }
                } else {
                    // Column gradient `weightᵀ · dy` per group, then col2im.
                    for group in 0..<g.groups {
                        PanelKernels.packRows(isa, k: rows, n: area, source: dy + group * rows * area, ld: area,
                                              into: packed)
                        PanelKernels.gemm(isa, m: reduction, n: area, k: rows,
                                          a: weight + group * rows * reduction, aRow: 1, aColumn: reduction,
                                          b: packed, bPanelStride: rows * width,
                                          c: panels + group * reduction * area, ldc: area, accumulate: false)
                    }
                    Im2col.fold(columns: panels, geometry: p, image: dx, parallel: false)
                }
            }
        }
        guard let weightGradient else { return }
        // weightGradient[group][o][k] = Σ over parts of partial[group][k][o].
        Parallel.forEach(g.outputChannels, workPerItem: reduction * used) { outputs in
            for oc in outputs {
                let group = oc / rows, o = oc % rows
                let target = weightGradient + oc * reduction
                for k in 0..<reduction {
                    let index = group * reduction * rows + k * rows + o
                    var sum: Float = 0
                    for part in 0..<used { sum += partials[part * layout.perPart + layout.partialOffset + index] }
                    target[k] = sum
                }
            }
        }
    }

    /// `flipped[group][c][o][kh-1-i][kw-1-j] = weight[group][o][c][i][j]`: the kernel of the input
    /// gradient seen as a convolution of the output gradient.
    static func flipKernels(_ weight: UnsafePointer<Float>, into flipped: UnsafeMutablePointer<Float>,
                            geometry g: ConvolutionGeometry) {
        let rows = g.outputChannelsPerGroup, channels = g.inputChannelsPerGroup
        let kh = g.patches.kernelHeight, kw = g.patches.kernelWidth, area = kh * kw
        for group in 0..<g.groups {
            for o in 0..<rows {
                for c in 0..<channels {
                    let source = weight + ((group * rows + o) * channels + c) * area
                    let target = flipped + ((group * channels + c) * rows + o) * area
                    for i in 0..<area { target[area - 1 - i] = source[i] }
                }
            }
        }
    }
}
