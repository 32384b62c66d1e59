/// ``ConvolutionKernels/Strategy/outputLanes``: the output channels in the vector lanes, the
/// inputs broadcast straight from the padded image, weights packed once per inference plan.
extension ConvolutionKernels {
    /// Output channels per packed panel of the lanes convolution.
    static let lanesPanelRows = 16
    /// Output pixels per register tile of the lanes convolution.
    static let lanesTilePixels = 6

    /// A training plan's forward pass for a layer whose backward pass is `backward`: F(4, 3) where
    /// ``prefersWinograd43Forward(_:batch:backward:)`` says so, the output lanes where the panels
    /// would run it (its weights packed again each step: the panels' bits, without the unfold),
    /// else `backward` itself.
    public static func trainingForwardStrategy(for g: ConvolutionGeometry, batch: Int, backward: Strategy) -> Strategy {
        if prefersWinograd43Forward(g, batch: batch, backward: backward) { return .winograd4 }
        if backward == .imageParallel, !g.isDepthwise, lanesPay(g) { return .outputLanes }
        return backward
    }

    /// Whether the output lanes beat the panels for this geometry: every window but 1x1, whose
    /// every column is another plane (lanes.c). A strided 1x1 (ResNet's downsampling shortcuts)
    /// is one too: through the lanes, ResNet-50's three at batch 32 took 87-105 ms each, through
    /// the panels on the subsampled image 41-54 (Zen 3, 2 threads). Tried and dropped: reading
    /// 1x1 windows from the image packed in tiles of six pixels. At batch 1 the panels still won
    /// on ResNet-50's 1x1 layers by 3-68 % and on most of MobileNetV2's (up to 2x); only two of
    /// its 7x7 expansions ran 6-11 % faster from tiles.
    static func lanesPay(_ g: ConvolutionGeometry) -> Bool {
        PanelKernels.active != .none && !(g.patches.kernelHeight == 1 && g.patches.kernelWidth == 1)
            && supports(.outputLanes, g)
    }

    /// Floats of the weight packed for ``lanesForward(input:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:blockedOutput:)``
    /// (every group's panels, one after another).
    public static func lanesPackedWeightCount(for g: ConvolutionGeometry) -> Int {
        g.groups * PanelKernels.lanesWeightCount(rows: g.outputChannelsPerGroup, columns: g.reductionLength)
    }

    /// Packs `weight` (`[outputChannels, inputChannels/groups, kh, kw]`) for the lanes convolution.
    public static func packLanesWeights(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                        into packed: UnsafeMutablePointer<Float>) {
        let rows = g.outputChannelsPerGroup, columns = g.reductionLength
        let perGroup = PanelKernels.lanesWeightCount(rows: rows, columns: columns)
        for group in 0..<g.groups {
            PanelKernels.packLanes(rows: rows, columns: columns, weight: weight + group * rows * columns, weightRow: columns,
                                   into: packed + group * perGroup)
        }
    }

    /// Scratch of ``lanesForward(input:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:blockedOutput:)``:
    /// one padded image per worker (`parts`).
    public static func lanesForwardScratchCount(for g: ConvolutionGeometry, parts: Int) -> Int {
        max(1, parts) * g.patches.paddedCount
    }

    /// The lanes forward pass. With at least as many images as workers, each worker pads its
    /// images into its own buffer and computes them whole; with fewer (batch-1 latency), the images
    /// are padded first (their channels shared out), then every worker takes an even range of
    /// (image, group, panel of 16 channels, run of pixels) units, the runs cut so that there are
    /// about four units per worker. Each output is computed by the same tile either way.
    /// With `blockedOutput` (one group, output channels a multiple of 8) output and residual hold
    /// channels in blocks of eight (``ChannelBlocks``): a planar layer feeding blocked ones writes
    /// blocks directly, with the same sums.
    public static func lanesForward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                    batch: Int, geometry g: ConvolutionGeometry, parts: Int,
                                    scratch: UnsafeMutablePointer<Float>,
                                    residual: UnsafePointer<Float>? = nil, activation: ActivationKernels.FusedActivation? = nil,
                                    blockedOutput: Bool = false) {
        precondition(!blockedOutput || (g.groups == 1 && g.outputChannels % ChannelBlocks.width == 0),
                     "lanesForward: blocked output needs one group and whole blocks of channels")
        let isa = PanelKernels.active
        let p = g.patches, area = p.outputArea, rows = g.outputChannelsPerGroup
        let groupPatches = p.group(of: g.groups)
        let panelsPerGroup = (rows + lanesPanelRows - 1) / lanesPanelRows
        let perGroup = PanelKernels.lanesWeightCount(rows: rows, columns: g.reductionLength)
        let plane = p.height * p.width, paddedPlane = p.paddedPlane
        let work = rows * g.reductionLength * area
        /// Image `n`, group `group`: panels and pixels, from its padded image.
        func compute(_ n: Int, group: Int, panels: Range<Int>, pixels: Range<Int>, padded: UnsafePointer<Float>) {
            let channel = group * rows
            let offset = n * g.outputImageCount + channel * area
            groupPatches.convolveLanes(rows: rows, packedWeight: packedWeight + group * perGroup, bias: bias.map { $0 + channel },
                                       padded: padded + group * g.inputChannelsPerGroup * paddedPlane,
                                       panels: panels, pixels: pixels, residual: residual.map { $0 + offset }, ldc: area,
                                       activation: activation, isa: isa, output: output + offset, blockedOutput: blockedOutput)
        }
        let workers = max(1, parts)
        if batch >= workers {
            Parallel.forEachChunk(batch, parts: min(workers, batch)) { worker, images in
                let padded = scratch + worker * p.paddedCount
                for n in images {
                    p.pad(image: input + n * g.inputImageCount, into: padded, isa: isa)
                    for group in 0..<g.groups {
                        compute(n, group: group, panels: 0..<panelsPerGroup, pixels: 0..<area, padded: padded)
                    }
                }
            }
            return
        }
        // Fewer images than workers: pad every image once, channel ranges over the workers.
        Parallel.forEach(batch * p.channels, workPerItem: plane) { range in
            var index = range.lowerBound
            while index < range.upperBound {
                let (n, c) = index.quotientAndRemainder(dividingBy: p.channels)
                let count = min(range.upperBound - index, p.channels - c)
                var channels = p
                channels.channels = count
                channels.pad(image: input + n * g.inputImageCount + c * plane,
                             into: scratch + n * p.paddedCount + c * paddedPlane, isa: isa)
                index += count
            }
        }
        let panelUnits = batch * g.groups * panelsPerGroup
        let tiles = (area + lanesTilePixels - 1) / lanesTilePixels
        let runs = min(tiles, max(1, (4 * workers + panelUnits - 1) / panelUnits))
        let units = panelUnits * runs
        Parallel.forEach(units, workPerItem: max(1, work / max(1, panelsPerGroup * runs))) { range in
            for unit in range {
                let (panelUnit, run) = unit.quotientAndRemainder(dividingBy: runs)
                let (image, panelInImage) = panelUnit.quotientAndRemainder(dividingBy: g.groups * panelsPerGroup)
                let (group, panel) = panelInImage.quotientAndRemainder(dividingBy: panelsPerGroup)
                let first = tiles * run / runs * lanesTilePixels, end = min(area, tiles * (run + 1) / runs * lanesTilePixels)
                compute(image, group: group, panels: panel..<(panel + 1), pixels: first..<end,
                        padded: scratch + image * p.paddedCount)
            }
        }
    }
}
