/// Local response normalisation's input gradient, Caffe's formulas.
///
/// With `s_i = k + a * Σ_{j ∈ W(i)} x_j²` (`a = alpha/size` across channels, `alpha/size²` and
/// `k = 1` within a channel) and `y_i = x_i * s_i^-beta`, the windows being symmetric:
///
///     dx_i = dy_i * s_i^-beta  -  2 * a * beta * x_i * Σ_{j ∈ W(i)} dy_j * y_j / s_j
extension LRNKernels {
    /// Floats of scratch the backward passes need per parallel part: `s` and `dy * y / s` of one
    /// image (across channels) or one plane (within a channel). Give `parts` times as much for the
    /// images (planes) to be processed `parts` at a time.
    public static func backwardScratchCount(channels: Int, area: Int, parts: Int = 1) -> Int { 2 * channels * area * max(parts, 1) }

    /// Across channels, over `[batch, channels, area]`; `output` is the forward result.
    public static func acrossChannelsBackward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                              outputGradient: UnsafePointer<Float>,
                                              inputGradient: UnsafeMutablePointer<Float>,
                                              batch: Int, channels: Int, area: Int,
                                              size: Int, alpha: Float, beta: Float, k: Float,
                                              scratch: UnsafeMutablePointer<Float>, scratchCount: Int) {
        let half = (size - 1) / 2
        let a = alpha / Float(size)
        let factor = 2 * a * beta
        let perPart = backwardScratchCount(channels: channels, area: area)
        Parallel.forEachPart(batch, maximumParts: scratchCount / perPart, workPerItem: channels * area * size) { part, images in
            let scale = scratch + part * perPart
            let ratio = scale + channels * area
            for n in images {
                let offset = n * channels * area
                let x = input + offset, y = output + offset, dy = outputGradient + offset, dx = inputGradient + offset
                // s for every element of the image: the sum of squares over the channel window.
                for c in 0..<channels {
                    let s = scale + c * area
                    s.update(repeating: 0, count: area)
                    for neighbour in max(c - half, 0)...min(c + half, channels - 1) {
                        let v = x + neighbour * area
                        for i in 0..<area { s[i] += v[i] * v[i] }
                    }
                    for i in 0..<area { s[i] = k + a * s[i] }
                }
                for i in 0..<(channels * area) { ratio[i] = dy[i] * y[i] / scale[i] }
                for c in 0..<channels {
                    let s = scale + c * area
                    let target = dx + c * area, xc = x + c * area, dyc = dy + c * area
                    for i in 0..<area { target[i] = dyc[i] * negativePower(s[i], beta) }
                    for neighbour in max(c - half, 0)...min(c + half, channels - 1) {
                        let r = ratio + neighbour * area
                        for i in 0..<area { target[i] -= factor * xc[i] * r[i] }
                    }
                }
            }
        }
    }

    /// Within each channel, over `planes` planes of `height × width` (zero outside the plane).
    public static func withinChannelBackward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                             outputGradient: UnsafePointer<Float>,
                                             inputGradient: UnsafeMutablePointer<Float>,
                                             planes: Int, height: Int, width: Int,
                                             size: Int, alpha: Float, beta: Float,
                                             scratch: UnsafeMutablePointer<Float>, scratchCount: Int) {
        let half = (size - 1) / 2
        let a = alpha / Float(size * size)
        let area = height * width
        let factor = 2 * a * beta
        let perPart = backwardScratchCount(channels: 1, area: area)
        Parallel.forEachPart(planes, maximumParts: scratchCount / perPart, workPerItem: area * size * size) { part, range in
            let scale = scratch + part * perPart
            let ratio = scale + area
            for p in range {
                let x = input + p * area, y = output + p * area, dy = outputGradient + p * area, dx = inputGradient + p * area
                for h in 0..<height {
                    for w in 0..<width {
                        var sum: Float = 0
                        for hh in max(h - half, 0)...min(h + half, height - 1) {
                            for ww in max(w - half, 0)...min(w + half, width - 1) {
                                let v = x[hh * width + ww]
                                sum += v * v
                            }
                        }
                        scale[h * width + w] = 1 + a * sum
                    }
                }
                for i in 0..<area { ratio[i] = dy[i] * y[i] / scale[i] }
                for h in 0..<height {
                    for w in 0..<width {
                        var sum: Float = 0
                        for hh in max(h - half, 0)...min(h + half, height - 1) {
                            for ww in max(w - half, 0)...min(w + half, width - 1) { sum += ratio[hh * width + ww] }
                        }
                        let i = h * width + w
                        dx[i] = dy[i] * negativePower(scale[i], beta) - factor * x[i] * sum
                    }
                }
            }
        }
    }
}
