/// Batch normalisation in training (batch statistics) and the backward passes of the per-channel
/// affine maps, over tensors viewed as `[outer, channels, inner]`.
extension NormalizationKernels {
    /// Per-channel mean and biased variance (`1/m Σ (x - mean)²`, `m = outer * inner`), two passes
    /// in double precision.
    public static func batchStatistics(input: UnsafePointer<Float>, outer: Int, channels: Int, inner: Int,
                                       mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let m = Double(outer * inner)
        for c in 0..<channels {
            var sum = 0.0
            for o in 0..<outer { sum += Double(Reduction.sum(input + (o * channels + c) * inner, count: inner)) }
            let mu = sum / m
            var squares = 0.0
            for o in 0..<outer {
                let x = input + (o * channels + c) * inner
                var partial: Float = 0
                let muFloat = Float(mu)
                for i in 0..<inner { let d = x[i] - muFloat; partial += d * d }
                squares += Double(partial)
            }
            mean[c] = Float(mu)
            variance[c] = Float(squares / m)
        }
    }

    /// Batch normalisation's gradients with the statistics of the batch (training):
    /// with `x̂ = (x - mean) * inverseStd` and `m = outer * inner`,
    ///
    ///     dshift = Σ dy,  dscale = Σ dy * x̂,
    ///     dx = scale * inverseStd / m * (m * dy - Σ dy - x̂ * Σ dy * x̂)
    ///
    /// Each requested gradient is overwritten. `scale` nil means 1.
    public static func batchNormTrainingBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                                 outer: Int, channels: Int, inner: Int,
                                                 mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
                                                 scale: UnsafePointer<Float>?,
                                                 inputGradient: UnsafeMutablePointer<Float>?,
                                                 scaleGradient: UnsafeMutablePointer<Float>?,
                                                 shiftGradient: UnsafeMutablePointer<Float>?) {
        let m = Float(outer * inner)
        for c in 0..<channels {
            let mu = mean[c], r = inverseStd[c]
            var sumDy = 0.0, sumDyXhat = 0.0
            for o in 0..<outer {
                let base = (o * channels + c) * inner
                let x = input + base, dy = outputGradient + base
                var a: Float = 0, b: Float = 0
                for i in 0..<inner {
                    a += dy[i]
                    b += dy[i] * (x[i] - mu)
                }
                sumDy += Double(a)
                sumDyXhat += Double(b) * Double(r)
            }
            scaleGradient?[c] = Float(sumDyXhat)
            shiftGradient?[c] = Float(sumDy)
            guard let inputGradient else { continue }
            let gamma = scale?[c] ?? 1
            let k = gamma * r / m
            let meanDy = Float(sumDy), meanDyXhat = Float(sumDyXhat)
            for o in 0..<outer {
                let base = (o * channels + c) * inner
                let x = input + base, dy = outputGradient + base, dx = inputGradient + base
                for i in 0..<inner {
                    let xhat = (x[i] - mu) * r
                    dx[i] = k * (m * dy[i] - meanDy - xhat * meanDyXhat)
                }
            }
        }
    }

    /// Gradients of ``batchNorm(input:output:outer:channels:inner:mean:multiplier:shift:)`` with
    /// fixed statistics (a per-channel affine map): `dx = dy * multiplier`,
    /// `dscale = Σ dy * (x - mean) * inverseStd`, `dshift = Σ dy`. Each requested gradient is
    /// overwritten.
    public static func batchNormFrozenBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                               outer: Int, channels: Int, inner: Int,
                                               mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
                                               multiplier: UnsafePointer<Float>,
                                               inputGradient: UnsafeMutablePointer<Float>?,
                                               scaleGradient: UnsafeMutablePointer<Float>?,
                                               shiftGradient: UnsafeMutablePointer<Float>?) {
        for c in 0..<channels {
            let mu = mean[c], a = multiplier[c]
            var sumDy = 0.0, sumDyCentered = 0.0
            for o in 0..<outer {
                let base = (o * channels + c) * inner
                let x = input + base, dy = outputGradient + base
                if scaleGradient != nil || shiftGradient != nil {
                    var s: Float = 0, t: Float = 0
                    for i in 0..<inner { s += dy[i]; t += dy[i] * (x[i] - mu) }
                    sumDy += Double(s)
                    sumDyCentered += Double(t)
                }
                if let inputGradient {
                    let dx = inputGradient + base
                    for i in 0..<inner { dx[i] = dy[i] * a }
                }
            }
            scaleGradient?[c] = Float(sumDyCentered * Double(inverseStd[c]))
            shiftGradient?[c] = Float(sumDy)
        }
    }

    /// Gradients of ``affine(input:output:outer:channels:inner:scale:bias:)``: `dx = dy * scale`,
    /// `dscale[c] = Σ dy * x`, `dbias[c] = Σ dy`. Each requested gradient is overwritten.
    public static func affineBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                      outer: Int, channels: Int, inner: Int, scale: UnsafePointer<Float>?,
                                      inputGradient: UnsafeMutablePointer<Float>?,
                                      scaleGradient: UnsafeMutablePointer<Float>?,
                                      biasGradient: UnsafeMutablePointer<Float>?) {
        scaleGradient?.update(repeating: 0, count: channels)
        biasGradient?.update(repeating: 0, count: channels)
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                let dy = outputGradient + base
                if let scaleGradient { scaleGradient[c] += Reduction.dot(dy, input + base, count: inner) }
                if let biasGradient { biasGradient[c] += Reduction.sum(dy, count: inner) }
                if let inputGradient {
                    let dx = inputGradient + base
                    let a = scale?[c] ?? 1
                    for i in 0..<inner { dx[i] = dy[i] * a }
                }
            }
        }
    }
}
