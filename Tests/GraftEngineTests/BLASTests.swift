import GraftCore
@testable import GraftKernels
import Testing

@Suite("BLAS")
struct BLASTests {
    /// Row-major `alpha * op(a) · op(b) + beta * c` computed directly.
    func reference(_ ta: BLAS.Transpose, _ tb: BLAS.Transpose, m: Int, n: Int, k: Int, alpha: Float,
                   a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
        var result = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = ta == .none ? a[i * lda + p] : a[p * lda + i]
                    let bv = tb == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += Double(av) * Double(bv)
                }
                result[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return result
    }

    @Test("sgemm matches a direct product for every transpose combination, padded strides, alpha and beta",
          arguments: [(BLAS.Transpose.none, BLAS.Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func sgemmTransposes(_ ta: BLAS.Transpose, _ tb: BLAS.Transpose) {
        let (m, n, k) = (3, 4, 5)
        let lda = (ta == .none ? k : m) + 2, ldb = (tb == .none ? n : k) + 1, ldc = n + 3
        let aRows = ta == .none ? m : k, bRows = tb == .none ? k : n
        let a = randomTensor([aRows * lda], seed: 1).scalars
        let b = randomTensor([bRows * ldb], seed: 2).scalars
        var c = randomTensor([m * ldc], seed: 3).scalars
        let expected = reference(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: c, ldc: ldc)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a.baseAddress!, lda: lda,
                               b: b.baseAddress!, ldb: ldb, beta: 2, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
        expectClose(c, expected)
    }

    @Test("2x2 product by hand")
    func handProduct() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        c.withUnsafeMutableBufferPointer { c in
            BLAS.sgemm(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        #expect(c == [19, 22, 43, 50])
    }

    @Test("transpose of a 2x3 matrix, by hand, and of a non-square random one")
    func transpose() {
        var t = [Float](repeating: 0, count: 6)
        t.withUnsafeMutableBufferPointer { BLAS.transpose([1, 2, 3, 4, 5, 6], rows: 2, columns: 3, into: $0.baseAddress!) }
        #expect(t == [1, 4, 2, 5, 3, 6])
        let a = randomTensor([37 * 53], seed: 4).scalars
        var b = [Float](repeating: 0, count: a.count)
        b.withUnsafeMutableBufferPointer { BLAS.transpose(a, rows: 37, columns: 53, into: $0.baseAddress!) }
        var expected = [Float](repeating: 0, count: a.count)
        for r in 0..<37 { for c in 0..<53 { expected[c * 37 + r] = a[r * 53 + c] } }
        #expect(b == expected)
    }

    @Test("thread count reads back what was set")
    func threadCount() {
        let original = BLAS.threadCount
        #expect(original >= 1)
        BLAS.setThreadCount(original)
        #expect(BLAS.threadCount == original)
    }
}

extension BLASTests {
    /// Shapes that take every branch of the panel driver: several blocks of `k` and of `n`, the
    /// transposed product (`op(b)` stored transposed and 4x wider than `op(a)` is tall), row tiles
    /// split over the workers (`n` narrow), partial panels and tiles, and a product of one entry.
    static let panelShapes: [(m: Int, n: Int, k: Int)] = [(7, 300, 530), (40, 9, 700), (3, 700, 70), (100, 33, 20),
                                                          (13, 257, 256), (1, 1, 1), (29, 64, 1),
                                                          // narrow blocks go 2048 rows of k deep: three blocks of k, and
                                                          // (transposed form when b is) a 5-column result over two
                                                          (20, 9, 4200), (5, 40, 2500),
                                                          // a few rows by a deep b: b read in place when stored as is
                                                          (32, 300, 1100)]

    @Test("the panel GEMM behind sgemm = a direct product on both instruction sets: every transpose, beta 0 and 1, padded strides, one and two workers, bit-identical across worker counts",
          arguments: [(BLAS.Transpose.none, BLAS.Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func panelProducts(_ ta: BLAS.Transpose, _ tb: BLAS.Transpose) {
        var tested = 0
        for (index, shape) in Self.panelShapes.enumerated() {
            let (m, n, k) = shape
            let lda = (ta == .none ? k : m) + 3, ldb = (tb == .none ? n : k) + 1, ldc = n + 2
            let aRows = ta == .none ? m : k, bRows = tb == .none ? k : n
            let a = randomTensor([aRows * lda], seed: UInt64(10 + index)).scalars
            let b = randomTensor([bRows * ldb], seed: UInt64(20 + index)).scalars
            let c0 = randomTensor([m * ldc], seed: UInt64(30 + index)).scalars
            for beta: Float in [0, 1] {
                let expected = reference(ta, tb, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c0, ldc: ldc)
                for isa in PanelKernels.InstructionSet.allCases where isa != .none && isa <= PanelKernels.supported {
                    var results: [[Float]] = []
                    for minimumWork in [Int.max, 0] {
                        var c = c0
                        PanelKernels.$override.withValue(isa) {
                            Parallel.$minimumWorkOverride.withValue(minimumWork) {
                                a.withUnsafeBufferPointer { a in
                                    b.withUnsafeBufferPointer { b in
                                        c.withUnsafeMutableBufferPointer { c in
                                            BLAS.sgemm(ta, tb, m: m, n: n, k: k, a: a.baseAddress!, lda: lda,
                                                       b: b.baseAddress!, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
                                        }
                                    }
                                }
                            }
                        }
                        // Entries past column n of each row of c are never touched.
                        for i in 0..<m { for j in n..<ldc where c[i * ldc + j] != c0[i * ldc + j] {
                            Issue.record("\(isa) \(shape): c[\(i), \(j)] past n written"); return
                        } }
                        // Single-precision sums drift with k (about 1e-4 at k = 4200 against the
                        // double-precision reference).
                        expectClose(c, expected, tolerance: 5e-5 * Float(max(1, k / 1000)))
                        results.append(c)
                    }
                    #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern), "\(isa) \(shape) beta \(beta): worker count changed the sums")
                    tested += 1
                }
            }
        }
        #expect(tested >= 14)
    }

    /// A few rows of `a` by a deep `b` stored as is (a fully connected layer's `dY · W`) read `b` in
    /// place down its columns (`PanelGEMM.readsDeepOperandInPlace`); the same product with `b`
    /// stored transposed reads `bᵀ` along its rows. Both sum each entry in order of `k` on the same
    /// tiles, in blocks of different depths: the same bits.
    @Test("a few rows by a deep b read in place give the bits of the same product with b stored transposed",
          arguments: [BLAS.Transpose.none, .transposed])
    func deepOperandInPlace(_ ta: BLAS.Transpose) {
        for (index, (m, n, k)) in [(32, 300, 1100), (7, 64, 2049), (1, 17, 1024)].enumerated() {
            #expect(PanelGEMM.readsDeepOperandInPlace(.none, m: m, n: n, k: k), "\(m) x \(n) x \(k) takes the in-place form")
            let lda = ta == .none ? k : m
            let a = randomTensor([(ta == .none ? m : k) * lda], seed: UInt64(40 + index)).scalars
            let b = randomTensor([k * n], seed: UInt64(50 + index)).scalars
            var bT = [Float](repeating: 0, count: n * k)
            for p in 0..<k { for j in 0..<n { bT[j * k + p] = b[p * n + j] } }
            let c0 = randomTensor([m * n], seed: UInt64(60 + index)).scalars
            for isa in PanelKernels.InstructionSet.allCases where isa != .none && isa <= PanelKernels.supported {
                for beta: Float in [0, 1] {
                    var inPlace = c0, transposed = c0
                    PanelKernels.$override.withValue(isa) {
                        BLAS.sgemm(ta, .none, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: n, beta: beta, c: &inPlace, ldc: n)
                        BLAS.sgemm(ta, .transposed, m: m, n: n, k: k, a: a, lda: lda, b: bT, ldb: k, beta: beta, c: &transposed, ldc: n)
                    }
                    #expect(inPlace.map(\.bitPattern) == transposed.map(\.bitPattern), "\(isa) \(ta) \(m) x \(n) x \(k) beta \(beta)")
                    expectClose(inPlace, reference(ta, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: n, beta: beta, c: c0, ldc: n),
                                tolerance: 1e-4)
                }
            }
        }
    }
}
