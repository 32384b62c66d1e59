import Foundation
import GraftCore
@testable import GraftEngine
import GraftKernels
import Testing

/// One inner product `logits = W x + b` (2 inputs, 2 classes) on a batch of two, whose loss
/// gradient is easy to write down: `dW = (p - onehot) xᵀ / N`, `db = (p - onehot) / N`.
struct LinearProblem {
    static let x: [[Double]] = [[1, -2], [0.5, 1.5]]
    static let labels = [1, 0]
    static let w0: [Double] = [0.2, -0.1, 0.4, 0.3]   // [2 classes, 2 inputs]
    static let b0: [Double] = [0.05, -0.05]

    static func graph() throws -> Graph {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [2, 2])],
                          nodes: [Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 2)), inputs: ["x"])],
                          outputs: ["fc"])
        try graph.deriveParameterSpecs()
        return graph
    }

    static var weights: [String: Tensor] {
        ["fc.weight": Tensor(shape: [2, 2], scalars: w0.map(Float.init)), "fc.bias": Tensor(shape: [2], scalars: b0.map(Float.init))]
    }

    static var input: Tensor { Tensor(shape: [2, 2], scalars: x.flatMap { $0.map(Float.init) }) }

    /// The mean cross-entropy gradient at (w, b), in double precision.
    static func gradient(w: [Double], b: [Double]) -> (w: [Double], b: [Double]) {
        var gw = [Double](repeating: 0, count: 4), gb = [Double](repeating: 0, count: 2)
        for (n, xn) in x.enumerated() {
            let z = (0..<2).map { c in w[c * 2] * xn[0] + w[c * 2 + 1] * xn[1] + b[c] }
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let p = e.map { $0 / e.reduce(0, +) }
            for c in 0..<2 {
                let d = (p[c] - (labels[n] == c ? 1 : 0)) / Double(x.count)
                gb[c] += d
                gw[c * 2] += d * xn[0]
                gw[c * 2 + 1] += d * xn[1]
            }
        }
        return (gw, gb)
    }

    static func session(_ optimizer: Optimizer, metadata: TrainingMetadata? = nil) throws -> TrainingSession {
        try TrainingSession(graph: graph(), weights: weights, batchSize: 2, plan: TrainingPlan(metadata: metadata),
                            optimizer: optimizer)
    }
}

@Suite("Optimizers and learning-rate schedules")
struct OptimizerTests {
    /// Caffe's usual multipliers: biases learn twice as fast and are not decayed.
    static let caffeMultipliers = TrainingMetadata(parameters: [
        "fc.weight": .init(learningRateMultiplier: 1, decayMultiplier: 1),
        "fc.bias": .init(learningRateMultiplier: 2, decayMultiplier: 0),
    ])

    @Test("SGD: two steps match Caffe's update by hand (momentum, weight decay, lr/decay multipliers, step schedule)")
    func sgdTwoSteps() throws {
        let base = 0.1, momentum = 0.9, decay = 0.01
        let sgd = SGD(learningRate: Float(base), momentum: Float(momentum), weightDecay: Float(decay),
                      schedule: LearningRateSchedule(.step(stepSize: 1, gamma: 0.5)))
        let session = try LinearProblem.session(.sgd(sgd), metadata: Self.caffeMultipliers)

        // By hand: history = momentum * history + rate * lr_mult * (g + decay * decay_mult * w); w -= history.
        var w = LinearProblem.w0, b = LinearProblem.b0
        var hw = [Double](repeating: 0, count: 4), hb = [Double](repeating: 0, count: 2)
        for t in 0..<2 {
            let rate = base * pow(0.5, Double(t))
            #expect(abs(Double(session.learningRate) - rate) < 1e-7 * rate)
            let g = LinearProblem.gradient(w: w, b: b)
            for i in 0..<4 {
                hw[i] = momentum * hw[i] + rate * 1 * (g.w[i] + decay * 1 * w[i])
                w[i] -= hw[i]
            }
            for i in 0..<2 {
                hb[i] = momentum * hb[i] + rate * 2 * (g.b[i] + decay * 0 * b[i])
                b[i] -= hb[i]
            }
            try session.step(inputs: ["x": LinearProblem.input], labels: LinearProblem.labels)
        }
        let weights = session.weights()
        expectClose(weights["fc.weight"]!.scalars, w.map(Float.init), tolerance: 1e-6)
        expectClose(weights["fc.bias"]!.scalars, b.map(Float.init), tolerance: 1e-6)
        let state = session.optimizerState()
        expectClose(state["state.fc.weight.history"]!.scalars, hw.map(Float.init), tolerance: 1e-6)
        expectClose(state["state.fc.bias.history"]!.scalars, hb.map(Float.init), tolerance: 1e-6)
        #expect(state["state.iteration"]?.scalars == [2])
        #expect(session.iteration == 2)
    }

