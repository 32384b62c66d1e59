/// General matrix products on Graft's own panel kernel: what ``BLAS/sgemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// runs whenever a SIMD instruction set is active.
///
/// OpenBLAS picks its kernels from the CPU model it knows: Debian's 0.3.21 does not know Intel's
/// 2023-and-later Xeons (family 6, model 207) and runs them on its SSE3 "Prescott" kernels, which
/// put CaffeNet's training step behind PyTorch there. This driver depends only on the instruction
/// set, like the rest of the engine.
///
/// The product is cut as BLIS cuts it: blocks of ``blockRows`` rows of `k` by ``blockPanels``
/// panels of `n` are packed (into a buffer that stays in the core's cache) and multiplied by every
/// row tile of `op(a)`, which the kernel reads in place through strides. When `op(b)` is stored
/// transposed and much wider than `op(a)` is tall (a fully connected layer's `X · Wᵀ`), the product
/// is computed transposed instead, `cᵀ = op(b)ᵀ · op(a)ᵀ`, so that the small operand is the packed
/// one, and added into `c` afterwards; so is a product of a few rows of `op(a)` by a deep `b`
/// stored as is (a fully connected layer's input gradient, `dY · W`), `b` then read in place down
/// its columns (``readsDeepOperandInPlace(_:m:n:k:)``).
///
/// Every entry of `c` is summed in order of `k` whatever the thread count: blocks of `n` (or, when
/// there are too few, row tiles of `m`) are split over the workers, never `k`.
enum PanelGEMM {
    /// Rows of `k` packed per block: one tile's 12 rows of `a` across a block (12 KB) stay in L1.
    static let blockRows = 256
    /// Panels per packed block: 256 x 256 floats (256 KB) of `b` stay in L2 while every row tile of
    /// `a` passes over them.
    static let blockPanels = 8

    /// `c = op(a) · op(b) + beta · c` for `beta` 0 or 1, on `isa`'s panels (`isa` not `.none`);
    /// on the calling thread only when `parallel` is false.
    static func multiply(_ isa: PanelKernels.InstructionSet, _ transposeA: BLAS.Transpose, _ transposeB: BLAS.Transpose,
                         m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool) {
        precondition(isa != .none, "PanelGEMM: no panel kernel")
        precondition(beta == 0 || beta == 1, "PanelGEMM: beta \(beta) is neither 0 nor 1")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        // cᵀ[n, m] = op(b)ᵀ · op(a)ᵀ, the short op(a) packed, then c (+)= that transposed. op(b)ᵀ is
        // b as stored when b is stored transposed, else b read in place down its columns
        // (bᵀ(j, p) = b[p * ldb + j]), in blocks of ``blockRows``.
        let downColumns = readsDeepOperandInPlace(transposeB, m: m, n: n, k: k)
        if downColumns || prefersTransposed(transposeB, m: m, n: n) {
            let product = UnsafeMutablePointer<Float>.allocate(capacity: n * m)
            defer { product.deallocate() }
            run(isa, m: n, n: m, k: k, a: b, aRow: downColumns ? 1 : ldb, aColumn: downColumns ? ldb : 1,
                b: a, bTransposed: transposeA == .none, ldb: lda, c: product, ldc: m, accumulate: false,
                parallel: parallel, deepBlocks: !downColumns)
            addTransposed(product, rows: n, columns: m, into: c, ldc: ldc, accumulate: beta != 0, parallel: parallel)
            return
        }
        run(isa, m: m, n: n, k: k, a: a, aRow: transposeA == .none ? lda : 1, aColumn: transposeA == .none ? 1 : lda,
            b: b, bTransposed: transposeB == .transposed, ldb: ldb, c: c, ldc: ldc, accumulate: beta != 0, parallel: parallel)
    }

    /// `c[i, j] (+)= product[j, i]` for `i < columns`, `j < rows` (`product` is `[rows, columns]`).
    private static func addTransposed(_ product: UnsafePointer<Float>, rows: Int, columns: Int,
                                      into c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool) {
        let body = { (range: Range<Int>) in
            for i in range {
                let target = c + i * ldc
                if accumulate {
                    for j in 0..<rows { target[j] += product[j * columns + i] }
                } else {
                    for j in 0..<rows { target[j] = product[j * columns + i] }
                }
            }
        }
        if parallel { Parallel.forEach(columns, workPerItem: rows, body) } else { body(0..<columns) }
    }

    /// Whether a product with a short `op(a)` (a fully connected layer's output gradient, one row
    /// per image) and a deep `b` stored as is (its weight, `[outputs, inputs]`) is computed
    /// transposed with `b` read in place: packing `b` costs as much as the product when `a` has
    /// so few rows. CaffeNet's fc7 input gradient (32 x 4096 by 4096 x 4096) in a C harness on a
    /// 2-core Zen 3, 6 alternating pairs: 11.7-16.7 ms packing `b` block by block, 9.9-13.5 read in
    /// place in blocks of 256 rows (1024-row blocks: 25-33 ms, the 1024 lines of `b` a row tile
    /// reads then overflow L1 before the next tiles reuse them). The same sums in the same order.
    static func readsDeepOperandInPlace(_ transposeB: BLAS.Transpose, m: Int, n: Int, k: Int) -> Bool {
        transposeB == .none && m <= 32 && k >= 1024 && n >= 4 * m && m * n <= 1 << 24
    }

