import GraftCore
@testable import GraftEngine
@testable import GraftKernels
import Testing

/// SGD applied to fully connected weights while their gradients are computed
/// (`TrainingSession.keepsGradients = false`) must leave exactly what the gradient and the
/// separate update leave.
@Suite("SGD fused into the fully connected weight gradient")
struct FusedUpdateTests {
    /// (rows, inputs, outputs, floats per block): one block, many blocks with a partial last one,
    /// a panel-partial width, a large layer that two workers share, inputs wider than the slice
    /// of the packed input the vector kernel keeps in cache (64 K floats: 1632 columns at 40 rows;
    /// the second slice ends in a partial panel).
    static let shapes: [(rows: Int, inputs: Int, outputs: Int, blockFloats: Int)] = [
        (3, 37, 29, 1 << 18), (3, 37, 29, 100), (32, 200, 45, 1000), (1, 16, 7, 16), (8, 600, 300, 5000),
        (40, 1700, 13, 1 << 18),
    ]

    @Test("the kernel: weight, history, input and bias gradients = backward + OptimizerKernels.sgd, bit for bit on every vector instruction set",
          arguments: [PanelKernels.InstructionSet.none] + PanelKernelTests.instructionSets)
    func kernelMatchesSeparateUpdate(_ isa: PanelKernels.InstructionSet) {
        for (index, shape) in Self.shapes.enumerated() {
            let (rows, inputs, outputs, blockFloats) = shape
            let seed = UInt64(100 + 10 * index)
            let x = randomTensor([rows, inputs], seed: seed).scalars
            let dy = randomTensor([rows, outputs], seed: seed + 1).scalars
            let w0 = randomTensor([outputs, inputs], seed: seed + 2).scalars
            let h0 = randomTensor([outputs, inputs], seed: seed + 3, in: -0.01...0.01).scalars
            let (rate, momentum, decay): (Float, Float, Float) = (0.01, 0.9, 5e-4)
            let scratchCount = InnerProductKernels.backwardScratchCount(rows: rows, outputCount: outputs)

            var (w1, h1) = (w0, h0)
            var dx1 = [Float](repeating: .nan, count: rows * inputs), db1 = [Float](repeating: .nan, count: outputs)
            var dw = [Float](repeating: .nan, count: outputs * inputs), scratch = [Float](repeating: 0, count: scratchCount)
            PanelKernels.$override.withValue(isa) {
                InnerProductKernels.backward(input: x, weight: w1, outputGradient: dy, inputGradient: &dx1, weightGradient: &dw,
                                             biasGradient: &db1, rows: rows, inputCount: inputs, outputCount: outputs, scratch: &scratch)
                OptimizerKernels.sgd(weight: &w1, gradient: dw, history: &h1, count: w1.count, rate: rate, momentum: momentum, decay: decay)
            }

            var (w2, h2) = (w0, h0)
            var dx2 = [Float](repeating: .nan, count: rows * inputs), db2 = [Float](repeating: .nan, count: outputs)
            h2.withUnsafeMutableBufferPointer { history in
                let update = InnerProductKernels.FusedSGD(history: history.baseAddress!, rate: rate, momentum: momentum, decay: decay)
                PanelKernels.$override.withValue(isa) {
                    InnerProductKernels.$fusedGradientFloats.withValue(blockFloats) {
                        InnerProductKernels.backward(input: x, weight: &w2, outputGradient: dy, inputGradient: &dx2, updating: update,
                                                     biasGradient: &db2, rows: rows, inputCount: inputs, outputCount: outputs,
                                                     scratch: &scratch)
                    }
                }
            }
            #expect(w2 != w0, "\(isa) \(shape): the weight did not change")
            #expect(dx2.map(\.bitPattern) == dx1.map(\.bitPattern), "\(isa) \(shape): input gradient (from the weight before the update)")
            #expect(db2.map(\.bitPattern) == db1.map(\.bitPattern), "\(isa) \(shape): bias gradient")
            if isa == .none {
                // OpenBLAS may pick other kernels for a block of rows than for the whole product.
                expectClose(w2, w1, tolerance: 1e-6)
                expectClose(h2, h1, tolerance: 1e-6)
            } else {
                #expect(w2.map(\.bitPattern) == w1.map(\.bitPattern), "\(isa) \(shape): weight")
                #expect(h2.map(\.bitPattern) == h1.map(\.bitPattern), "\(isa) \(shape): history")
            }
        }
    }

