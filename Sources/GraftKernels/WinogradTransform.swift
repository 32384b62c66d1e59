/// The three matrices of Winograd's minimal filtering algorithm F(m, r): `m` outputs of an
/// `r`-tap correlation from `α = m + r - 1` inputs with `α` multiplications instead of `m·r`.
///
/// In two dimensions (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016) one
/// `m×m` output tile of a stride-1 convolution is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for an `r×r` kernel
/// `g` and the `α×α` input patch `d`; summed over input channels, the element-wise products become
/// `α²` independent GEMMs — `r²·m²/α²` times fewer multiply-adds than im2col (2.25x for F(2, 3)).
///
/// The matrices are built by the Toom-Cook construction from `α - 1` finite interpolation points
/// and the point at infinity (the transpose of polynomial multiplication, since a convolution
/// layer correlates): `Aᵀ[i][j] = pⱼⁱ`, `G[j][k] = pⱼᵏ / Πₗ≠ⱼ(pⱼ - pₗ)`, and row `j` of `Bᵀ` holds
/// the coefficients of `Πₗ≠ⱼ(x - pₗ)` (the last row those of `Πₗ(x - pₗ)`). Computed in double
/// precision, stored as floats.
public final class WinogradTransform: @unchecked Sendable {
    /// Output tile size.
    public let m: Int
    /// Kernel size.
    public let r: Int
    /// Input tile size `m + r - 1`.
    public let alpha: Int
    /// `Aᵀ`, `m × α`, row-major.
    let at: UnsafeMutablePointer<Float>
    /// `G`, `α × r`, row-major.
    let g: UnsafeMutablePointer<Float>
    /// `Bᵀ`, `α × α`, row-major.
    let bt: UnsafeMutablePointer<Float>
    /// `Gᵀ` (r × α), so that the kernel transforms `G w Gᵀ` and `Gᵀ dU G` are pairs of plain
    /// products (``WinogradTransform/multiply(_:_:_:_:_:into:)``). The tile transforms (`Bᵀ`, `Aᵀ`)
    /// are written out for F(2, 3) in ``ConvolutionKernels``.
    let gt: UnsafeMutablePointer<Float>

    /// Builds F(m, r) from `m + r - 2` distinct finite points.
    public init(m: Int, r: Int, points: [Double]) {
        precondition(m >= 1 && r >= 1 && points.count == m + r - 2 && Set(points).count == points.count,
                     "WinogradTransform: F(\(m), \(r)) needs \(m + r - 2) distinct points")
        self.m = m
        self.r = r
        alpha = m + r - 1
        let a = alpha, finite = points.count
        at = .allocate(capacity: m * a)
        g = .allocate(capacity: a * r)
        bt = .allocate(capacity: a * a)
        gt = .allocate(capacity: r * a)
        for i in 0..<m {
            for j in 0..<a {
                at[i * a + j] = j < finite ? Float(Self.power(points[j], i)) : (i == m - 1 ? 1 : 0)
            }
        }
        // Πₗ≠ⱼ(pⱼ - pₗ): its magnitude divides row j of G, its sign goes to row j of Bᵀ.
        let scales = (0..<finite).map { j in (0..<finite).filter { $0 != j }.reduce(1.0) { $0 * (points[j] - points[$1]) } }
        for j in 0..<a {
            for k in 0..<r {
                g[j * r + k] = j < finite ? Float(Self.power(points[j], k) / abs(scales[j])) : (k == r - 1 ? 1 : 0)
            }
        }
        for j in 0..<a {
            // Coefficients (lowest degree first) of Π (x - pₗ) over l ≠ j, or over all l for the last row.
            var coefficients = [1.0]
            for l in 0..<finite where l != j {
                var next = Array(repeating: 0.0, count: coefficients.count + 1)
                for (d, c) in coefficients.enumerated() {
                    next[d + 1] += c
                    next[d] -= c * points[l]
                }
                coefficients = next
            }
            let sign = j < finite && scales[j] < 0 ? -1.0 : 1.0
            for k in 0..<a { bt[j * a + k] = k < coefficients.count ? Float(sign * coefficients[k]) : 0 }
        }
        for j in 0..<a { for k in 0..<r { gt[k * a + j] = g[j * r + k] } }
    }

    deinit {
        at.deallocate()
        g.deallocate()
        bt.deallocate()
        gt.deallocate()
    }

    /// `out[p × s] = left[p × q] · x[q × s]` on eight tiles at once (one per lane); zero entries of
    /// the transform matrix are skipped.
    @inline(__always)
    static func multiply(_ left: UnsafePointer<Float>, _ p: Int, _ q: Int, _ x: UnsafePointer<SIMD8<Float>>, _ s: Int,
                         into out: UnsafeMutablePointer<SIMD8<Float>>) {
        for i in 0..<p {
            for k in 0..<s { out[i * s + k] = SIMD8() }
            for y in 0..<q {
                let c = left[i * q + y]
                if c == 0 { continue }
                for k in 0..<s { out[i * s + k] += c * x[y * s + k] }
            }
        }
    }

    /// `out[p × s] = x[p × q] · right[q × s]` on eight tiles at once.
    @inline(__always)
    static func multiply(_ x: UnsafePointer<SIMD8<Float>>, _ p: Int, _ q: Int, _ right: UnsafePointer<Float>, _ s: Int,
                         into out: UnsafeMutablePointer<SIMD8<Float>>) {
        for i in 0..<p {
            for j in 0..<s { out[i * s + j] = SIMD8() }
            for k in 0..<q {
                let row = x[i * q + k]
                for j in 0..<s {
                    let c = right[k * s + j]
                    if c != 0 { out[i * s + j] += c * row }
                }
            }
        }
    }

    /// The matrices as row-major arrays: `Aᵀ` (m × α), `G` (α × r), `Bᵀ` (α × α).
    public var matrices: (at: [Float], g: [Float], bt: [Float]) {
        (Array(UnsafeBufferPointer(start: at, count: m * alpha)), Array(UnsafeBufferPointer(start: g, count: alpha * r)),
         Array(UnsafeBufferPointer(start: bt, count: alpha * alpha)))
    }

    private static func power(_ x: Double, _ n: Int) -> Double { (0..<n).reduce(1.0) { acc, _ in acc * x } }

    /// F(2, 3): 2.25x fewer multiply-adds for 3x3 kernels; all entries are 0, ±1 and ±1/2, so it
    /// is as accurate as the direct sum.
    public static let f2x3 = WinogradTransform(m: 2, r: 3, points: [0, 1, -1])

    /// The transform ``ConvolutionKernels/Strategy/winograd`` uses for an `r×r` kernel, or nil when
    /// none is provided. Only F(2, 3): its tile transforms are written out (``ConvolutionKernels``).
    /// F(2, 5) for CaffeNet's conv2 (27x27 maps, 48 input channels per group) was measured with
    /// generic transforms and lost to im2col (the transforms cost more than the multiplications
    /// saved). F(4, 3), with ten times the rounding, runs at inference only
    /// (``ConvolutionKernels/Strategy/winograd4``, transforms in `CGraftSIMD`'s `winograd.c`).
    public static func preferred(kernel r: Int) -> WinogradTransform? { r == 3 ? f2x3 : nil }
}
