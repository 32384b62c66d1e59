import Foundation
import GraftCore
import GraftKernels
import Testing

/// An activation function and its formula written in Double.
struct ActivationCase: CustomTestStringConvertible, Sendable {
    let function: Activation
    let formula: @Sendable (Double) -> Double
    var testDescription: String { function.name }

    static let all: [ActivationCase] = [
        .init(function: .elu(alpha: 0.7)) { $0 > 0 ? $0 : 0.7 * (exp($0) - 1) },
        .init(function: .selu) { 1.0507009873554805 * ($0 > 0 ? $0 : 1.6732632423543772 * (exp($0) - 1)) },
        .init(function: .sigmoid) { 1 / (1 + exp(-$0)) },
        .init(function: .tanh) { tanh($0) },
        .init(function: .hardSigmoid) { min(max(0.2 * $0 + 0.5, 0), 1) },
        .init(function: .hardSigmoidOneSixth) { min(max($0 / 6 + 0.5, 0), 1) },
        .init(function: .swish) { $0 / (1 + exp(-$0)) },
        .init(function: .softplus) { log(1 + exp($0)) },
        .init(function: .hardSwish) { $0 * min(max($0 + 3, 0), 6) / 6 },
        .init(function: .gelu(approximate: false)) { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) },
        .init(function: .gelu(approximate: true)) { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) },
    ]
}

@Suite("Activations")
struct ActivationTests {
    let ramp = Tensor(shape: [1, 2, 1, 4], scalars: [-3, -1, -0.25, 0, 0.25, 1, 3, 8])

    @Test("ReLU variants", arguments: [
        (ReLU(), [Float(0), 0, 0, 0, 0.25, 1, 3, 8]),
        (ReLU(negativeSlope: 0.1), [-0.3, -0.1, -0.025, 0, 0.25, 1, 3, 8]),
        (ReLU(maxValue: 6), [0, 0, 0, 0, 0.25, 1, 3, 6]),
        (ReLU(threshold: 1), [0, 0, 0, 0, 0, 0, 3, 8]),
        (ReLU(negativeSlope: 0.5, maxValue: 2, threshold: 0.5), [-1.75, -0.75, -0.375, -0.25, -0.125, 1, 2, 2]),
    ])
    func relu(_ p: ReLU, _ expected: [Float]) throws {
        expectClose(try run1(.relu(p), ramp).scalars, expected)
    }

