import Foundation
import GraftCore
import GraftZoo
@testable import GraftEngine
import GraftKernels
import Testing

/// conv(3→4, 3x3, pad 1) → relu → max pool 2 → inner product (2) → softmax, on 3x8x8 images.
func tinyClassifier(seed: UInt64 = 11) throws -> (Graph, [String: Tensor]) {
    var b = GraphBuilder(name: "tiny", input: "data", shape: [1, 3, 8, 8])
    b.conv("conv", 4, kernel: 3, pad: 1)
    b.relu("relu")
    b.pool("pool", .max, kernel: 2, stride: 2)
    b.innerProduct("fc", 2)
    b.softmax("prob")
    let graph = b.graph
    return (graph, graph.randomWeights(seed: seed))
}

/// A deeper net for the frozen-prefix tests: two conv stages, a hidden fully connected layer with
/// dropout, a classifier. Input 3x8x8.
func twoStageClassifier(seed: UInt64 = 12) throws -> (Graph, [String: Tensor]) {
    var b = GraphBuilder(name: "two-stage", input: "data", shape: [1, 3, 8, 8])
    b.conv("conv1", 4, kernel: 3, pad: 1)
    b.relu("relu1")
    b.pool("pool1", .max, kernel: 2, stride: 2)
    b.conv("conv2", 6, kernel: 3, pad: 1)
    b.relu("relu2")
    b.pool("pool2", .average, kernel: 2, stride: 2)
    b.innerProduct("fc1", 16)
    b.relu("relu3")
    b.dropout("drop")
    b.innerProduct("fc2", 3)
    b.softmax("prob")
    let graph = b.graph
    return (graph, graph.randomWeights(seed: seed))
}

struct TinyDataset {
    let images: Tensor
    let labels: [Int]
}

/// `count` random 3x8x8 images with random labels in `0..<classes`.
func tinyDataset(count: Int, classes: Int = 2, seed: UInt64) -> TinyDataset {
    var generator = SeededGenerator(seed: seed &+ 1000)
    let labels = (0..<count).map { _ in Int.random(in: 0..<classes, using: &generator) }
    return TinyDataset(images: randomTensor([count, 3, 8, 8], seed: seed), labels: labels)
}

