import GraftCore
@testable import GraftEngine
import GraftKernels
import Testing

/// Inference's fully connected layers from 9 rows on run Graft's panel GEMM on a weight packed
/// once (on every vector instruction set): it must give OpenBLAS's result for row counts that leave partial tiles,
/// output counts that leave partial panels, and any thread split.
@Suite("Fully connected inference on the panel GEMM")
struct PanelInnerProductTests {
    static func run(_ isa: PanelKernels.InstructionSet, x: Tensor, w: Tensor, b: Tensor?, rows: Int,
                    minimumWork: Int = 0) -> [Float] {
        let (outputCount, inputCount) = (w.shape.dims[0], w.shape.dims[1])
        let isa = PanelKernels.$override.withValue(isa) { PanelKernels.active }
        var panels = [Float](repeating: .nan, count: InnerProductKernels.panelWeightCount(inputCount: inputCount, outputCount: outputCount, isa: isa))
        panels.withUnsafeMutableBufferPointer { p in
            InnerProductKernels.packPanels(weight: w.scalars, outputCount: outputCount, inputCount: inputCount, isa: isa, into: p.baseAddress!)
        }
        var y = [Float](repeating: .nan, count: rows * outputCount)
        Parallel.$minimumWorkOverride.withValue(minimumWork) {
            y.withUnsafeMutableBufferPointer { out in
                InnerProductKernels.forwardPanels(input: x.scalars, panels: panels, isa: isa, bias: b?.scalars,
                                                  output: out.baseAddress!, rows: rows, inputCount: inputCount, outputCount: outputCount)
            }
        }
        return y
    }

    @Test("matches the BLAS product on every vector instruction set",
          arguments: PanelKernels.InstructionSet.allCases.filter { $0 != .none })
    func matchesBLAS(_ isa: PanelKernels.InstructionSet) {
        for rows in [5, 6, 12, 13, 32, 37] {
            for (inputCount, outputCount) in [(1, 1), (15, 3), (16, 33), (37, 70), (100, 64), (513, 129)] {
                let x = randomTensor([rows, inputCount], seed: UInt64(rows * 100 + inputCount))
                let w = randomTensor([outputCount, inputCount], seed: UInt64(outputCount))
                let b = randomTensor([outputCount], seed: 7)
                let fast = Self.run(isa, x: x, w: w, b: b, rows: rows)
                expectMatchesBLAS(fast, x: x, w: w, b: b, "\(isa) rows \(rows), \(inputCount) → \(outputCount)")
            }
        }
    }

    /// Packing once instead of on every call must not move a bit: the general product (which packs
    /// the transposed weight block by block, 256 rows of k at a time) sums each output in the same
    /// order of k, from the same tiles.
    @Test("gives the bits of the general product that packs on every call",
          arguments: PanelKernels.InstructionSet.allCases.filter { $0 != .none })
    func sameBitsAsGeneralProduct(_ isa: PanelKernels.InstructionSet) {
        for (rows, inputCount, outputCount) in [(9, 700, 130), (32, 1025, 300), (37, 257, 17)] {
            let x = randomTensor([rows, inputCount], seed: UInt64(rows)), w = randomTensor([outputCount, inputCount], seed: 3)
            let b = randomTensor([outputCount], seed: 4)
            let fast = Self.run(isa, x: x, w: w, b: b, rows: rows)
            var transposed = [Float](repeating: .nan, count: inputCount * outputCount)
            var general = [Float](repeating: .nan, count: rows * outputCount)
            PanelKernels.$override.withValue(isa) {
                transposed.withUnsafeMutableBufferPointer { t in
                    InnerProductKernels.pack(weight: w.scalars, outputCount: outputCount, inputCount: inputCount, into: t.baseAddress!)
                }
                general.withUnsafeMutableBufferPointer { out in
                    InnerProductKernels.forward(input: x.scalars, packedWeight: transposed, bias: b.scalars, output: out.baseAddress!,
                                                rows: rows, inputCount: inputCount, outputCount: outputCount)
                }
            }
            #expect(fast.map(\.bitPattern) == general.map(\.bitPattern), "\(isa) rows \(rows), \(inputCount) → \(outputCount)")
        }
    }

    @Test("the result does not depend on the thread split")
    func independentOfSplit() {
        let (rows, inputCount, outputCount) = (9, 300, 200)
        let x = randomTensor([rows, inputCount], seed: 1), w = randomTensor([outputCount, inputCount], seed: 2)
        let isa = PanelKernels.supported  // whatever GRAFT_SIMD says: the kernel itself is under test
        guard isa != .none else { return }  // no vector kernel on this CPU
        #expect(Self.run(isa, x: x, w: w, b: nil, rows: rows, minimumWork: 0)
                == Self.run(isa, x: x, w: w, b: nil, rows: rows, minimumWork: Int.max))
    }
}
