import CGraftSIMD
@testable import GraftKernels
import Testing

/// The FMA ceiling that benchmarks print must come from chains that really ran: their sum is
/// checked against its closed form, so a compiler that folded or dropped them would fail here.
@Suite("The vector kernels' FMA ceiling")
struct MachinePeakTests {
    @Test("every chain counts up by one per round in every lane, on every vector instruction set",
          arguments: PanelKernelTests.instructionSets)
    func chainsSumToTheirClosedForm(_ isa: PanelKernels.InstructionSet) throws {
        let chains = Int(graft_simd_fma_chain_count(isa.c))
        #expect(chains >= 8, "too few chains to cover the FMA latency")
        for rounds in [0, 1, 1000, 123_457] {
            let expected = try #require(MachinePeak.expectedSum(isa: isa, iterations: rounds))
            // chain i ends at i + rounds in each of its lanes
            #expect(expected == Double(MachinePeak.lanes(isa) * (chains * (chains - 1) / 2 + chains * rounds)))
            #expect(graft_simd_fma_chains(isa.c, rounds, 1, 1) == expected, "\(isa), \(rounds) rounds")
        }
        // Other multipliers change the sum: the chains multiply, not only add.
        #expect(graft_simd_fma_chains(isa.c, 10, 2, 1) != graft_simd_fma_chains(isa.c, 10, 1, 1))
    }

    @Test("a measured ceiling is positive and finite; none without a vector kernel")
    func measures() throws {
        #expect(MachinePeak.gflops(isa: .none) == nil)
        guard let isa = PanelKernelTests.instructionSets.last else { return }  // no vector kernel on this CPU
        let rate = try #require(MachinePeak.gflops(isa: isa, iterations: 100_000))
        #expect(rate > 0 && rate.isFinite)
    }
}
