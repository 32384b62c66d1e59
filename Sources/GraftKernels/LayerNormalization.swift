/// Layer normalisation over the middle extent of an `[outer, middle, inner]` view: for every
/// `(o, i)`, the `middle` values `x[o, m, i]` are normalised to zero mean and unit biased variance
/// and mapped through `scale[m]`, `shift[m]`. Rows of `inner` are processed together, so the
/// channel-wise case of an NCHW tensor (`inner = H·W`) reads memory in order.
public enum LayerNormKernels {
    /// Per-position statistics of one outer index: `mean[i]` and `inverseStd[i]` for `i < inner`.
    @inline(__always)
    static func statistics(_ x: UnsafePointer<Float>, middle: Int, inner: Int, epsilon: Float,
                           mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>) {
        mean.update(repeating: 0, count: inner)
        inverseStd.update(repeating: 0, count: inner)
        for m in 0..<middle {
            let row = x + m * inner
            for i in 0..<inner { mean[i] += row[i] }
        }
        let n = Float(middle)
        for i in 0..<inner { mean[i] /= n }
        for m in 0..<middle {
            let row = x + m * inner
            for i in 0..<inner {
                let d = row[i] - mean[i]
                inverseStd[i] += d * d
            }
        }
        for i in 0..<inner { inverseStd[i] = 1 / (inverseStd[i] / n + epsilon).squareRoot() }
    }

    /// The scratch the passes need: `2 · inner` floats (forward), `4 · inner` (backward).
    public static func scratchCount(inner: Int, backward: Bool) -> Int { (backward ? 4 : 2) * inner }

    /// Normalises `outer` samples of `input` into `output` (nil `scale`: 1, nil `shift`: 0);
    /// `scratch` holds ``scratchCount(inner:backward:)`` floats.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?,
                               outer: Int, middle: Int, inner: Int, epsilon: Float, scratch: UnsafeMutablePointer<Float>) {
        let mean = scratch, inverseStd = scratch + inner
        for o in 0..<outer {
            let x = input + o * middle * inner, y = output + o * middle * inner
            statistics(x, middle: middle, inner: inner, epsilon: epsilon, mean: mean, inverseStd: inverseStd)
            for m in 0..<middle {
                let g = scale?[m] ?? 1, b = shift?[m] ?? 0
                let xr = x + m * inner, yr = y + m * inner
                for i in 0..<inner { yr[i] = (xr[i] - mean[i]) * inverseStd[i] * g + b }
            }
        }
    }

    /// `dx = σ⁻¹ (ĝ - mean(ĝ) - x̂ · mean(ĝ x̂))` with `ĝ = dy · scale`; the parameter gradients
    /// `dscale = Σ dy x̂`, `dshift = Σ dy` are overwritten when given. Statistics are recomputed
    /// from the input (nothing is kept from the forward pass).
    public static func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, scale: UnsafePointer<Float>?,
                                scaleGradient: UnsafeMutablePointer<Float>?, shiftGradient: UnsafeMutablePointer<Float>?,
                                outer: Int, middle: Int, inner: Int, epsilon: Float, scratch: UnsafeMutablePointer<Float>) {
        let mean = scratch, inverseStd = scratch + inner, meanG = scratch + 2 * inner, meanGX = scratch + 3 * inner
        scaleGradient?.update(repeating: 0, count: middle)
        shiftGradient?.update(repeating: 0, count: middle)
        let n = Float(middle)
        for o in 0..<outer {
            let x = input + o * middle * inner, dy = outputGradient + o * middle * inner
            statistics(x, middle: middle, inner: inner, epsilon: epsilon, mean: mean, inverseStd: inverseStd)
            meanG.update(repeating: 0, count: inner)
            meanGX.update(repeating: 0, count: inner)
            for m in 0..<middle {
                let g = scale?[m] ?? 1
                let xr = x + m * inner, dyr = dy + m * inner
                var dScale: Float = 0, dShift: Float = 0
                for i in 0..<inner {
                    let xhat = (xr[i] - mean[i]) * inverseStd[i]
                    let gi = dyr[i] * g
                    meanG[i] += gi
                    meanGX[i] += gi * xhat
                    dScale += dyr[i] * xhat
                    dShift += dyr[i]
                }
                scaleGradient?[m] += dScale
                shiftGradient?[m] += dShift
            }
            guard let inputGradient else { continue }
            let dx = inputGradient + o * middle * inner
            for i in 0..<inner {
                meanG[i] /= n
                meanGX[i] /= n
            }
            for m in 0..<middle {
                let g = scale?[m] ?? 1
                let xr = x + m * inner, dyr = dy + m * inner, dxr = dx + m * inner
                for i in 0..<inner {
                    let xhat = (xr[i] - mean[i]) * inverseStd[i]
                    dxr[i] = inverseStd[i] * (dyr[i] * g - meanG[i] - xhat * meanGX[i])
                }
            }
        }
    }
}
