import CGraftSIMD
import Dispatch
import Synchronization

/// The multiply-add ceiling of the vector kernels on this machine right now: every worker runs
/// independent FMA chains on registers only (`graft_simd_fma_chains`), which no kernel with
/// loads can pass. Benchmarks print it beside their results because a shared host's speed moves:
/// on the 2-core VM Graft was measured on in session 25, two threads ran these chains at 184
/// and then at 98 GFLOP/s two minutes later (one thread: 92 and 89).
public enum MachinePeak {
    /// GFLOP/s of ``Parallel/workers`` threads each running `iterations` rounds of the chains
    /// of `isa` at once (nil without a vector kernel), timed from the first start to the last end.
    public static func gflops(isa: PanelKernels.InstructionSet = PanelKernels.active, iterations: Int = 10_000_000) -> Double? {
        let flops = 2 * Int(graft_simd_fma_chain_count(isa.c)) * lanes(isa)   // per round
        guard flops > 0, iterations > 0 else { return nil }
        let workers = Parallel.workers
        let sums = Mutex([Double](repeating: 0, count: workers))
        let start = DispatchTime.now().uptimeNanoseconds
        Parallel.runSection(parts: workers) { part in
            // Multiplier and addend from the caller, so the compiler cannot fold the chains.
            let sum = graft_simd_fma_chains(isa.c, iterations, chainMultiplier, chainAddend)
            sums.withLock { $0[part] = sum }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let expected = expectedSum(isa: isa, iterations: iterations)
        precondition(sums.withLock { $0.allSatisfy { $0.isFinite && (expected == nil || $0 == expected) } },
                     "MachinePeak: the FMA chains gave an unexpected sum")
        return Double(workers) * Double(iterations) * Double(flops) / seconds / 1e9
    }

    /// Floats per vector register: a panel of the GEMM is two of them.
    static func lanes(_ isa: PanelKernels.InstructionSet) -> Int { isa.panelWidth / 2 }

    /// The chains' multiplier and addend: each lane counts up by one per round.
    static let chainMultiplier: Float = 1, chainAddend: Float = 1

    /// What one run of the chains must sum to, while every lane's count is exact in a float
    /// (nil past 2^24 rounds): chain `i` ends at `i + iterations` in each of its lanes.
    static func expectedSum(isa: PanelKernels.InstructionSet, iterations: Int) -> Double? {
        let chains = Int(graft_simd_fma_chain_count(isa.c))
        guard chains > 0, iterations + chains < 1 << 24 else { return nil }
        return Double(lanes(isa)) * Double((0..<chains).reduce(0) { $0 + $1 + iterations })
    }
}
