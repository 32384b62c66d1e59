// Experiment: for CaffeNet's conv forward GEMMs at batch 32, compare (a) OpenBLAS with 2 threads on
// b images side by side against (b) two workers (concurrentPerform), each single-threaded BLAS on
// its half of the batch, b images side by side per GEMM. GEMM only (no im2col).
import Dispatch
import Foundation
import GraftCore
import GraftKernels

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
func best(_ body: () -> Void) -> Double {
    body()
    var t = Double.infinity
    for _ in 0..<3 { let s = clock.now; body(); t = min(t, seconds(clock.now - s)) }
    return t
}
let shapes: [(String, Int, Int, Int, Int)] = [("conv1", 96, 363, 3025, 1), ("conv2", 128, 1200, 729, 2), ("conv3", 384, 2304, 169, 1),
                                              ("conv4", 192, 1728, 169, 2), ("conv5", 128, 1728, 169, 2)]
let batch = 32
struct P: @unchecked Sendable { let a, b, c: UnsafeMutablePointer<Float> }
for (name, m, k, area, groups) in shapes {
    let maxN = batch * area
    // Random operands: constant ones let the cores clock higher than real data does.
    var generator = SeededGenerator(seed: 3)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k * groups)
    for i in 0..<(m * k * groups) { a[i] = generator.nextUnitFloat() - 0.5 }
    let b = UnsafeMutablePointer<Float>.allocate(capacity: k * groups * maxN)
    for i in 0..<(k * groups * maxN) { b[i] = generator.nextUnitFloat() - 0.5 }
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * groups * maxN); c.initialize(repeating: 0, count: m * groups * maxN)
    let flops = 2.0 * Double(m * k * area * batch * groups)
    var line = "\(name) M=\(m) K=\(k) area=\(area) groups=\(groups):"
    for chunk in [1, 2, 4, 8, 16] {
        BLAS.setThreadCount(2)
        let shared = best {
            var start = 0
            while start < batch {
                let n = min(chunk, batch - start) * area
                let off = start * area * groups
                for g in 0..<groups {
                    BLAS.sgemm(m: m, n: n, k: k, a: a + g * m * k, lda: k, b: b + off * k + g * k * n, ldb: n,
                               c: c + off * m + g * m * n, ldc: n)
                }
                start += chunk
            }
        }
        BLAS.setThreadCount(1)
        let p = P(a: a, b: b, c: c)
        let parallel = best {
            DispatchQueue.concurrentPerform(iterations: 2) { w in
                let half = batch / 2
                let base = w * half
                var start = 0
                while start < half {
                    let n = min(chunk, half - start) * area
                    let off = (base + start) * area * groups
                    for g in 0..<groups {
                        BLAS.sgemm(m: m, n: n, k: k, a: p.a + g * m * k, lda: k, b: p.b + off * k + g * k * n, ldb: n,
                                   c: p.c + off * m + g * m * n, ldc: n)
                    }
                    start += chunk
                }
            }
        }
        BLAS.setThreadCount(2)
        line += String(format: "  b=%d: 2T %5.1f | 2x1T %5.1f GF/s", chunk, flops / shared / 1e9, flops / parallel / 1e9)
    }
    print(line)
}