    @Test("PReLU with one slope per channel and with a shared slope")
    func prelu() throws {
        let perChannel = try run1(.prelu(PReLU()), ramp, parameters: ["slope": Tensor(shape: [2], scalars: [0.1, 0.5])])
        expectClose(perChannel.scalars, [-0.3, -0.1, -0.025, 0, 0.25, 1, 3, 8])
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [-2, 2, -4, 4])
        let shared = try run1(.prelu(PReLU(channelShared: true)), x, parameters: ["slope": Tensor(shape: [1], scalars: [0.25])])
        #expect(shared.scalars == [-0.5, 2, -1, 4])
    }

    @Test("matches its formula", arguments: ActivationCase.all)
    func activation(_ c: ActivationCase) throws {
        let x = randomTensor([2, 3, 4, 5], seed: 91, in: -6...6)
        let y = try run1(.activation(c.function), x)
        expectClose(y.scalars, x.scalars.map { Float(c.formula(Double($0))) })
    }

    @Test("sigmoid and softplus stay finite for large inputs")
    func extremeInputs() throws {
        let x = Tensor(shape: [1, 4], scalars: [-100, -30, 30, 100])
        let sigmoid = try run1(.activation(.sigmoid), x)
        expectClose(sigmoid.scalars, [0, Float(1 / (1 + exp(30.0))), 1, 1])
        let softplus = try run1(.activation(.softplus), x)
        #expect(softplus.scalars.allSatisfy { $0.isFinite })
        expectClose(softplus.scalars, [0, Float(log1p(exp(-30.0))), 30, 100])
    }

    @Test("Power: (shift + scale * x) ^ power", arguments: [
        (Power(power: 2, scale: 2, shift: 1), [Float(1), 9, 25]),
        (Power(power: 1, scale: -1, shift: 3), [3, 2, 1]),
        (Power(power: 0.5, scale: 4, shift: 1), [1, Float(5).squareRoot(), 3]),
        (Power(power: -1, scale: 1, shift: 1), [1, 0.5, Float(1) / 3]),
    ])
    func power(_ p: Power, _ expected: [Float]) throws {
        let x = Tensor(shape: [1, 3], scalars: [0, 1, 2])
        let y = try run1(.power(p), x)
        expectClose(y.scalars, x.scalars.map { Float(pow(Double(p.shift) + Double(p.scale) * Double($0), Double(p.power))) })
        expectClose(y.scalars, expected, tolerance: 1e-4)
    }

    @Test("Softmax over channels: rows sum to 1 and match exp(x)/Σexp(x)")
    func softmaxChannels() throws {
        let x = randomTensor([2, 5, 2, 3], seed: 92, in: -4...4)
        let y = try run1(.softmax(Softmax(axis: 1)), x)
        let s = x.shape
        for n in 0..<2 { for h in 0..<2 { for w in 0..<3 {
            let logits = (0..<5).map { Double(x.scalars[at(s, n, $0, h, w)]) }
            let total = logits.map(exp).reduce(0, +)
            let probabilities = (0..<5).map { y.scalars[at(s, n, $0, h, w)] }
            expectClose(probabilities, logits.map { Float(exp($0) / total) })
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
        } } }
    }

    @Test("Softmax on the last axis is stable for large logits")
    func softmaxLastAxisStable() throws {
        let y = try run1(.softmax(Softmax(axis: -1)), Tensor(shape: [2, 3], scalars: [1000, 1001, 1002, -5, 0, 5]))
        let a = [exp(-2.0), exp(-1.0), 1], b = [exp(-10.0), exp(-5.0), 1]
        expectClose(y.scalars, (a.map { $0 / a.reduce(0, +) } + b.map { $0 / b.reduce(0, +) }).map(Float.init))
    }
}

extension ActivationTests {
    @Test("vector Sigmoid and Swish: within a few ulp of the portable loop, the same special values", arguments: [false, true])
    func vectorSigmoid(swish: Bool) throws {
        try #require(PanelKernels.supported >= .avx2, "no AVX2: only the portable loop runs")
        let function: Activation = swish ? .swish : .sigmoid
        // A fine ramp over the whole range (tails included), then the special values; 1003 values,
        // so that the last vector is part-filled and 2 workers split them.
        var x = (0..<987).map { Float(-110 + 220 * Double($0) / 986) }
        x += [0, -0, .infinity, -.infinity, .nan, 88.72, -87.5, -104, 1e-8, -1e-8, 17, -17, 0.6851, -0.6851, 1e-30, -1e-30]
        func run(_ isa: PanelKernels.InstructionSet) -> [Float] {
            var y = [Float](repeating: 7, count: x.count)
            PanelKernels.$override.withValue(isa) {
                Parallel.$minimumWorkOverride.withValue(0) { ActivationKernels.apply(function, input: x, output: &y, count: x.count) }
            }
            return y
        }
        let vector = run(.avx2), portable = run(.none)
        var worst: Float = 0
        for i in x.indices {
            let (v, p) = (vector[i], portable[i])
            if p.isNaN || p.isInfinite || p == 0 {
                #expect(v.bitPattern == p.bitPattern || (v.isNaN && p.isNaN), "x = \(x[i]): \(v), portable \(p)")
                continue
            }
            // Results below the normal range are compared absolutely.
            let error = abs(v - p) / max(abs(p), Float.leastNormalMagnitude)
            worst = max(worst, error)
        }
        #expect(worst <= 5 * Float.ulpOfOne / 2, "worst relative difference \(worst)")
        #expect(worst > 0, "the vector path did not run")
    }
}
