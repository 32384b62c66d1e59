import GraftCore
@testable import GraftEngine
import GraftKernels
import Testing

/// Inference's fully connected layers at batch 1-8 run Graft's own dot-product kernel on the
/// stored weight layout; it must give OpenBLAS's result on every instruction set, for every
/// row count and for lengths that leave vector tails.
@Suite("Fully connected inference at a few rows")
struct FewRowsInnerProductTests {
    @Test("matches the BLAS product on every instruction set",
          arguments: PanelKernels.InstructionSet.allCases)
    func matchesBLAS(_ isa: PanelKernels.InstructionSet) {
        for rows in 1...InnerProductKernels.fewRowsMaximum {
            for (inputCount, outputCount) in [(1, 1), (15, 3), (16, 7), (37, 70), (100, 33), (513, 129)] {
                let x = randomTensor([rows, inputCount], seed: UInt64(rows * 100 + inputCount))
                let w = randomTensor([outputCount, inputCount], seed: UInt64(outputCount))
                let b = randomTensor([outputCount], seed: 7)
                var fast = [Float](repeating: .nan, count: rows * outputCount)
                // Parallel splits forced even on these small products: the split must not matter.
                PanelKernels.$override.withValue(isa) {
                    Parallel.$minimumWorkOverride.withValue(0) {
                        fast.withUnsafeMutableBufferPointer { y in
                            InnerProductKernels.forwardFewRows(input: x.scalars, weight: w.scalars, bias: b.scalars,
                                                               output: y.baseAddress!, rows: rows, inputCount: inputCount,
                                                               outputCount: outputCount)
                        }
                    }
                }
                expectMatchesBLAS(fast, x: x, w: w, b: b, "\(isa) rows \(rows), \(inputCount) → \(outputCount)")
            }
        }
    }

    /// `forwardFewRows` of the first `rows` rows of `x` by `w` (`[outputs, inputs]`), no bias.
    static func product(_ x: Tensor, _ w: Tensor, rows: Int) -> [Float] {
        let (outputCount, inputCount) = (w.shape[0], w.shape[1])
        var y = [Float](repeating: .nan, count: rows * outputCount)
        y.withUnsafeMutableBufferPointer { out in
            InnerProductKernels.forwardFewRows(input: x.scalars, weight: w.scalars, bias: nil, output: out.baseAddress!,
                                               rows: rows, inputCount: inputCount, outputCount: outputCount)
        }
        return y
    }

    /// Batch 1 runs four outputs at a time with a one-output tail: which outputs fall in the tail
    /// depends on the split, and must not change them.
    @Test("the result does not depend on the thread split", arguments: [1, 3, 7])
    func independentOfSplit(_ rows: Int) {
        let (inputCount, outputCount) = (777, 61)
        let x = randomTensor([rows, inputCount], seed: 1), w = randomTensor([outputCount, inputCount], seed: 2)
        func run(minimumWork: Int) -> [Float] {
            Parallel.$minimumWorkOverride.withValue(minimumWork) { Self.product(x, w, rows: rows) }
        }
        #expect(run(minimumWork: 0).map(\.bitPattern) == run(minimumWork: Int.max).map(\.bitPattern))
    }

    /// Past four rows the rows are taken four at a time over blocks of the weight: each row's
    /// sums are the four-row kernels', so a row comes out the same at any row count.
    @Test("a row's result does not depend on how many rows come with it", arguments: PanelKernels.InstructionSet.allCases)
    func independentOfRowCount(_ isa: PanelKernels.InstructionSet) {
        let (inputCount, outputCount) = (70_000, 9)  // rows of 70 000 floats: blocks of 4, 4 and 1 weight rows
        let x = randomTensor([8, inputCount], seed: 3), w = randomTensor([outputCount, inputCount], seed: 4)
        func run(rows: Int) -> [Float] { PanelKernels.$override.withValue(isa) { Self.product(x, w, rows: rows) } }
        let eight = run(rows: 8)
        for rows in [1, 4, 5] {
            #expect(run(rows: rows).map(\.bitPattern) == Array(eight.prefix(rows * outputCount)).map(\.bitPattern), "\(isa) \(rows) rows")
        }
    }

    @Test("taken for 1-8 rows, not for 0 or 9 (the packed GEMM's)")
    func chosenByBatch() throws {
        #expect(InnerProductKernels.takesFewRows(rows: 1, inputCount: 9216, outputCount: 4096))
        #expect(InnerProductKernels.takesFewRows(rows: 8, inputCount: 9216, outputCount: 4096))
        #expect(!InnerProductKernels.takesFewRows(rows: 9, inputCount: 9216, outputCount: 4096))
        #expect(!InnerProductKernels.takesFewRows(rows: 0, inputCount: 9216, outputCount: 4096))
    }
}

/// `fast` is OpenBLAS's `x · wᵀ + b` (the stored-layout GEMM) within 1e-5, every output written.
func expectMatchesBLAS(_ fast: [Float], x: Tensor, w: Tensor, b: Tensor, _ label: String) {
    let (rows, inputCount, outputCount) = (x.shape[0], x.shape[1], w.shape[0])
    var reference = [Float](repeating: .nan, count: rows * outputCount)
    reference.withUnsafeMutableBufferPointer { y in
        InnerProductKernels.forwardUnpacked(input: x.scalars, weight: w.scalars, bias: b.scalars,
                                            output: y.baseAddress!, rows: rows, inputCount: inputCount, outputCount: outputCount)
    }
    #expect(!fast.contains { $0.isNaN }, "\(label): outputs left unwritten")
    expectClose(fast, reference, tolerance: 1e-5)
}