    /// x[6, 10] → fc1 (16) → ReLU → fc2 (3), Caffe's multipliers (biases twice the rate, no decay).
    static func session(keepsGradients: Bool, clip: Float? = nil, adam: Bool = false) throws -> TrainingSession {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [6, 10])],
                          nodes: [Node(name: "fc1", op: .innerProduct(InnerProduct(outputCount: 16)), inputs: ["x"]),
                                  Node(name: "relu", op: .relu(ReLU()), inputs: ["fc1"]),
                                  Node(name: "fc2", op: .innerProduct(InnerProduct(outputCount: 3)), inputs: ["relu"])],
                          outputs: ["fc2"])
        try graph.deriveParameterSpecs()
        let weights = ["fc1.weight": randomTensor([16, 10], seed: 1), "fc1.bias": randomTensor([16], seed: 2),
                       "fc2.weight": randomTensor([3, 16], seed: 3), "fc2.bias": randomTensor([3], seed: 4)]
        let metadata = TrainingMetadata(parameters: [
            "fc1.bias": .init(learningRateMultiplier: 2, decayMultiplier: 0), "fc2.bias": .init(learningRateMultiplier: 2, decayMultiplier: 0),
            "fc2.weight": .init(learningRateMultiplier: 3, decayMultiplier: 2),
        ])
        let schedule = LearningRateSchedule(.step(stepSize: 2, gamma: 0.5))
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 6, plan: TrainingPlan(metadata: metadata),
                                          optimizer: adam ? .adam(Adam(learningRate: 0.01))
                                                          : .sgd(SGD(learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3, schedule: schedule)))
        session.keepsGradients = keepsGradients
        session.gradientClipNorm = clip
        return session
    }

    @Test("a session that keeps no gradients trains to the same weights, bit for bit, and says it has no gradients")
    func sessionMatchesKeptGradients() throws {
        let kept = try Self.session(keepsGradients: true), fused = try Self.session(keepsGradients: false)
        for step in 0..<4 {
            let x = randomTensor([6, 10], seed: UInt64(50 + step))
            let labels = (0..<6).map { ($0 + step) % 3 }
            let lossKept = try kept.step(inputs: ["x": x], labels: labels)
            let lossFused = try fused.step(inputs: ["x": x], labels: labels)
            #expect(lossKept.bitPattern == lossFused.bitPattern, "step \(step): loss")
        }
        let a = kept.weights(), b = fused.weights()
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in a.keys.sorted() {
            #expect(a[key]!.scalars.map(\.bitPattern) == b[key]!.scalars.map(\.bitPattern), "\(key)")
        }
        #expect(a["fc1.weight"]! != (try Self.session(keepsGradients: true)).weights()["fc1.weight"]!, "training changed nothing")
        for (key, buffer) in kept.optimizerState() {
            #expect(buffer.scalars.map(\.bitPattern) == fused.optimizerState()[key]!.scalars.map(\.bitPattern), "\(key)")
        }
        #expect(kept.gradient(of: "fc1.weight") != nil && kept.lastGradientNorm != nil)
        #expect(fused.gradient(of: "fc1.weight") == nil && fused.gradient(of: "fc2.weight") == nil)
        #expect(fused.gradient(of: "fc2.bias") != nil, "biases are updated after the backward pass, from kept gradients")
        #expect(fused.lastGradientNorm == nil)
    }

    @Test("with gradient clipping, or with Adam (not fused), every gradient is kept")
    func clippingKeepsGradients() throws {
        for session in [try Self.session(keepsGradients: false, clip: 0.5), try Self.session(keepsGradients: false, adam: true)] {
            try session.step(inputs: ["x": randomTensor([6, 10], seed: 7)], labels: [0, 1, 2, 0, 1, 2])
            #expect(session.gradient(of: "fc1.weight") != nil)
            #expect(session.lastGradientNorm != nil)
        }
    }
}
