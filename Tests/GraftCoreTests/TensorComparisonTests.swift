import GraftCore
import Testing

/// The tolerance rule every cross-check uses: it must accept fp32 summation-order noise on
/// elements near zero, and still catch real disagreements.
@Suite struct TensorComparisonTests {
    /// Logits like MobileNet's (rms about 1.3): a value near zero moved by 2.4e-6 (as AVX2's
    /// summation order moves it) passes; the same value off by 1e-3 fails.
    @Test func nearZeroElementsGetAnAbsolutePartScaledToTheOutput() {
        var expected: [Float] = (0..<1000).map { Float(($0 * 37) % 200 - 100) / 40 }
        expected[7] = 0.0003
        var actual = expected
        actual[7] += 2.4e-6
        let noise = TensorComparison(actual, expected)
        #expect(noise.passed, "\(noise)")
        #expect(noise.atol > 1e-4 && noise.atol < 2e-4)
        actual[7] = expected[7] + 1e-3
        let wrong = TensorComparison(actual, expected)
        #expect(!wrong.passed && wrong.failing == 1, "\(wrong)")
    }

    @Test func largeElementsStillNeedOneInTenThousand() {
        let expected: [Float] = [1000, 1, -1, 1, 1, 1, 1, 1, 1, 1]
        let rest: [Float] = [1, -1, 1, 1, 1, 1, 1, 1, 1]
        #expect(TensorComparison([1000.09] + rest, expected).passed)
        #expect(!TensorComparison([1000.2] + rest, expected).passed)
    }

    @Test func nanFailsAndEmptyComparisonsDoNotPass() {
        let nan = TensorComparison([.nan, 1], [0, 1])
        #expect(!nan.passed && nan.failing == 1 && nan.maxAbsolute == .infinity)
        #expect(!TensorComparison([], []).passed)
    }

    @Test func anExplicitAbsolutePartIsTakenAsGiven() {
        let exact = TensorComparison([1, 2], [1, 2.0000002], rtol: 0, atol: 0)
        #expect(exact.failing == 1 && exact.atol == 0)
        #expect(TensorComparison([0, 0], [0, 0]).atol == TensorComparison.absoluteFloor)
    }

    /// `graft verify` reports top-1 per batch item and the cosine; differing shapes fail outright.
    @Test func tensorsReportTopOneAndCosineAndShapeMismatchesFail() throws {
        let expected = Tensor(shape: [2, 3], scalars: [0.1, 0.7, 0.2, 0.5, 0.3, 0.2])
        let swapped = Tensor(shape: [2, 3], scalars: [0.1, 0.7, 0.2, 0.3, 0.5, 0.2])
        let same = TensorComparison(name: "prob", actual: expected, expected: expected)
        #expect(same.passed && same.top1Agreements == 2 && same.top1Total == 2 && abs(same.cosine - 1) < 1e-12)
        let wrong = TensorComparison(name: "prob", actual: swapped, expected: expected)
        #expect(!wrong.passed && wrong.failing == 2 && wrong.top1Agreements == 1 && wrong.cosine < 0.98)
        let reshaped = TensorComparison(name: "prob", actual: Tensor(shape: [3, 2], scalars: expected.scalars), expected: expected)
        #expect(!reshaped.passed && reshaped.shape == "3x2 vs 2x3" && reshaped.maxAbsolute == .infinity)
        #expect(!TensorComparison([1, 2], [1, 2, 3]).passed)
    }
}
