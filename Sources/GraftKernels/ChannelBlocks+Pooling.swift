import CGraftSIMD
public import GraftCore

/// Pooling on blocked channels (``ChannelBlocks``): a window's taps are vectors of eight channels,
/// so any window and stride is a run of vector maxima or sums (the planar kernels shuffle strided
/// columns), and a pooling between blocked layers (ResNet's max pool after its first layer, its
/// final global average) needs no conversion on either side. The planar loops' windows, order of
/// taps and tie rules: the same bits (pool_blocks.c).
extension ChannelBlocks {
    /// Windowed pooling of `batch` images of `channels` (a multiple of ``width``) blocked
    /// channels: max, or average with `divisor`. Work units are (block, run of output rows).
    public static func poolForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                                   channels: Int, geometry g: PoolingGeometry, method: Pooling.Method,
                                   divisor: Pooling.AverageDivisor, isa: PanelKernels.InstructionSet = PanelKernels.active) {
        precondition(channels % width == 0, "ChannelBlocks: pooling \(channels) channels, not whole blocks")
        let blocks = batch * channels / width
        let inputBlock = g.height * g.width * width, outputBlock = g.outputHeight * g.outputWidth * width
        // Runs of output rows: a few per block at batch 1, so that two cores share a 64-channel map.
        let runs = min(g.outputHeight, max(1, (4 * Parallel.workers + blocks - 1) / blocks))
        let average: Int32 = method == .average ? 1 : 0, includePadding: Int32 = divisor == .includePadding ? 1 : 0
        var pool = g.simd
        Parallel.forEach(blocks * runs, workPerItem: outputBlock / runs * g.kernelHeight * g.kernelWidth) { range in
            for unit in range {
                let (block, run) = unit.quotientAndRemainder(dividingBy: runs)
                let first = g.outputHeight * run / runs, end = g.outputHeight * (run + 1) / runs
                graft_simd_pool_block(isa.c, input + block * inputBlock, output + block * outputBlock, &pool,
                                      Int32(first), Int32(end), average, includePadding)
            }
        }
    }

    /// Global pooling of `batch` images of blocked channels, `area` pixels each, into
    /// `[batch, channels]` (a 1x1 map's blocked and planar layouts are the same floats).
    public static func globalPoolForward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                                         channels: Int, area: Int, method: Pooling.Method,
                                         isa: PanelKernels.InstructionSet = PanelKernels.active) {
        precondition(channels % width == 0, "ChannelBlocks: pooling \(channels) channels, not whole blocks")
        let blocks = batch * channels / width
        let average: Int32 = method == .average ? 1 : 0
        Parallel.forEach(blocks, workPerItem: area * width) { range in
            graft_simd_global_pool_blocks(isa.c, input + range.lowerBound * area * width, output + range.lowerBound * width,
                                          range.count, area, average)
        }
    }
}
