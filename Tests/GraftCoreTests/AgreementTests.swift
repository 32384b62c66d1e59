import GraftTestSupport
import Testing

/// The tolerance rule every cross-check uses: it must accept fp32 summation-order noise on
/// elements near zero, and still catch real disagreements.
@Suite struct AgreementTests {
    /// Logits like MobileNet's (rms about 1.3): a value near zero moved by 2.4e-6 (as AVX2's
    /// summation order moves it) passes; the same value off by 1e-3 fails.
    @Test func nearZeroElementsGetAnAbsolutePartScaledToTheOutput() {
        var expected: [Float] = (0..<1000).map { Float(($0 * 37) % 200 - 100) / 40 }
        expected[7] = 0.0003
        var actual = expected
        actual[7] += 2.4e-6
        let noise = Agreement(actual, expected)
        #expect(noise.passed, "\(noise)")
        #expect(noise.atol > 1e-4 && noise.atol < 2e-4)
        actual[7] = expected[7] + 1e-3
        let wrong = Agreement(actual, expected)
        #expect(!wrong.passed && wrong.failing == 1, "\(wrong)")
    }

    @Test func largeElementsStillNeedOneInTenThousand() {
        let expected: [Float] = [1000, 1, -1, 1, 1, 1, 1, 1, 1, 1]
        let rest: [Float] = [1, -1, 1, 1, 1, 1, 1, 1, 1]
        #expect(Agreement([1000.09] + rest, expected).passed)
        #expect(!Agreement([1000.2] + rest, expected).passed)
    }

    @Test func nanFailsAndEmptyComparisonsDoNotPass() {
        let nan = Agreement([.nan, 1], [0, 1])
        #expect(!nan.passed && nan.failing == 1 && nan.maxAbsolute == .infinity)
        #expect(!Agreement([], []).passed)
    }

    @Test func anExplicitAbsolutePartIsTakenAsGiven() {
        let exact = Agreement([1, 2], [1, 2.0000002], rtol: 0, atol: 0)
        #expect(exact.failing == 1 && exact.atol == 0)
        #expect(Agreement([0, 0], [0, 0]).atol == Agreement.absoluteFloor)
    }
}
