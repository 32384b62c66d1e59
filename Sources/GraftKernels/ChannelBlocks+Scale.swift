import CGraftSIMD

/// A map scaled by one factor per image and channel on blocked channels (``ChannelBlocks``):
/// squeeze-and-excitation's gate, `[N, C, H, W] · [N, C, 1, 1]`. Between EfficientNet's blocked
/// depthwise and projection layers it saves converting the map out of blocks and back (two passes
/// over it) around the planar product.
extension ChannelBlocks {
    /// `output = input · factors` with `input` and `output` `batch` images of `channels` (a
    /// multiple of ``width``) blocked channels of `area` pixels, `factors` `[batch, channels]`
    /// (a 1x1 map's blocked and planar layouts are the same floats). Each product is the planar
    /// broadcast's (one rounding): the same bits. Work units are blocks.
    public static func scaleForward(input: UnsafePointer<Float>, factors: UnsafePointer<Float>,
                                    output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, area: Int,
                                    isa: PanelKernels.InstructionSet = PanelKernels.active) {
        precondition(channels % width == 0, "ChannelBlocks: scaling \(channels) channels, not whole blocks")
        let blocks = batch * channels / width, blockFloats = area * width
        Parallel.forEach(blocks, workPerItem: blockFloats) { range in
            graft_simd_scale_blocks(isa.c, input + range.lowerBound * blockFloats, factors + range.lowerBound * width,
                                    output + range.lowerBound * blockFloats, range.count, area)
        }
    }
}
