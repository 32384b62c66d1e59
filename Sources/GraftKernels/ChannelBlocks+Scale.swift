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
                                    output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, area: Int) {
        precondition(channels % width == 0, "ChannelBlocks: scaling \(channels) channels, not whole blocks")
        let blocks = batch * channels / width, blockFloats = area * width
        Parallel.forEach(blocks, workPerItem: blockFloats) { range in
            for block in range {
                let factor = UnsafeRawPointer(factors + block * width).loadUnaligned(as: SIMD8<Float>.self)
                let x = UnsafeRawPointer(input + block * blockFloats), y = UnsafeMutableRawPointer(output + block * blockFloats)
                let stride = MemoryLayout<SIMD8<Float>>.stride
                for p in 0..<area {
                    y.storeBytes(of: x.loadUnaligned(fromByteOffset: p * stride, as: SIMD8<Float>.self) * factor,
                                 toByteOffset: p * stride, as: SIMD8<Float>.self)
                }
            }
        }
    }
}
