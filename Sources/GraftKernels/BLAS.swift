internal import COpenBLAS
import Synchronization

/// Single-precision matrix products: Graft's own panel kernel (`PanelGEMM`) whenever a SIMD
/// instruction set is active, OpenBLAS otherwise (`GRAFT_SIMD=off`, and `alpha` or `beta` other
/// than 1 and 0/1). This file is the only code that calls BLAS, so pointer and integer-width rules
/// are enforced in one place.
public enum BLAS {
    /// Whether a matrix operand is read as stored or transposed.
    public enum Transpose: Sendable {
        /// As stored.
        case none
        /// Transposed.
        case transposed
    }

    /// Computes `c = alpha * op(a) · op(b) + beta * c` on row-major matrices, where `op(a)` is
    /// m×k, `op(b)` is k×n and `c` is m×n.
    ///
    /// - Parameters:
    ///   - transposeA: whether `a` is read as stored or transposed.
    ///   - transposeB: whether `b` is read as stored or transposed.
    ///   - m: rows of `op(a)` and of `c`.
    ///   - n: columns of `op(b)` and of `c`.
    ///   - k: columns of `op(a)`, rows of `op(b)`.
    ///   - alpha: scale of the product.
    ///   - a: the left operand, row-major.
    ///   - lda: row stride of `a` as stored (at least k, or m when `a` is transposed).
    ///   - b: the right operand, row-major.
    ///   - ldb: row stride of `b` as stored (at least n, or k when `b` is transposed).
    ///   - beta: scale of `c`'s current contents (0 overwrites them).
    ///   - c: the result, row-major; read too when `beta` is not 0.
    ///   - ldc: row stride of `c` (at least n).
    ///
    /// A negative size, a stride shorter than a row or a size beyond `Int32.max` (OpenBLAS's
    /// `blasint` here) is a caller bug and stops the program rather than corrupting memory.
    public static func sgemm(_ transposeA: Transpose = .none, _ transposeB: Transpose = .none,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
        let aColumns = transposeA == .none ? k : m
        let bColumns = transposeB == .none ? n : k
        precondition(lda >= max(1, aColumns), "sgemm: lda \(lda) shorter than a row of a (\(aColumns))")
        precondition(ldb >= max(1, bColumns), "sgemm: ldb \(ldb) shorter than a row of b (\(bColumns))")
        precondition(ldc >= max(1, n), "sgemm: ldc \(ldc) shorter than a row of c (\(n))")
        guard m > 0, n > 0 else { return }
        let isa = PanelKernels.active
        if isa != .none && alpha == 1 && (beta == 0 || beta == 1) && max(m, n, k) <= Int(Int32.max) {
            PanelGEMM.multiply(isa, transposeA, transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                               beta: beta, c: c, ldc: ldc, parallel: !SerialBLASSection.isActive)
            return
        }
        // Small products on one thread: a parallel call leaves OpenBLAS's workers spinning on
        // sched_yield for a long while afterwards, taking the cores from the engine's own loops.
        let serial = Double(m) * Double(n) * Double(k) < Double(parallelMinimumWork) && threadCount > 1
        if serial { SerialBLASSection.enter() }
        defer { if serial { SerialBLASSection.leave() } }
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha,
                    a, blasInt(lda, "lda"), b, blasInt(ldb, "ldb"), beta, c, blasInt(ldc, "ldc"))
    }

    /// Multiply-adds below which a product runs on one OpenBLAS thread. After a parallel call
    /// OpenBLAS 0.3.21's workers keep polling (`sched_yield`) for up to 2^28 cycles; with small
    /// products in every step (the CIFAR-sized nets' fully connected layers) they then spin through
    /// the engine's own parallel loops and took 17 % of the CPU time of a quick-net training step
    /// (perf, session 3). On one thread such a product takes well under a millisecond.
    public static let parallelMinimumWork = 1 << 24

    /// Writes `destination[columns, rows] = source[rows, columns]ᵀ` (OpenBLAS's `somatcopy`,
    /// much faster than a loop for the large fully connected weights packed at planning).
    public static func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int,
                                 into destination: UnsafeMutablePointer<Float>) {
        precondition(rows >= 0 && columns >= 0, "transpose: negative size \(rows)x\(columns)")
        guard rows > 0, columns > 0 else { return }
        cblas_somatcopy(CblasRowMajor, CblasTrans, blasInt(rows, "rows"), blasInt(columns, "columns"), 1,
                        source, blasInt(columns, "columns"), destination, blasInt(rows, "rows"))
    }

    /// The thread count set with ``setThreadCount(_:)`` (0: never set, OpenBLAS's own default).
    private static let configured = Atomic<Int>(0)

    /// Threads the engine computes with: OpenBLAS's for one product, and the engine's own loops.
    /// Process-wide. A section running single-threaded GEMMs on several workers
    /// (``Parallel/forEachPartWithSerialBLAS(_:parts:_:)``) lowers OpenBLAS's count meanwhile
    /// without changing this value, so plans made concurrently still see the configured count.
    public static var threadCount: Int {
        let count = configured.load(ordering: .relaxed)
        return count > 0 ? count : Int(openblas_get_num_threads())
    }

    /// Sets the thread count for the whole process (at least 1).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        configured.store(count, ordering: .relaxed)
        openblas_set_num_threads(Int32(clamping: count))
    }

    /// Records OpenBLAS's current count as the configured one if none was set, before a serial
    /// section lowers it.
    static func captureThreadCount() {
        if configured.load(ordering: .relaxed) == 0 {
            configured.store(Int(openblas_get_num_threads()), ordering: .relaxed)
        }
    }

    /// Sets only OpenBLAS's own count (serial sections).
    static func setLibraryThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: max(count, 1)))
    }

    private static func cblasTranspose(_ t: Transpose) -> CBLAS_TRANSPOSE {
        t == .none ? CblasNoTrans : CblasTrans
    }

    /// Narrows to OpenBLAS's 32-bit `blasint`, never silently.
    private static func blasInt(_ value: Int, _ name: StaticString) -> Int32 {
        guard let narrowed = Int32(exactly: value) else {
            preconditionFailure("BLAS: \(name) = \(value) exceeds Int32.max (OpenBLAS blasint)")
        }
        return narrowed
    }
}