    @Test("Adam: two steps match the formulas by hand, with PyTorch's and Caffe's epsilon placement",
          arguments: [Adam.EpsilonPlacement.pytorch, .caffe])
    func adamTwoSteps(_ placement: Adam.EpsilonPlacement) throws {
        let rate = 0.01, beta1 = 0.8, beta2 = 0.9, epsilon = 0.05, decay = 0.1
        let adam = Adam(learningRate: Float(rate), beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon),
                        weightDecay: Float(decay), epsilonPlacement: placement)
        let session = try LinearProblem.session(.adam(adam), metadata: Self.caffeMultipliers)
        var w = LinearProblem.w0, b = LinearProblem.b0
        var mw = [Double](repeating: 0, count: 4), vw = mw, mb = [Double](repeating: 0, count: 2), vb = mb
        func update(_ p: inout Double, _ m: inout Double, _ v: inout Double, gradient: Double, rate r: Double, decay d: Double, n: Double) {
            let g = gradient + d * p
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            switch placement {
            case .pytorch: p -= r * (m / (1 - pow(beta1, n))) / ((v / (1 - pow(beta2, n))).squareRoot() + epsilon)
            case .caffe: p -= r * (1 - pow(beta2, n)).squareRoot() / (1 - pow(beta1, n)) * m / (v.squareRoot() + epsilon)
            }
        }
        for t in 1...2 {
            let g = LinearProblem.gradient(w: w, b: b)
            for i in 0..<4 { update(&w[i], &mw[i], &vw[i], gradient: g.w[i], rate: rate, decay: decay, n: Double(t)) }
            for i in 0..<2 { update(&b[i], &mb[i], &vb[i], gradient: g.b[i], rate: 2 * rate, decay: 0, n: Double(t)) }
            try session.step(inputs: ["x": LinearProblem.input], labels: LinearProblem.labels)
        }
        let weights = session.weights()
        expectClose(weights["fc.weight"]!.scalars, w.map(Float.init), tolerance: 1e-6)
        expectClose(weights["fc.bias"]!.scalars, b.map(Float.init), tolerance: 1e-6)
        let state = session.optimizerState()
        expectClose(state["state.fc.weight.m"]!.scalars, mw.map(Float.init), tolerance: 1e-6)
        expectClose(state["state.fc.weight.v"]!.scalars, vw.map(Float.init), tolerance: 1e-6)
        #expect(Set(state.keys) == ["state.fc.weight.m", "state.fc.weight.v", "state.fc.bias.m", "state.fc.bias.v", "state.iteration"])
    }

    @Test("step schedule: gamma^floor(t / stepSize)")
    func stepSchedule() {
        let s = LearningRateSchedule(.step(stepSize: 3, gamma: 0.1))
        let expected: [Double] = [1, 1, 1, 0.1, 0.1, 0.1, 0.01]
        // Parameters are Float (0.1 is not exact): compare at float precision.
        for (t, f) in expected.enumerated() { #expect(abs(s.factor(at: t) - f) < 1e-7 * f, "t = \(t)") }
        #expect(abs(s.rate(base: 0.01, at: 4) - 0.001) < 1e-10)
    }

    @Test("multistep schedule: gamma^(milestones passed)")
    func multistepSchedule() {
        let s = LearningRateSchedule(.multistep(milestones: [2, 5], gamma: 0.5))
        let expected: [Double] = [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
        for (t, f) in expected.enumerated() { #expect(s.factor(at: t) == f, "t = \(t)") }
    }

    @Test("poly schedule: (1 - t/T)^power, 0 from T on")
    func polySchedule() {
        let s = LearningRateSchedule(.poly(maxIterations: 10, power: 2))
        #expect(s.factor(at: 0) == 1)
        #expect(abs(s.factor(at: 5) - 0.25) < 1e-12)
        #expect(abs(s.factor(at: 9) - 0.01) < 1e-12)
        #expect(s.factor(at: 10) == 0)
        #expect(s.factor(at: 12) == 0)
    }

    @Test("cosine schedule: m + (1 - m)(1 + cos(πt/T))/2, m from T on")
    func cosineSchedule() {
        let s = LearningRateSchedule(.cosine(maxIterations: 10, minimumFactor: 0.1))
        #expect(s.factor(at: 0) == 1)
        #expect(abs(s.factor(at: 5) - 0.55) < 1e-7)
        #expect(abs(s.factor(at: 2) - (0.1 + 0.9 * (1 + cos(Double.pi * 0.2)) / 2)) < 1e-7)
        #expect(abs(s.factor(at: 10) - 0.1) < 1e-7)
        #expect(abs(s.factor(at: 25) - 0.1) < 1e-7)
    }

    @Test("linear warm-up multiplies the first iterations by s + (1 - s) t / W, on top of the decay")
    func warmup() {
        let fixed = LearningRateSchedule(.fixed, warmupIterations: 4, warmupStartFactor: 0.25)
        let expected: [Double] = [0.25, 0.4375, 0.625, 0.8125, 1, 1]
        for (t, f) in expected.enumerated() { #expect(abs(fixed.factor(at: t) - f) < 1e-12, "t = \(t)") }
        let stepped = LearningRateSchedule(.step(stepSize: 2, gamma: 0.5), warmupIterations: 4, warmupStartFactor: 0)
        #expect(stepped.factor(at: 0) == 0)
        #expect(abs(stepped.factor(at: 3) - 0.5 * 0.75) < 1e-12)
        #expect(abs(stepped.factor(at: 4) - 0.25) < 1e-12)
    }

    @Test("the session applies its schedule: learning rate per iteration")
    func sessionFollowsSchedule() throws {
        let sgd = SGD(learningRate: 0.2, momentum: 0, schedule: LearningRateSchedule(.multistep(milestones: [1, 2], gamma: 0.1)))
        let session = try LinearProblem.session(.sgd(sgd))
        var rates: [Float] = []
        for _ in 0..<3 {
            rates.append(session.learningRate)
            try session.step(inputs: ["x": LinearProblem.input], labels: LinearProblem.labels)
        }
        expectClose(rates, [0.2, 0.02, 0.002], tolerance: 1e-6)
    }

    @Test("optimizer state round-trips through named tensors: a restored session continues bit for bit")
    func stateRoundTrip() throws {
        let (graph, weights) = try tinyClassifier()
        let data = tinyDataset(count: 8, seed: 7)
        let optimizers: [Optimizer] = [.sgd(SGD(learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3)), .adam(Adam(learningRate: 1e-3))]
        for optimizer in optimizers {
            let original = try TrainingSession(graph: graph, weights: weights, batchSize: 8, plan: TrainingPlan(seed: 3), optimizer: optimizer)
            for _ in 0..<3 { try original.step(inputs: ["data": data.images], labels: data.labels) }
            let restored = try TrainingSession(graph: graph, weights: original.weights(), batchSize: 8, plan: TrainingPlan(seed: 3),
                                               optimizer: optimizer)
            let state = original.optimizerState()
            #expect(state.keys.allSatisfy { $0.hasPrefix("state.") })
            try restored.loadOptimizerState(state)
            #expect(restored.iteration == 3)
            let a = try original.step(inputs: ["data": data.images], labels: data.labels)
            let b = try restored.step(inputs: ["data": data.images], labels: data.labels)
            #expect(a == b)
            #expect(original.weights() == restored.weights())
            #expect(original.optimizerState() == restored.optimizerState())
        }
    }

    @Test("importing optimizer state checks names and shapes and changes nothing on error")
    func stateErrors() throws {
        let session = try LinearProblem.session(.sgd(SGD(learningRate: 0.1)))
        try session.step(inputs: ["x": LinearProblem.input], labels: LinearProblem.labels)
        let good = session.optimizerState()
        var missing = good
        missing["state.fc.bias.history"] = nil
        #expect(throws: ExecutionError.invalidOptimizerState("'state.fc.bias.history' is missing")) { try session.loadOptimizerState(missing) }
        var wrong = good
        wrong["state.fc.weight.history"] = Tensor(shape: [4], repeating: 0)
        #expect(throws: ExecutionError.invalidOptimizerState("'state.fc.weight.history' has shape 4, expected 2x2")) {
            try session.loadOptimizerState(wrong)
        }
        var noCount = good
        noCount["state.iteration"] = nil
        #expect(throws: ExecutionError.self) { try session.loadOptimizerState(noCount) }
        #expect(session.optimizerState() == good)
    }
}

@Suite("Gradient norm")
struct GradientNormTests {
    /// The blocked single-precision sum is close to a double-precision reference, covers tails
    /// (counts that are no multiple of 16 or of a block), and is the same value whether its
    /// blocks run on one core or several.
    @Test("sum of squares: close to double precision, every element counted, independent of the split")
    func sumOfSquares() {
        var random = SeededGenerator(seed: 5)
        for count in [0, 1, 15, 17, 16_384, 16_385, 200_003] {
            let x = (0..<count).map { _ in Float.random(in: -3...3, using: &random) }
            let reference = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            let serial = x.withUnsafeBufferPointer { OptimizerKernels.sumOfSquares($0.baseAddress!, count: count) }
            let split = Parallel.$minimumWorkOverride.withValue(0) {
                x.withUnsafeBufferPointer { OptimizerKernels.sumOfSquares($0.baseAddress!, count: count) }
            }
            #expect(abs(serial - reference) <= 1e-6 * max(reference, 1), "count \(count)")
            #expect(serial.bitPattern == split.bitPattern, "count \(count)")
        }
        // One large value among many small ones: single-precision blocks keep the relative error
        // at float's resolution.
        var spike = [Float](repeating: 1e-3, count: 50_000)
        spike[40_001] = 1e3
        let norm = spike.withUnsafeBufferPointer { OptimizerKernels.sumOfSquares($0.baseAddress!, count: spike.count) }
        let exact = 1e6 + 49_999 * Double(Float(1e-3)) * Double(Float(1e-3))
        #expect(abs(norm - exact) <= 1e-7 * exact)
    }
}