    /// Whether a product of these sizes on `workers` workers splits its row tiles, every worker
    /// packing all of `op(b)` for itself: too few blocks of `n` to share out (the split ``run``
    /// takes).
    static func splitsRows(_ isa: PanelKernels.InstructionSet, m: Int, n: Int, workers: Int) -> Bool {
        let columnBlocks = (n + blockPanels * isa.panelWidth - 1) / (blockPanels * isa.panelWidth)
        let rowTiles = (m + isa.tileRows - 1) / isa.tileRows
        return workers > 1 && columnBlocks < 2 * workers && rowTiles >= workers
    }

    /// Whether the transposed product packs much less: `op(b)` stored transposed (its packing is a
    /// transpose) and at least four times wider than `op(a)` is tall; and `c` small enough (16 M
    /// floats) that its transposed copy costs little memory.
    static func prefersTransposed(_ transposeB: BLAS.Transpose, m: Int, n: Int) -> Bool {
        transposeB == .transposed && n >= 4 * m && m * n <= 1 << 24
    }

    /// `c (+)= A · B` with `A(i, p) = a[i * aRow + p * aColumn]` read in place and
    /// `B(p, j) = b[p * ldb + j]` (or `b[j * ldb + p]` when `bTransposed`) packed block by block.
    private static func run(_ isa: PanelKernels.InstructionSet, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, aRow: Int, aColumn: Int,
                            b: UnsafePointer<Float>, bTransposed: Bool, ldb: Int,
                            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool,
                            deepBlocks: Bool = true) {
        let width = isa.panelWidth, tileRows = isa.tileRows
        let blockColumns = blockPanels * width
        let columnBlocks = (n + blockColumns - 1) / blockColumns
        let rowTiles = (m + tileRows - 1) / tileRows
        let enough = Double(m) * Double(n) * Double(k) >= Double(Parallel.minimumWorkOverride ?? BLAS.parallelMinimumWork)
        let workers = parallel && enough ? Parallel.workers : 1
        // Blocks of n to each worker when there are enough; otherwise row tiles of m, each worker
        // packing the (narrow) blocks of b for itself.
        let splitColumns = !splitsRows(isa, m: m, n: n, workers: workers)
        let items = splitColumns ? columnBlocks : rowTiles
        let parts = max(1, min(workers, items))
        let bufferFloats = blockRows * blockColumns
        let buffers = UnsafeMutablePointer<Float>.allocate(capacity: parts * bufferFloats)
        defer { buffers.deallocate() }
        Parallel.forEachPart(items, parts: parts) { part, range in
            let packed = buffers + part * bufferFloats
            let columnRange = splitColumns ? range : 0..<columnBlocks
            let firstRow = splitColumns ? 0 : range.lowerBound * tileRows
            let rowCount = splitColumns ? m : min(m, range.upperBound * tileRows) - firstRow
            for block in columnRange {
                let column = block * blockColumns, columns = min(blockColumns, n - column)
                // Narrower blocks go deeper in the same buffer: an X·Wᵀ product computed transposed
                // (CaffeNet's fc6, 32 columns by 9216 rows of k) read each of W's 4096 rows in
                // runs of 256 floats, one run per pass over all rows, which no prefetcher followed.
                // Without `deepBlocks` (`b` read in place down its columns by ``readsDeepOperandInPlace(_:m:n:k:)``)
                // blocks stay at ``blockRows``: each row tile's lines of `a` must stay in L1 for the
                // next tiles, which read the same lines.
                let depthLimit = deepBlocks ? blockRows * (blockColumns / ((columns + width - 1) / width * width)) : blockRows
                var p = 0
                while p < k {
                    let depth = min(depthLimit, k - p)
                    if bTransposed {
                        PanelKernels.packColumns(isa, k: depth, n: columns, source: b + column * ldb + p, ld: ldb,
                                                 into: packed, panelStride: depth * width)
                    } else {
                        PanelKernels.packRows(isa, k: depth, n: columns, source: b + p * ldb + column, ld: ldb, into: packed)
                    }
                    PanelKernels.gemm(isa, m: rowCount, n: columns, k: depth,
                                      a: a + firstRow * aRow + p * aColumn, aRow: aRow, aColumn: aColumn,
                                      b: packed, bPanelStride: depth * width,
                                      c: c + firstRow * ldc + column, ldc: ldc, accumulate: accumulate || p > 0)
                    p += depth
                }
            }
        }
    }
}
