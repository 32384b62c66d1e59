/// Fully connected forward pass with the weight pre-packed as `[K, outputCount]`.
///
/// The stored layout is `[outputCount, K]`; `Y = X · Wᵀ` as a transposed-B GEMM is markedly slower
/// for large fully connected layers on OpenBLAS than a plain product with a transposed copy
/// (shared/PERF.md), so callers pack once with ``pack(weight:outputCount:inputCount:into:)``.
public enum InnerProductKernels {
    /// Writes `packed[K, outputCount]`, the transpose of `weight[outputCount, K]`.
    public static func pack(weight: UnsafePointer<Float>, outputCount: Int, inputCount: Int,
                            into packed: UnsafeMutablePointer<Float>) {
        BLAS.transpose(weight, rows: outputCount, columns: inputCount, into: packed)
    }

    /// `output[rows, outputCount] = input[rows, K] · packed[K, outputCount] + bias`.
    public static func forward(input: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                               rows: Int, inputCount: Int, outputCount: Int) {
        BLAS.sgemm(m: rows, n: outputCount, k: inputCount,
                   a: input, lda: max(inputCount, 1), b: packedWeight, ldb: outputCount,
                   c: output, ldc: outputCount)
        guard let bias else { return }
        for r in 0..<rows {
            let row = output + r * outputCount
            for o in 0..<outputCount { row[o] += bias[o] }
        }
    }
}
