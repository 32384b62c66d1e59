/// L2 normalisation of an `[outer, middle, inner]` view (SSD's Normalize: `middle` channels,
/// `inner` positions): `y = x / n · scale[m]` with `n = sqrt(Σ x² + epsilon)`, the sum over the
/// channels at each `(o, i)`, or over all of `x[o]` when `acrossSpatial`. `scale` has `middle`
/// values, or one when `channelShared`. Norms are recomputed in the backward pass, not kept.
public enum L2NormKernels {
    /// The scratch the passes need: one norm per position (`inner` floats, or one across the
    /// sample), twice that backward (norms and dot products).
    public static func scratchCount(inner: Int, acrossSpatial: Bool, backward: Bool) -> Int {
        (acrossSpatial ? 1 : inner) * (backward ? 2 : 1)
    }

    /// `norm[i]` for `i < inner` (or `norm[0]` across the sample) of one outer index.
    @inline(__always)
    static func norms(_ x: UnsafePointer<Float>, middle: Int, inner: Int, acrossSpatial: Bool, epsilon: Float,
                      into norm: UnsafeMutablePointer<Float>) {
        if acrossSpatial {
            var sum: Float = 0
            for k in 0..<(middle * inner) { sum += x[k] * x[k] }
            norm[0] = (sum + epsilon).squareRoot()
            return
        }
        norm.update(repeating: 0, count: inner)
        for m in 0..<middle {
            let row = x + m * inner
            for i in 0..<inner { norm[i] += row[i] * row[i] }
        }
        for i in 0..<inner { norm[i] = (norm[i] + epsilon).squareRoot() }
    }

    /// Normalises `outer` samples of `input` into `output`; `scratch` holds
    /// ``scratchCount(inner:acrossSpatial:backward:)`` floats.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scale: UnsafePointer<Float>,
                               channelShared: Bool, acrossSpatial: Bool, outer: Int, middle: Int, inner: Int, epsilon: Float,
                               scratch: UnsafeMutablePointer<Float>) {
        let norm = scratch
        for o in 0..<outer {
            let x = input + o * middle * inner, y = output + o * middle * inner
            norms(x, middle: middle, inner: inner, acrossSpatial: acrossSpatial, epsilon: epsilon, into: norm)
            for m in 0..<middle {
                let s = scale[channelShared ? 0 : m]
                let xr = x + m * inner, yr = y + m * inner
                if acrossSpatial {
                    let f = s / norm[0]
                    for i in 0..<inner { yr[i] = xr[i] * f }
                } else {
                    for i in 0..<inner { yr[i] = xr[i] / norm[i] * s }
                }
            }
        }
    }

    /// With `u = x / n` and `g = dy · scale`: `dx = (g - u · Σ g u) / n`, the sum over what the
    /// norm sums; `dscale[m] = Σ dy · u` over the channel's positions and the batch (everything
    /// when shared), overwritten when given.
    public static func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, scale: UnsafePointer<Float>,
                                scaleGradient: UnsafeMutablePointer<Float>?, channelShared: Bool, acrossSpatial: Bool,
                                outer: Int, middle: Int, inner: Int, epsilon: Float, scratch: UnsafeMutablePointer<Float>) {
        let positions = acrossSpatial ? 1 : inner
        let norm = scratch, dot = scratch + positions
        scaleGradient?.update(repeating: 0, count: channelShared ? 1 : middle)
        for o in 0..<outer {
            let x = input + o * middle * inner, dy = outputGradient + o * middle * inner
            norms(x, middle: middle, inner: inner, acrossSpatial: acrossSpatial, epsilon: epsilon, into: norm)
            dot.update(repeating: 0, count: positions)
            for m in 0..<middle {
                let s = scale[channelShared ? 0 : m]
                let xr = x + m * inner, dyr = dy + m * inner
                var dScale: Float = 0
                for i in 0..<inner {
                    let p = acrossSpatial ? 0 : i
                    let u = xr[i] / norm[p]
                    dScale += dyr[i] * u
                    dot[p] += dyr[i] * s * u
                }
                scaleGradient?[channelShared ? 0 : m] += dScale
            }
            guard let inputGradient else { continue }
            let dx = inputGradient + o * middle * inner
            for m in 0..<middle {
                let s = scale[channelShared ? 0 : m]
                let xr = x + m * inner, dyr = dy + m * inner, dxr = dx + m * inner
                for i in 0..<inner {
                    let p = acrossSpatial ? 0 : i
                    let u = xr[i] / norm[p]
                    dxr[i] = (dyr[i] * s - u * dot[p]) / norm[p]
                }
            }
        }
    }
}
