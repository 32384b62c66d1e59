/// Per-channel affine maps over tensors viewed as `[outer, channels, inner]`: batch normalisation
/// at inference and the Scale/Bias broadcasts. Channels are split over the cores (each channel's
/// work is the same on any thread).
public enum NormalizationKernels {
    /// `multiplier[c] = scale[c] / sqrt(variance[c] + epsilon)` (scale 1 when absent): the factor
    /// inference-time batch normalisation applies after subtracting the mean.
    public static func batchNormMultiplier(variance: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
                                           epsilon: Float, channels: Int, into multiplier: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            multiplier[c] = (scale?[c] ?? 1) / (variance[c] + epsilon).squareRoot()
        }
    }

    /// `y = (x - mean[c]) * multiplier[c] + shift[c]` (shift 0 when absent). Subtracting the mean
    /// first, as the frameworks do, keeps precision when activations sit near a large mean.
    public static func batchNorm(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 outer: Int, channels: Int, inner: Int,
                                 mean: UnsafePointer<Float>, multiplier: UnsafePointer<Float>,
                                 shift: UnsafePointer<Float>?) {
        Parallel.forEach(channels, workPerItem: outer * inner) { range in
            for c in range {
                let m = mean[c], a = multiplier[c], b = shift?[c] ?? 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    for i in 0..<inner { output[base + i] = (input[base + i] - m) * a + b }
                }
            }
        }
    }

    /// `y = x * scale[c] + bias[c]`, either factor optional (1 and 0 when absent).
    public static func affine(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                              outer: Int, channels: Int, inner: Int,
                              scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>?) {
        Parallel.forEach(channels, workPerItem: outer * inner) { range in
            for c in range {
                let a = scale?[c] ?? 1, b = bias?[c] ?? 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    for i in 0..<inner { output[base + i] = input[base + i] * a + b }
                }
            }
        }
    }
}
