import GraftKernels

/// The number of threads the engine computes with, for `--threads` options: OpenBLAS's pool for the
/// GEMMs, and the engine's own parallel loops (im2col, pooling, LRN, updates) follow the same count.
public enum ComputeThreads {
    public static var current: Int { BLAS.threadCount }
    public static func set(_ count: Int) { BLAS.setThreadCount(count) }
}