/// Images `range` of a batch tensor.
func slice(_ t: Tensor, _ range: Range<Int>) -> Tensor {
    let per = t.shape.count(from: 1)
    return Tensor(shape: Shape([range.count] + t.shape.dims.dropFirst()), scalars: Array(t.scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
}

@Suite("TrainingSession")
struct TrainingSessionTests {
    @Test("a tiny net overfits 16 random images of 2 classes (loss < 0.05, 100 % accuracy), identically on two runs")
    func overfitsDeterministically() throws {
        let (graph, weights) = try tinyClassifier()
        let data = tinyDataset(count: 16, seed: 21)
        #expect(Set(data.labels) == [0, 1])
        func train() throws -> (losses: [Float], probabilities: Tensor) {
            let session = try TrainingSession(graph: graph, weights: weights, batchSize: 16, plan: TrainingPlan(seed: 5),
                                              optimizer: .sgd(SGD(learningRate: 0.1, momentum: 0.9)))
            var losses: [Float] = []
            for _ in 0..<150 { losses.append(try session.step(inputs: ["data": data.images], labels: data.labels)) }
            return (losses, try session.evaluate(inputs: ["data": data.images]))
        }
        let first = try train()
        let second = try train()
        #expect(first.losses == second.losses)
        #expect(first.probabilities == second.probabilities)
        #expect(first.losses[0] > 0.3)
        let final = first.losses.last!
        #expect(final < 0.05, "final loss \(final)")
        let predicted = (0..<16).map { n in first.probabilities.scalars[n * 2 + 1] > first.probabilities.scalars[n * 2] ? 1 : 0 }
        #expect(predicted == data.labels)
    }

    /// Clipping scales the whole update: plain SGD moves every weight by exactly a quarter of the
    /// unclipped step when the norm is clipped to a quarter; a norm under the limit is untouched.
    @Test("gradient clipping by global norm")
    func gradientClipping() throws {
        let (graph, weights) = try tinyClassifier()
        let data = tinyDataset(count: 8, seed: 3)
        func oneStep(clip: Float?) throws -> (weights: [String: Tensor], norm: Double) {
            let session = try TrainingSession(graph: graph, weights: weights, batchSize: 8, plan: TrainingPlan(seed: 1),
                                              optimizer: .sgd(SGD(learningRate: 0.5, momentum: 0)))
            session.gradientClipNorm = clip
            try session.step(inputs: ["data": data.images], labels: data.labels)
            return (session.weights(), try #require(session.lastGradientNorm))
        }
        let free = try oneStep(clip: nil)
        #expect(free.norm > 0 && free.norm.isFinite)
        let clipped = try oneStep(clip: Float(free.norm / 4))
        #expect(abs(clipped.norm - free.norm) < 1e-9 * free.norm, "the reported norm is the one before clipping")
        let loose = try oneStep(clip: Float(free.norm * 2))
        var checked = 0
        for (key, original) in weights {
            let a = try #require(free.weights[key]), b = try #require(clipped.weights[key]), c = try #require(loose.weights[key])
            for i in original.scalars.indices {
                let full = a.scalars[i] - original.scalars[i], quarter = b.scalars[i] - original.scalars[i]
                #expect(abs(quarter - full / 4) <= 1e-6 * max(1, abs(full)), "\(key)[\(i)]")
                #expect(c.scalars[i] == a.scalars[i])
                if full != 0 { checked += 1 }
            }
        }
        #expect(checked > 10)
    }

    @Test("the frozen prefix: no gradient buffers, no backward pass, parameters unchanged")
    func frozenPrefix() throws {
        let (graph, weights) = try twoStageClassifier()
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: TrainingPlan(trainableFrom: "conv2"),
                                          optimizer: .sgd(SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)))
        #expect(session.frozenPrefix == ["conv1", "relu1", "pool1"])
        #expect(session.trainedParameters == ["conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        // Backward runs from the classifier down to conv2 and stops there; the Softmax is fused.
        #expect(session.backwardNodes == ["fc2", "drop", "relu3", "fc1", "pool2", "relu2", "conv2"])
        #expect(session.featureNames == ["pool1"])

        let engine = session.engine
        let ids = engine.execution.valueIDs
        for value in ["data", "conv1", "relu1", "pool1", "prob"] { #expect(engine.gradients[ids[value]!.index] == nil, "\(value)") }
        for value in ["conv2", "fc1", "fc2"] { #expect(engine.gradients[ids[value]!.index] != nil, "\(value)") }
        let conv1 = engine.execution.layers[0].parameters
        #expect(conv1.allSatisfy { $0.gradient == nil })
        // conv2's backward computes its weight gradient but no input gradient.
        let conv2Step = try #require(engine.backwardSteps.last)
        #expect(conv2Step.layer.node == "conv2")
        #expect(conv2Step.context.inputGradients == [nil])

        let data = tinyDataset(count: 4, classes: 3, seed: 22)
        for _ in 0..<3 { try session.step(inputs: ["data": data.images], labels: data.labels) }
        let after = session.weights()
        #expect(after["conv1.weight"] == weights["conv1.weight"])
        #expect(after["conv1.bias"] == weights["conv1.bias"])
        #expect(after["conv2.weight"] != weights["conv2.weight"])
        #expect(after["fc2.bias"] != weights["fc2.bias"])
        #expect(session.gradient(of: "conv1.weight") == nil)
        #expect(session.gradient(of: "conv2.weight") != nil)
    }

    @Test("frozen flags and lr_mult 0 from training metadata freeze parameters; the prefix then ends at the first trainable node")
    func metadataFreezes() throws {
        let (graph, weights) = try twoStageClassifier()
        let metadata = TrainingMetadata(parameters: [
            "conv1.weight": .init(frozen: true), "conv1.bias": .init(frozen: true),
            "conv2.weight": .init(learningRateMultiplier: 0), "conv2.bias": .init(learningRateMultiplier: 0),
            "fc1.bias": .init(frozen: true),
        ])
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(metadata: metadata),
                                          optimizer: .sgd(SGD(learningRate: 0.1)))
        #expect(session.frozenPrefix == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"])
        #expect(session.trainedParameters == ["fc1.weight", "fc2.weight", "fc2.bias"])
        #expect(session.backwardNodes == ["fc2", "drop", "relu3", "fc1"])
        let data = tinyDataset(count: 2, classes: 3, seed: 23)
        try session.step(inputs: ["data": data.images], labels: data.labels)
        let after = session.weights()
        #expect(after["fc1.bias"] == weights["fc1.bias"])
        #expect(after["fc1.weight"] != weights["fc1.weight"])
        // Explicitly frozen parameters by name, and unknown names are errors.
        let named = try TrainingSession(graph: graph, weights: weights, batchSize: 2,
                                        plan: TrainingPlan(trainableFrom: "fc1", frozenParameters: ["fc2.bias"]),
                                        optimizer: .sgd(SGD(learningRate: 0.1)))
        #expect(named.trainedParameters == ["fc1.weight", "fc1.bias", "fc2.weight"])
        #expect(throws: ExecutionError.unknownParameter("fc9.bias")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(frozenParameters: ["fc9.bias"]),
                                optimizer: .sgd(SGD(learningRate: 0.1)))
        }
        #expect(throws: ExecutionError.unknownNode("fc9")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(trainableFrom: "fc9"),
                                optimizer: .sgd(SGD(learningRate: 0.1)))
        }
    }

    @Test("training from cached prefix features gives bit-identical losses and weights (dropout in the trainable part)")
    func cachedFeaturesBitIdentical() throws {
        let (graph, weights) = try twoStageClassifier()
        let data = tinyDataset(count: 12, classes: 3, seed: 24)
        let plan = TrainingPlan(trainableFrom: "conv2", seed: 77)
        let optimizer = Optimizer.sgd(SGD(learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4))
        let direct = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: plan, optimizer: optimizer)
        let cached = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: plan, optimizer: optimizer)

        // Cache the prefix once per image, in batches of the session's size.
        var cache = FeatureCache(session: cached)
        for start in stride(from: 0, to: 12, by: 4) {
            cache.append(try cached.prefixFeatures(inputs: ["data": slice(data.images, start..<(start + 4))]))
        }
        #expect(cache.count == 12)
        #expect(cache.imageShapes == ["pool1": [4, 4, 4]])

        // Three epochs over shuffled batches.
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<3 {
            let order = Array(0..<12).shuffled(using: &generator)
            for start in stride(from: 0, to: 12, by: 4) {
                let indices = Array(order[start..<(start + 4)])
                let images = Tensor(shape: [4, 3, 8, 8], scalars: indices.flatMap { slice(data.images, $0..<($0 + 1)).scalars })
                let labels = indices.map { data.labels[$0] }
                let a = try direct.step(inputs: ["data": images], labels: labels)
                let b = try cached.step(features: cache.batch(indices), labels: labels)
                #expect(a == b)
            }
        }
        #expect(direct.weights() == cached.weights())
        #expect(direct.optimizerState() == cached.optimizerState())
        let image = slice(data.images, 0..<4)
        #expect(try direct.evaluate(inputs: ["data": image]) == cached.evaluate(features: cached.prefixFeatures(inputs: ["data": image])))
    }

    @Test("steady state allocates no buffer: every address stays fixed across steps")
    func noAllocationPerStep() throws {
        let (graph, weights) = try twoStageClassifier()
        let data = tinyDataset(count: 4, classes: 3, seed: 25)
        let counter = BufferAllocations()
        let session = try BufferAllocations.$counter.withValue(counter) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: TrainingPlan(trainableFrom: "conv2"),
                                optimizer: .adam(Adam()))
        }
        #expect(counter.buffers > 0)   // planning allocates (and is counted)
        let engine = session.engine
        func addresses() -> [UInt] {
            var result = engine.execution.values.buffers.map { UInt(bitPattern: $0.pointer) }
            result += engine.gradients.map { $0.map { UInt(bitPattern: $0.pointer) } ?? 0 }
            result += [UInt(bitPattern: engine.scratch.pointer), UInt(bitPattern: engine.staging.pointer)]
            for e in session.state.entries {
                result += [UInt(bitPattern: e.parameter.pointer), UInt(bitPattern: e.parameter.gradient!.pointer)]
                result += e.slots.map { UInt(bitPattern: $0.pointer) }
            }
            return result
        }
        let before = addresses()
        let planned = counter.buffers
        try BufferAllocations.$counter.withValue(counter) {
            for _ in 0..<3 {
                try session.step(inputs: ["data": data.images], labels: data.labels)
                try session.step(features: session.prefixFeatures(inputs: ["data": data.images]), labels: data.labels)
                _ = try session.evaluate(inputs: ["data": data.images])
            }
        }
        #expect(counter.buffers == planned, "\(counter.buffers - planned) buffers allocated while training")
        #expect(addresses() == before)
    }

    @Test("a fully connected weight is held once: transposed in an inference plan, as stored in a training plan")
    func innerProductWeightHeldOnce() throws {
        let op = InnerProduct(outputCount: 50)
        let graph = try singleNodeGraph(.innerProduct(op), inputShapes: [[2, 40]])
        let weights = ["node.weight": randomTensor([50, 40], seed: 3), "node.bias": randomTensor([50], seed: 4)]
        let counter = BufferAllocations()
        let executor = try BufferAllocations.$counter.withValue(counter) {
            try ForwardExecutor(graph: graph, weights: weights)
        }
        // Values (80 + 100 floats), bias (50) and one 2000-float weight: a second copy would pass 4000.
        #expect(counter.floats < 2 * 2000)
        let layer = try #require(executor.plan.layers.first as? InnerProductLayer)
        #expect(layer.weight == nil)
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(),
                                          optimizer: .sgd(SGD(learningRate: 0.1)))
        let trained = try #require(session.engine.execution.layers.first as? InnerProductLayer)
        #expect(trained.weight?.count == 2000)
        // Both give the same product (the inference plan multiplies by its transposed copy).
        let x = randomTensor([2, 40], seed: 5)
        let inference = try executor.run(inputs: ["x": x])["y"]!
        let reference = naiveInnerProduct(x, weight: weights["node.weight"]!, bias: weights["node.bias"]!, axis: 1)
        expectClose(inference, reference)
    }

    @Test("a Winograd convolution in an inference plan keeps only its transformed weights; training keeps the stored ones")
    func winogradWeightHeldOnce() throws {
        // 16 channels are too few for the engine's own choice of Winograd: pinned for the test.
        try ConvolutionKernels.$forcedStrategy.withValue(.winograd) { try winogradWeightHeldOnceBody() }
    }

    private func winogradWeightHeldOnceBody() throws {
        let op = Convolution(outputChannels: 16, kernel: [3, 3], padBegin: [1, 1])
        let graph = try singleNodeGraph(.convolution(op), inputShapes: [[2, 16, 5, 6]])
        let weights = ["node.weight": randomTensor([16, 16, 3, 3], seed: 7), "node.bias": randomTensor([16], seed: 8)]
        let executor = try ForwardExecutor(graph: graph, weights: weights)
        let layer = try #require(executor.plan.layers.first as? ConvolutionLayer)
        #expect(layer.strategy == .winograd)
        #expect(layer.weight == nil)
        let training = try BackpropagationPlan(graph: graph, weights: weights, batchSize: nil, plan: TrainingPlan(), checksLoss: false)
        let trained = try #require(training.execution.layers.first as? ConvolutionLayer)
        #expect(trained.weight?.count == 16 * 16 * 9)
        let x = randomTensor([2, 16, 5, 6], seed: 9)
        expectClose(try executor.run(inputs: ["x": x])["y"]!,
                    naiveConvolution(x, weight: weights["node.weight"]!, bias: weights["node.bias"]!, op), tolerance: 1e-4)
    }

    @Test("training: F(4, 3) forward where the backward pass runs F(2, 3) on maps the 4x4 tiles fit, the output lanes where it runs the panels; the gradients' path unchanged")
    func winograd43TrainingForward() throws {
        guard PanelKernels.active != .none, Parallel.workers > 1 else { return }
        func layer(side: Int) throws -> ConvolutionLayer {
            let op = Convolution(outputChannels: 64, kernel: [3, 3], padBegin: [1, 1])
            let graph = try singleNodeGraph(.convolution(op), inputShapes: [[2, 64, side, side]])
            let weights = ["node.weight": randomTensor([64, 64, 3, 3], seed: 7), "node.bias": randomTensor([64], seed: 8)]
            let training = try BackpropagationPlan(graph: graph, weights: weights, batchSize: nil, plan: TrainingPlan(), checksLoss: false)
            return try #require(training.execution.layers.first as? ConvolutionLayer)
        }
        try ConvolutionKernels.$forcedStrategy.withValue(.winograd) {
            let fitting = try layer(side: 28)  // 49 tiles per image, none overhanging
            #expect(fitting.strategy == .winograd && fitting.forwardStrategy == .winograd4)
            #expect(fitting.weight != nil)
            let overhanging = try layer(side: 14)  // 16x16 computed for 14x14: 23% wasted
            #expect(overhanging.forwardStrategy == .winograd)
        }
        // Where the backward pass runs the panels, the forward pass takes the output lanes (their bits).
        let panels = try ConvolutionKernels.$forcedStrategy.withValue(.imageParallel) { try layer(side: 28) }
        #expect(panels.strategy == .imageParallel && panels.forwardStrategy == .outputLanes)
    }

    @Test("loss: softmax cross-entropy from logits, mean over the batch, class weights as PyTorch; the Softmax node is fused")
    func crossEntropy() throws {
        let (graph, weights) = try tinyClassifier()
        let data = tinyDataset(count: 4, seed: 26)
        for classWeights in [nil, [0.25, 2] as [Float]] {
            let session = try TrainingSession(graph: graph, weights: weights, batchSize: 4,
                                              plan: TrainingPlan(classWeights: classWeights),
                                              optimizer: .sgd(SGD(learningRate: 0)))
            #expect(!session.backwardNodes.contains("prob"))
            #expect(session.classCount == 2)
            let p = try session.evaluate(inputs: ["data": data.images])
            let loss = try session.step(inputs: ["data": data.images], labels: data.labels)
            var total = 0.0, weightSum = 0.0
            for (n, label) in data.labels.enumerated() {
                let w = Double(classWeights?[label] ?? 1)
                total -= w * log(Double(p.scalars[n * 2 + label]))
                weightSum += w
            }
            #expect(abs(Double(loss) - total / weightSum) < 1e-5)
        }
    }

    @Test("the loss stays finite and exact for huge logits (log-sum-exp)")
    func stableLoss() throws {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [2, 3])],
                          nodes: [Node(name: "scale", op: .scale(Scale(axis: 1)), inputs: ["x"])], outputs: ["scale"])
        try graph.deriveParameterSpecs()
        let session = try TrainingSession(graph: graph, weights: ["scale.scale": Tensor(shape: [3], repeating: 1)], batchSize: 2,
                                          optimizer: .sgd(SGD(learningRate: 0)))
        let logits = Tensor(shape: [2, 3], scalars: [1000, 0, -1000, -500, 500, 499])
        let loss = try session.step(inputs: ["x": logits], labels: [1, 2])
        // Image 0: 1000 - 0; image 1: 500 + log(1 + e^-1) - 499.
        let expected = (1000 + (1 + log(1 + exp(-1.0)))) / 2
        #expect(abs(Double(loss) - expected) < 1e-3)
        let gradient = try #require(session.gradient(of: "scale.scale"))
        let finite = gradient.scalars.allSatisfy { $0.isFinite }
        #expect(finite)
        // A graph without a Softmax: evaluate returns the softmax of the logits.
        let p = try session.evaluate(inputs: ["x": logits])
        #expect(p.shape == [2, 3])
        expectClose(p.scalars, [1, 0, 0, 0, Float(1 / (1 + exp(-1.0))), Float(exp(-1.0) / (1 + exp(-1.0)))], tolerance: 1e-6)
    }

    @Test("BatchNorm in training normalises with batch statistics and updates running averages; frozen statistics stay")
    func batchNormTrainVersusFrozen() throws {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [4, 2, 2, 2])], nodes: [
            Node(name: "bn", op: .batchNorm(BatchNorm(epsilon: 1e-5, hasScale: true, hasShift: true, momentum: 0.9)), inputs: ["x"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 2)), inputs: ["bn"]),
        ], outputs: ["fc"])
        try graph.deriveParameterSpecs()
        var weights = graph.randomWeights(seed: 31)
        weights["bn.mean"] = Tensor(shape: [2], scalars: [0.5, -1])
        weights["bn.variance"] = Tensor(shape: [2], scalars: [2, 0.5])
        let x = randomTensor([4, 2, 2, 2], seed: 32, in: -1...3)
        let labels = [0, 1, 1, 0]
        let optimizer = Optimizer.sgd(SGD(learningRate: 0.01))

        // Batch statistics of x per channel (over N, H, W: m = 16).
        var batchMean = [Double](repeating: 0, count: 2), batchVariance = [Double](repeating: 0, count: 2)
        for c in 0..<2 {
            let v = (0..<4).flatMap { n in (0..<4).map { Double(x.scalars[(n * 2 + c) * 4 + $0]) } }
            batchMean[c] = v.reduce(0, +) / 16
            batchVariance[c] = v.map { ($0 - batchMean[c]) * ($0 - batchMean[c]) }.reduce(0, +) / 16
        }

        let training = try TrainingSession(graph: graph, weights: weights, batchSize: 4, optimizer: optimizer)
        #expect(training.trainedParameters == ["bn.scale", "bn.shift", "fc.weight", "fc.bias"])
        try training.step(inputs: ["x": x], labels: labels)
        // The normalised activations the step used: zero mean, unit variance per channel (scale 1, shift 0).
        let normalized = training.engine.execution.values.buffers[training.engine.execution.valueIDs["bn"]!.index]
        for c in 0..<2 {
            let v = (0..<4).flatMap { n in (0..<4).map { Double(normalized.pointer[(n * 2 + c) * 4 + $0]) } }
            #expect(abs(v.reduce(0, +) / 16) < 1e-5)
            #expect(abs(v.map { $0 * $0 }.reduce(0, +) / 16 - batchVariance[c] / (batchVariance[c] + 1e-5)) < 1e-4)
        }
        let updated = training.weights()
        let mean0: [Double] = [0.5, -1], variance0: [Double] = [2, 0.5]
        var expectedMean: [Float] = [], expectedVariance: [Float] = []
        for c in 0..<2 {
            expectedMean.append(Float(0.9 * mean0[c] + 0.1 * batchMean[c]))
            let unbiased: Double = batchVariance[c] * 16 / 15
            expectedVariance.append(Float(0.9 * variance0[c] + 0.1 * unbiased))
        }
        expectClose(updated["bn.mean"]!.scalars, expectedMean, tolerance: 1e-5)
        expectClose(updated["bn.variance"]!.scalars, expectedVariance, tolerance: 1e-5)
        // evaluate uses the (updated) stored statistics, not the batch's.
        let inference = try ForwardExecutor(graph: graph, weights: updated).run(inputs: ["x": x])
        let evaluated = try training.evaluate(inputs: ["x": x])
        let reference = try #require(inference["fc"])
        let softmaxOfReference = (0..<4).flatMap { n -> [Float] in
            let z = [Double(reference.scalars[n * 2]), Double(reference.scalars[n * 2 + 1])]
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            return e.map { Float($0 / (e[0] + e[1])) }
        }
        expectClose(evaluated.scalars, softmaxOfReference, tolerance: 1e-5)

        // Frozen statistics: the stored ones normalise and never change; scale and shift still learn.
        let frozen = try TrainingSession(graph: graph, weights: weights, batchSize: 4,
                                         plan: TrainingPlan(batchNormStatistics: .frozen), optimizer: optimizer)
        try frozen.step(inputs: ["x": x], labels: labels)
        let after = frozen.weights()
        #expect(after["bn.mean"] == weights["bn.mean"])
        #expect(after["bn.variance"] == weights["bn.variance"])
        #expect(after["bn.scale"] != weights["bn.scale"])
        let frozenOutput = frozen.engine.execution.values.buffers[frozen.engine.execution.valueIDs["bn"]!.index]
        let expected = (0..<32).map { i -> Float in
            let c = (i / 4) % 2
            return (x.scalars[i] - [0.5, -1][c]) / ([2, 0.5][c] + 1e-5).squareRoot()
        }
        expectClose(Array(UnsafeBufferPointer(start: frozenOutput.pointer, count: 32)), expected, tolerance: 1e-5)

        // Eval mode trains with stored statistics too, without updating them.
        let evalMode = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: TrainingPlan(mode: .eval), optimizer: optimizer)
        try evalMode.step(inputs: ["x": x], labels: labels)
        #expect(evalMode.weights()["bn.mean"] == weights["bn.mean"])
        // In the frozen prefix BatchNorm uses and keeps its stored statistics.
        let prefixed = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: TrainingPlan(trainableFrom: "fc"),
                                           optimizer: optimizer)
        try prefixed.step(inputs: ["x": x], labels: labels)
        #expect(prefixed.weights()["bn.mean"] == weights["bn.mean"])
        #expect(prefixed.frozenPrefix == ["bn"])
    }

    @Test("evaluate uses inference behaviour: dropout off, BatchNorm with stored statistics, same as a ForwardExecutor")
    func evaluateMatchesForwardExecutor() throws {
        let (graph, weights) = try twoStageClassifier()
        let data = tinyDataset(count: 4, classes: 3, seed: 27)
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 4,
                                          optimizer: .sgd(SGD(learningRate: 0.05, momentum: 0.9)))
        for _ in 0..<2 { try session.step(inputs: ["data": data.images], labels: data.labels) }
        let p = try session.evaluate(inputs: ["data": data.images])
        let reference = try ForwardExecutor(graph: graph, weights: session.weights(), batchSize: 4).run(inputs: ["data": data.images])
        expectClose(p, try #require(reference["prob"]), tolerance: 1e-5)
    }

    @Test("dropout: seeded masks (same seed, same losses; another seed, other losses); eval mode turns it off")
    func dropoutSeeds() throws {
        let (graph, weights) = try twoStageClassifier()
        let data = tinyDataset(count: 4, classes: 3, seed: 28)
        func losses(seed: UInt64, mode: TrainingPlan.Mode = .train) throws -> [Float] {
            let session = try TrainingSession(graph: graph, weights: weights, batchSize: 4, plan: TrainingPlan(mode: mode, seed: seed),
                                              optimizer: .sgd(SGD(learningRate: 0)))
            return try (0..<3).map { _ in try session.step(inputs: ["data": data.images], labels: data.labels) }
        }
        let a = try losses(seed: 1), b = try losses(seed: 1), c = try losses(seed: 2)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count == 3)   // a new mask every step
        let eval = try losses(seed: 1, mode: .eval)
        #expect(Set(eval).count == 1)  // no dropout, no update (rate 0): the same loss every step
    }

    @Test("errors: labels, class weights, losses that are not [batch, classes] logits, features")
    func errors() throws {
        let (graph, weights) = try tinyClassifier()
        let sgd = Optimizer.sgd(SGD(learningRate: 0.1))
        let session = try TrainingSession(graph: graph, weights: weights, batchSize: 2, optimizer: sgd)
        let images = randomTensor([2, 3, 8, 8], seed: 29)
        #expect(throws: ExecutionError.wrongLabelCount(expected: 2, actual: 3)) { try session.step(inputs: ["data": images], labels: [0, 1, 1]) }
        #expect(throws: ExecutionError.labelOutOfRange(index: 1, label: 2, classes: 2)) { try session.step(inputs: ["data": images], labels: [0, 2]) }
        #expect(throws: ExecutionError.labelOutOfRange(index: 0, label: -1, classes: 2)) { try session.step(inputs: ["data": images], labels: [-1, 0]) }
        #expect(throws: ExecutionError.wrongInputShape(input: "data", expected: [2, 3, 8, 8], actual: [1, 3, 8, 8])) {
            try session.step(inputs: ["data": randomTensor([1, 3, 8, 8], seed: 1)], labels: [0, 1])
        }
        #expect(throws: ExecutionError.unknownFeature("conv")) { try session.step(features: ["conv": images], labels: [0, 1]) }
        #expect(throws: ExecutionError.missingInput("data")) { try session.step(features: [:], labels: [0, 1]) }
        #expect(session.iteration == 0)
        #expect(throws: ExecutionError.invalidClassWeights("3 weights for 2 classes")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(classWeights: [1, 1, 1]), optimizer: sgd)
        }
        #expect(throws: ExecutionError.invalidClassWeights("weights must be finite and non-negative")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(classWeights: [1, -1]), optimizer: sgd)
        }
        #expect(throws: ExecutionError.invalidLoss(output: "conv", reason: "logits of shape 2x4x8x8 are not [batch, classes]")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(lossOutput: "conv"), optimizer: sgd)
        }
        #expect(throws: ExecutionError.invalidLoss(output: "nope", reason: "no value of that name")) {
            try TrainingSession(graph: graph, weights: weights, batchSize: 2, plan: TrainingPlan(lossOutput: "nope"), optimizer: sgd)
        }
        #expect(throws: ExecutionError.invalidBatchSize(0)) { try TrainingSession(graph: graph, weights: weights, batchSize: 0, optimizer: sgd) }
    }

    @Test("a net trained from scratch with Adam, BatchNorm and a cosine schedule with warm-up learns a separable problem")
    func learnsWithAdamAndBatchNorm() throws {
        var b = GraphBuilder(name: "bn-net", input: "data", shape: [1, 3, 8, 8])
        b.conv("conv", 6, kernel: 3, pad: 1)
        b.add("bn", .batchNorm(BatchNorm(hasScale: true, hasShift: true, momentum: 0.9)))
        b.relu("relu")
        b.add("gap", .pooling(Pooling(method: .average, global: true)))
        b.innerProduct("fc", 2)
        b.softmax("prob")
        let graph = b.graph
        // Class 1 images are brighter in channel 0.
        var images = randomTensor([16, 3, 8, 8], seed: 40)
        let labels = (0..<16).map { $0 % 2 }
        for n in 0..<16 where labels[n] == 1 { for i in 0..<64 { images.scalars[n * 192 + i] += 1 } }
        let session = try TrainingSession(
            graph: graph, weights: graph.randomWeights(seed: 41), batchSize: 16,
            optimizer: .adam(Adam(learningRate: 0.05, schedule: LearningRateSchedule(.cosine(maxIterations: 60), warmupIterations: 5))))
        var loss: Float = 0
        for _ in 0..<60 { loss = try session.step(inputs: ["data": images], labels: labels) }
        #expect(loss < 0.1, "loss \(loss)")
        let p = try session.evaluate(inputs: ["data": images])
        let accuracy = (0..<16).filter { n in (p.scalars[n * 2 + 1] > 0.5 ? 1 : 0) == labels[n] }.count
        #expect(accuracy == 16)
    }
}

