import GraftKernels

/// The number of threads the engine computes with, for `--threads` options: OpenBLAS's pool for the
/// GEMMs, and the engine's own parallel loops (im2col, pooling, LRN, updates) follow the same count.
public enum ComputeThreads {
    /// The thread count in use.
    public static var current: Int { BLAS.threadCount }
    /// Computes with `count` threads from now on.
    public static func set(_ count: Int) { BLAS.setThreadCount(count) }

    /// The vector instruction set of Graft's own convolution and pooling kernels ("avx512", "avx2",
    /// or "none": OpenBLAS and portable loops only), chosen from the CPU and `GRAFT_SIMD`.
    public static var vectorKernels: String {
        switch PanelKernels.active {
        case .avx512: "avx512"
        case .avx2: "avx2"
        case .none: "none"
        }
    }
}
