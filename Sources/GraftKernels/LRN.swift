/// Local response normalisation over NCHW batches, Caffe's convention (see GraftCore's `LRN`).
public enum LRNKernels {
    /// Across channels: `y = x * (k + alpha/size * Σ x²)^-beta`, the sum over the `size` channels
    /// centred on the element's channel (clipped at the first and last channel).
    public static func acrossChannels(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                      batch: Int, channels: Int, area: Int,
                                      size: Int, alpha: Float, beta: Float, k: Float) {
        let half = (size - 1) / 2
        let alphaOverSize = alpha / Float(size)
        // Units of one channel of one image, each summing its own window: a single image (batch-1
        // latency) is shared out between the cores too.
        guard channels > 0 else { return }
        Parallel.forEach(batch * channels, workPerItem: area * size) { range in
            // The window sums of one channel, accumulated neighbour by neighbour in contiguous
            // passes (vectorised; the same order of additions as an element-by-element loop).
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(area, 1)) { buffer in
                let sum = buffer.baseAddress!
                for unit in range {
                    let (n, c) = unit.quotientAndRemainder(dividingBy: channels)
                    let image = input + n * channels * area
                    let result = output + n * channels * area
                    sum.update(repeating: 0, count: area)
                    for neighbour in max(c - half, 0)...min(c + half, channels - 1) {
                        let v = image + neighbour * area
                        for i in 0..<area { sum[i] += v[i] * v[i] }
                    }
                    let x = image + c * area
                    let y = result + c * area
                    for i in 0..<area { y[i] = x[i] * negativePower(k + alphaOverSize * sum[i], beta) }
                }
            }
        }
    }

    /// Within a channel: `y = x * (1 + alpha/size² * Σ x²)^-beta`, the sum over the `size × size`
    /// window centred on the element, zero outside the plane (Caffe ignores `k` here).
    public static func withinChannel(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                     planes: Int, height: Int, width: Int,
                                     size: Int, alpha: Float, beta: Float) {
        let half = (size - 1) / 2
        let alphaOverArea = alpha / Float(size * size)
        let area = height * width
        Parallel.forEach(planes, workPerItem: area * size * size) { range in
            for p in range {
                let x = input + p * area
                let y = output + p * area
                for h in 0..<height {
                    let top = max(h - half, 0), bottom = min(h + half, height - 1)
                    for w in 0..<width {
                        let left = max(w - half, 0), right = min(w + half, width - 1)
                        var sum: Float = 0
                        for hh in top...bottom {
                            for ww in left...right {
                                let v = x[hh * width + ww]
                                sum += v * v
                            }
                        }
                        let i = h * width + w
                        y[i] = x[i] * negativePower(1 + alphaOverArea * sum, beta)
                    }
                }
            }
        }
    }

    /// `base^-beta`, with the common `beta = 0.75` done by square roots (exact enough, far faster than `pow`).
    @inline(__always)
    static func negativePower(_ base: Float, _ beta: Float) -> Float {
        if beta == 0.75 {
            let root = base.squareRoot()
            return 1 / (root * root.squareRoot())
        }
        return Elementary.pow(base, -beta)
    }
}