@Suite("Parallel loops")
struct ParallelLoopTests {
    @Test("forcing every loop onto all workers gives bit-identical training (static split, no shared reductions)")
    func parallelMatchesSerial() throws {
        var b = GraphBuilder(name: "mini-caffenet", input: "data", shape: [1, 3, 19, 19])
        b.conv("conv1", 6, kernel: 5, stride: 2)
        b.relu("relu1")
        b.pool("pool1", .max, kernel: 3, stride: 2)
        b.lrn("norm1")
        b.conv("conv2", 8, kernel: 3, pad: 1, groups: 2)
        b.relu("relu2")
        b.add("norm2", .lrn(LRN(region: .withinChannel, size: 3, alpha: 0.5, beta: 0.75)))
        b.add("pool2", .pooling(Pooling(method: .average, kernel: [2, 2], stride: [2, 2], rounding: .ceil)))
        b.innerProduct("fc", 3)
        b.softmax("prob")
        let graph = b.graph
        let images = randomTensor([4, 3, 19, 19], seed: 50)
        func train(forced: Bool) throws -> ([Float], [String: Tensor]) {
            let session = try TrainingSession(graph: graph, weights: graph.randomWeights(seed: 51), batchSize: 4,
                                              optimizer: .adam(Adam(learningRate: 0.01)))
            let run = { try (0..<3).map { _ in try session.step(inputs: ["data": images], labels: [0, 1, 2, 1]) } }
            let losses = forced ? try Parallel.$minimumWorkOverride.withValue(0) { try run() } : try run()
            return (losses, session.weights())
        }
        let serial = try train(forced: false)
        let parallel = try train(forced: true)
        #expect(serial.0 == parallel.0)
        #expect(serial.1 == parallel.1)
    }
}
