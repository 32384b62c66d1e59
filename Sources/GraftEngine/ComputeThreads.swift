import GraftKernels

/// The number of threads the engine computes with (OpenBLAS's pool), for `--threads` options.
public enum ComputeThreads {
    public static var current: Int { BLAS.threadCount }
    public static func set(_ count: Int) { BLAS.setThreadCount(count) }
}
