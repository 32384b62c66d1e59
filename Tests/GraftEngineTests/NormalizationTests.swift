import Foundation
import GraftCore
import GraftKernels
import Testing

/// LRN straight from the formula in GraftCore's `LRN` doc comment.
func naiveLRN(_ x: Tensor, _ p: LRN) -> Tensor {
    let s = x.shape
    let half = (p.size - 1) / 2
    var y = x
    for n in 0..<s[0] { for c in 0..<s[1] { for h in 0..<s[2] { for w in 0..<s[3] {
        var sum = 0.0
        switch p.region {
        case .acrossChannels:
            for cc in (c - half)...(c + half) where cc >= 0 && cc < s[1] {
                sum += pow(Double(x.scalars[at(s, n, cc, h, w)]), 2)
            }
        case .withinChannel:
            for hh in (h - half)...(h + half) where hh >= 0 && hh < s[2] {
                for ww in (w - half)...(w + half) where ww >= 0 && ww < s[3] {
                    sum += pow(Double(x.scalars[at(s, n, c, hh, ww)]), 2)
                }
            }
        }
        let base = p.region == .acrossChannels
            ? Double(p.k) + Double(p.alpha) / Double(p.size) * sum
            : 1 + Double(p.alpha) / Double(p.size * p.size) * sum
        let i = at(s, n, c, h, w)
        y.scalars[i] = Float(Double(x.scalars[i]) * pow(base, -Double(p.beta)))
    } } } }
    return y
}

@Suite("Normalization")
struct NormalizationTests {
    @Test("LRN across 3 channels of one pixel, by hand")
    func lrnAcrossByHand() throws {
        // alpha/size = 1, k = 1, beta = 1: y = x / (1 + Σ neighbours²).
        let y = try run1(.lrn(LRN(size: 3, alpha: 3, beta: 1, k: 1)), Tensor(shape: [1, 3, 1, 1], scalars: [1, 2, 3]))
        expectClose(y.scalars, [1.0 / 6, 2.0 / 15, 3.0 / 14])
    }

    @Test("LRN within a channel of a 1x2 plane, by hand")
    func lrnWithinByHand() throws {
        // size 3 → alpha/9 = 1; each window holds both pixels: y = x / (1 + 1 + 4)^0.5.
        let y = try run1(.lrn(LRN(region: .withinChannel, size: 3, alpha: 9, beta: 0.5, k: 7)),
                         Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]))
        expectClose(y.scalars, [1 / Float(6).squareRoot(), 2 / Float(6).squareRoot()])
    }

    @Test("LRN matches the formula", arguments: [
        LRN(region: .acrossChannels, size: 5, alpha: 1e-4, beta: 0.75, k: 1),   // CaffeNet
        LRN(region: .acrossChannels, size: 3, alpha: 0.5, beta: 0.75, k: 2),
        LRN(region: .acrossChannels, size: 5, alpha: 0.3, beta: 0.6, k: 1.5),
        LRN(region: .withinChannel, size: 3, alpha: 0.4, beta: 0.75),
        LRN(region: .withinChannel, size: 5, alpha: 2, beta: 0.9),
    ])
    func lrnMatchesFormula(_ p: LRN) throws {
        let x = randomTensor([2, 7, 4, 5], seed: 81, in: -3...3)
        expectClose(try run1(.lrn(p), x), naiveLRN(x, p))
    }

    /// Across channels the units are one channel of one image: a single image is shared out
    /// between the workers, every output still summed by itself in the same order.
    @Test("LRN across channels gives the same bits on one worker and on several, at batch 1")
    func lrnSplitOverChannels() {
        let (channels, area) = (13, 37)
        let x = randomTensor([1, channels, 1, area], seed: 85, in: -3...3)
        var results: [[Float]] = []
        for minimumWork in [Int.max, 0] {
            var y = [Float](repeating: .nan, count: channels * area)
            Parallel.$minimumWorkOverride.withValue(minimumWork) {
                LRNKernels.acrossChannels(input: x.scalars, output: &y, batch: 1, channels: channels, area: area,
                                          size: 5, alpha: 0.3, beta: 0.75, k: 1.5)
            }
            results.append(y)
        }
        #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern))
        expectClose(results[1], naiveLRN(x, LRN(region: .acrossChannels, size: 5, alpha: 0.3, beta: 0.75, k: 1.5)).scalars)
    }

    @Test("BatchNorm with scale and shift, by hand")
    func batchNormByHand() throws {
        let y = try run1(.batchNorm(BatchNorm(epsilon: 0, hasScale: true, hasShift: true)),
                         Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4]),
                         parameters: ["mean": Tensor(shape: [2], scalars: [1, 2]),
                                      "variance": Tensor(shape: [2], scalars: [4, 9]),
                                      "scale": Tensor(shape: [2], scalars: [2, 3]),
                                      "shift": Tensor(shape: [2], scalars: [1, -1])])
        expectClose(y.scalars, [1, 2, 0, 1])
    }

    @Test("BatchNorm statistics only, with epsilon, on a 2-D input")
    func batchNormStatisticsOnly() throws {
        let x = randomTensor([3, 4], seed: 82), mean = randomTensor([4], seed: 83)
        let variance = randomTensor([4], seed: 84, in: 0.1...2)
        let y = try run1(.batchNorm(BatchNorm(epsilon: 1e-3)), x, parameters: ["mean": mean, "variance": variance])
        let expected = x.scalars.indices.map { i in
            (x.scalars[i] - mean.scalars[i % 4]) / (variance.scalars[i % 4] + 1e-3).squareRoot()
        }
        expectClose(y.scalars, expected)
    }

    @Test("Scale with a parameter per channel and a bias")
    func scaleParameter() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 85)
        let scale = Tensor(shape: [3], scalars: [2, -1, 0.5]), bias = Tensor(shape: [3], scalars: [1, 2, 3])
        let y = try run1(.scale(Scale(hasBias: true)), x, parameters: ["scale": scale, "bias": bias])
        let expected = x.scalars.indices.map { i in x.scalars[i] * scale.scalars[(i / 4) % 3] + bias.scalars[(i / 4) % 3] }
        expectClose(y.scalars, expected)
    }

    @Test("Scale over two axes (axis 1, axisCount 2)")
    func scaleTwoAxes() throws {
        let x = randomTensor([2, 3, 2, 4], seed: 86), scale = randomTensor([3, 2], seed: 87)
        let y = try run1(.scale(Scale(axis: 1, axisCount: 2)), x, parameters: ["scale": scale])
        let expected = x.scalars.indices.map { i in x.scalars[i] * scale.scalars[(i / 4) % 6] }
        expectClose(y.scalars, expected)
    }

    @Test("Scale with the factor as a second input (axis 0, per image and channel), plus bias")
    func scaleSecondInput() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 88), factor = randomTensor([2, 3], seed: 89)
        let bias = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let result = try run(.scale(Scale(axis: 0, axisCount: 2, hasBias: true)), [x, factor], parameters: ["bias": bias])
        let y = try #require(result["y"])
        let expected = x.scalars.indices.map { i in x.scalars[i] * factor.scalars[i / 4] + bias.scalars[i / 4] }
        expectClose(y.scalars, expected)
    }

    @Test("Bias adds one value per channel")
    func bias() throws {
        let x = iota([1, 2, 1, 3])
        let y = try run1(.bias(Bias()), x, parameters: ["bias": Tensor(shape: [2], scalars: [10, -10])])
        #expect(y.scalars == [10, 11, 12, -7, -6, -5])
    }
}
