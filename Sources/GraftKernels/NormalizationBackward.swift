/// Batch normalisation in training (batch statistics) and the backward passes of the per-channel
/// affine maps, over tensors viewed as `[outer, channels, inner]`.
extension NormalizationKernels {
    /// Per-channel mean and biased variance (`1/m Σ (x - mean)²`, `m = outer * inner`), two passes
    /// in double precision.
    public static func batchStatistics(input: UnsafePointer<Float>, outer: Int, channels: Int, inner: Int,
                                       mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let m = Double(outer * inner)
        Parallel.forEach(channels, workPerItem: 2 * outer * inner) { range in
            for c in range {
                var sum = 0.0
                for o in 0..<outer { sum += Double(Reduction.sum(input + (o * channels + c) * inner, count: inner)) }
                let mu = sum / m
                var squares = 0.0
                for o in 0..<outer {
                    squares += Double(Reduction.squaredDeviations(input + (o * channels + c) * inner, from: Float(mu), count: inner))
                }
                mean[c] = Float(mu)
                variance[c] = Float(squares / m)
            }
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
        Parallel.forEach(channels, workPerItem: 2 * outer * inner) { range in
            for c in range {
                let mu = mean[c], r = inverseStd[c]
                var sumDy = 0.0, sumDyXhat = 0.0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    let (a, b) = Reduction.sumAndCenteredDot(outputGradient + base, input + base, center: mu, count: inner)
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
        Parallel.forEach(channels, workPerItem: 2 * outer * inner) { range in
            for c in range {
                let mu = mean[c], a = multiplier[c]
                var sumDy = 0.0, sumDyCentered = 0.0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    let x = input + base, dy = outputGradient + base
                    if scaleGradient != nil || shiftGradient != nil {
                        let (s, t) = Reduction.sumAndCenteredDot(dy, x, center: mu, count: inner)
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
    }

    /// Gradients of ``affine(input:output:outer:channels:inner:scale:bias:)``: `dx = dy * scale`,
    /// `dscale[c] = Σ dy * x`, `dbias[c] = Σ dy`. Each requested gradient is overwritten.
    public static func affineBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                      outer: Int, channels: Int, inner: Int, scale: UnsafePointer<Float>?,
                                      inputGradient: UnsafeMutablePointer<Float>?,
                                      scaleGradient: UnsafeMutablePointer<Float>?,
                                      biasGradient: UnsafeMutablePointer<Float>?) {
        Parallel.forEach(channels, workPerItem: 2 * outer * inner) { range in
            for c in range {
                var scaleSum: Float = 0, biasSum: Float = 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    let dy = outputGradient + base
                    if scaleGradient != nil { scaleSum += Reduction.dot(dy, input + base, count: inner) }
                    if biasGradient != nil { biasSum += Reduction.sum(dy, count: inner) }
                    if let inputGradient {
                        let dx = inputGradient + base
                        let a = scale?[c] ?? 1
                        for i in 0..<inner { dx[i] = dy[i] * a }
                    }
                }
                scaleGradient?[c] = scaleSum
                biasGradient?[c] = biasSum
            }
        }
    }
}
