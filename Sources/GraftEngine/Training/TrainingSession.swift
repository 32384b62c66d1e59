public import GraftCore
import GraftKernels

/// Trains a graph on the CPU: forward, softmax cross-entropy loss, backward, optimizer update, on
/// batches of a fixed size, with every buffer (activations, gradients, scratch, optimizer state)
/// allocated once when the session is planned.
///
/// ```swift
/// var plan = TrainingPlan(trainableFrom: "fc6", metadata: model.training)
/// let session = try TrainingSession(model: model, batchSize: 32, plan: plan,
///                                   optimizer: .sgd(SGD(learningRate: 0.001, momentum: 0.9, weightDecay: 5e-4)))
/// for (images, labels) in batches { let loss = try session.step(inputs: ["data": images], labels: labels) }
/// let probabilities = try session.evaluate(inputs: ["data": validationImages])
/// let tuned = session.weights()
/// ```
///
/// **Frozen-prefix cache.** The frozen prefix (see ``TrainingPlan``) is a fixed function of the
/// input. Without augmentation, run it once per image with ``prefixFeatures(inputs:)``, keep the
/// result (``FeatureCache`` does the bookkeeping), and train every epoch with
/// ``step(features:labels:)``: it runs only the trainable part and gives bit for bit the update
/// that ``step(inputs:labels:)`` gives for the same images.
///
/// A session holds mutable buffers: use it from one task at a time.
public final class TrainingSession {
    /// The graph being trained.
    public let graph: Graph
    /// The batch size every buffer is planned for.
    public let batchSize: Int
    /// What is trained and how.
    public let plan: TrainingPlan
    /// The update rule.
    public let optimizer: Optimizer
    /// `.train` or `.eval` behaviour of Dropout and BatchNorm in ``step(inputs:labels:)``.
    public var mode: TrainingPlan.Mode
    /// Updates made so far (the next update uses the learning rate of this iteration).
    public private(set) var iteration = 0

    let engine: BackpropagationPlan
    let state: OptimizerState
    private let labelBuffer: IndexBuffer
    private let classWeights: FloatBuffer?
    /// Softmax of the loss output when it is not already a probability (not a fused Softmax).
    private let probabilities: FloatBuffer?

    /// Plans training of `graph` for `batchSize` images per step.
    ///
    /// - Parameters:
    ///   - graph: the graph to train.
    ///   - weights: tensors keyed `<node>.<parameter>`; copied, so the caller's stay unchanged
    ///     (read the trained ones with ``weights()``).
    ///   - batchSize: images per step (at least 1, else ``ExecutionError/invalidBatchSize(_:)``).
    ///   - plan: what trains and how: the frozen prefix, multipliers, mode and loss.
    ///   - optimizer: the update rule (SGD or Adam) and its learning rate.
    /// - Throws: everything ``ForwardExecutor`` throws at planning, ``ExecutionError/unknownNode(_:)``,
    ///   ``ExecutionError/unknownParameter(_:)``, ``ExecutionError/invalidLoss(output:reason:)``,
    ///   ``ExecutionError/invalidClassWeights(_:)``.
    public init(graph: Graph, weights: [String: Tensor], batchSize: Int, plan: TrainingPlan = TrainingPlan(),
                optimizer: Optimizer) throws(ExecutionError) {
        if batchSize < 1 { throw .invalidBatchSize(batchSize) }
        self.graph = graph
        self.batchSize = batchSize
        self.plan = plan
        self.optimizer = optimizer
        mode = plan.mode
        let engine = try BackpropagationPlan(graph: graph, weights: weights, batchSize: batchSize, plan: plan)
        self.engine = engine
        state = OptimizerState(optimizer: optimizer, trained: engine.trained, plan: plan)
        labelBuffer = IndexBuffer(count: engine.rows)
        classWeights = plan.classWeights.map { FloatBuffer(copying: $0) }
        probabilities = engine.fusedSoftmax || Self.isSoftmaxOutput(engine) ? nil : FloatBuffer(count: engine.rows * engine.classes)
    }

    /// Plans training of a whole model; the plan's metadata defaults to the model's training metadata.
    public convenience init(model: Model, batchSize: Int, plan: TrainingPlan = TrainingPlan(),
                            optimizer: Optimizer) throws(ExecutionError) {
        var plan = plan
        if plan.metadata == nil { plan.metadata = model.training }
        try self.init(graph: model.graph, weights: model.weights, batchSize: batchSize, plan: plan, optimizer: optimizer)
    }

    private static func isSoftmaxOutput(_ engine: BackpropagationPlan) -> Bool {
        guard let producer = engine.execution.producer[engine.lossOutput],
              case .softmax(let op) = engine.graph.nodes[producer].op else { return false }
        return engine.execution.values.shape(engine.lossOutput).normalizedAxis(op.axis) == 1
    }

    // MARK: - What the session trains

    /// Keys (`<node>.<parameter>`) of the parameters that learn, in graph order.
    public var trainedParameters: [String] { engine.trained.map(\.parameter.key) }
    /// Nodes of the frozen prefix, in graph order.
    public var frozenPrefix: [String] { engine.frozenPrefixNodes }
    /// Nodes whose backward pass runs, in the order it runs.
    public var backwardNodes: [String] { engine.backwardSteps.map(\.layer.node) }
    /// The values the trainable part reads from the frozen prefix or the graph inputs: what
    /// ``prefixFeatures(inputs:)`` returns and ``step(features:labels:)`` takes.
    public var featureNames: [String] { engine.features.map(\.name) }
    /// The planned shape (batch first) of a feature or any other value.
    public func shape(of value: String) -> Shape? { engine.execution.valueIDs[value].map { engine.execution.values.shape($0) } }
    /// Classes of the loss's logits.
    public var classCount: Int { engine.classes }
    /// The learning rate of the next update, before per-parameter multipliers.
    public var learningRate: Float { optimizer.learningRate(at: iteration) }

    /// Clip the global L2 norm of the trained gradients to this before each update (nil: never).
    /// Deep fine-tuning's first steps can produce a gradient far larger than the rest of the run.
    public var gradientClipNorm: Float?
    /// Whether each step leaves every trained parameter's gradient readable (``gradient(of:)``,
    /// ``lastGradientNorm``); true unless set. When false, without clipping, SGD updates every
    /// fully connected weight while its gradient is computed, a block of rows at a time, and the
    /// gradient is never written out: the same weights to the bit, with the weight's 7 passes over
    /// memory down to 4 (CaffeNet's fc6 and fc7 hold 218 MB). `graft tune` and `graft study` read no
    /// gradients and set it false.
    public var keepsGradients = true

    /// The global gradient norm of the last step, before clipping (nil before the first step,
    /// when nothing is trained, or when the step did not keep all its gradients: ``keepsGradients``).
    /// Without clipping it is computed when read, from the gradients the step left (no optimizer
    /// changes them): reading all of CaffeNet's 57 M gradients once more per step cost more than
    /// its update.
    public var lastGradientNorm: Double? {
        guard computedGradients, !state.updatedInBackward else { return nil }
        return lastClippedNorm ?? state.gradientNorm()
    }
    /// Whether a step of this session has computed gradients.
    private var computedGradients = false
    /// The norm the last step's clipping measured (nil without clipping).
    private var lastClippedNorm: Double?

    // MARK: - Training

    /// One training step on a batch: forward (the frozen prefix with inference behaviour, the
    /// trainable part in ``mode``), loss, backward, optimizer update.
    ///
    /// - Parameters:
    ///   - inputs: one tensor per graph input, with the planned shapes.
    ///   - labels: one class index per image.
    /// - Returns: the batch's mean cross-entropy before the update.
    @discardableResult
    public func step(inputs: [String: Tensor], labels: [Int]) throws(ExecutionError) -> Float {
        try loadLabels(labels)
        try loadInputs(inputs)
        engine.runForward(engine.prefixSteps, training: false, recording: true)
        engine.runForward(engine.trainableSteps, training: mode == .train, recording: true)
        return finishStep()
    }

    /// One training step from prefix features (``prefixFeatures(inputs:)`` of the same images):
    /// only the trainable part runs. Gives exactly the update ``step(inputs:labels:)`` gives.
    ///
    /// - Parameters:
    ///   - features: one tensor per ``featureNames`` entry, with the planned shapes.
    ///   - labels: one class index per image.
    @discardableResult
    public func step(features: [String: Tensor], labels: [Int]) throws(ExecutionError) -> Float {
        try loadLabels(labels)
        try loadFeatures(features)
        engine.runForward(engine.trainableSteps, training: mode == .train, recording: true)
        return finishStep()
    }

    private func finishStep() -> Float {
        let logits = UnsafePointer(engine.execution.values.pointer(engine.logits))
        let gradient = engine.gradients[engine.logits.index]?.pointer
        let loss = SoftmaxKernels.crossEntropy(logits: logits, labels: labelBuffer.pointer, rows: engine.rows,
                                               classes: engine.classes, classWeights: classWeights.map { UnsafePointer($0.pointer) },
                                               gradient: gradient, probabilities: nil)
        if gradient != nil {
            state.prepareBackward(iteration: iteration, fusing: !keepsGradients && gradientClipNorm == nil)
            engine.runBackward()
            lastClippedNorm = gradientClipNorm.map { state.clipGradients(maxNorm: $0) }
            computedGradients = true
            if profile != nil {
                let start = ContinuousClock.now
                state.update(iteration: iteration)
                profile!.update += ContinuousClock.now - start
            } else {
                state.update(iteration: iteration)
            }
        }
        if profile != nil { profile!.steps += 1 }
        iteration += 1
        return Float(loss)
    }

    // MARK: - Profiling

    /// Time spent per node and phase over the steps since profiling was switched on.
    public struct Profile: Sendable {
        /// Per node (graph order): forward and backward time summed over the steps.
        public var nodes: [(node: String, forward: Duration, backward: Duration)]
        /// Optimizer updates.
        public var update: Duration
        /// Training steps profiled.
        public var steps: Int
    }

    private struct ProfileTotals {
        var update: Duration = .zero
        var steps = 0
    }

    private var profile: ProfileTotals?

    /// Whether steps record per-node timings (a clock read around every layer; off by default).
    /// Switching it on resets the profile.
    public var profiling: Bool {
        get { profile != nil }
        set {
            profile = newValue ? ProfileTotals() : nil
            let count = engine.execution.layers.count
            engine.forwardTimes = newValue ? Array(repeating: .zero, count: count) : nil
            engine.backwardTimes = newValue ? Array(repeating: .zero, count: count) : nil
        }
    }

    /// The timings recorded since ``profiling`` was switched on, or nil when it is off.
    public var profileReport: Profile? {
        guard let profile, let forward = engine.forwardTimes, let backward = engine.backwardTimes else { return nil }
        let nodes = engine.execution.layers.indices.map { (engine.execution.layers[$0].node, forward[$0], backward[$0]) }
        return Profile(nodes: nodes, update: profile.update, steps: profile.steps)
    }

    // MARK: - Inference and features

    /// Class probabilities `[batch, classes]` for a batch, with inference behaviour throughout
    /// (Dropout off, BatchNorm with its stored statistics): the Softmax output when the loss
    /// output is one, else the softmax of the loss output.
    public func evaluate(inputs: [String: Tensor]) throws(ExecutionError) -> Tensor {
        try loadInputs(inputs)
        engine.runForward(engine.inferencePrefixSteps, training: false, recording: false)
        engine.runForward(engine.inferenceTrainableSteps, training: false, recording: false)
        return probabilityTensor()
    }

    /// ``evaluate(inputs:)`` from prefix features.
    public func evaluate(features: [String: Tensor]) throws(ExecutionError) -> Tensor {
        try loadFeatures(features)
        engine.runForward(engine.inferenceTrainableSteps, training: false, recording: false)
        return probabilityTensor()
    }

    /// Runs only the frozen prefix and returns the values the trainable part reads
    /// (``featureNames``), batch first: cache them per image and train with
    /// ``step(features:labels:)``.
    public func prefixFeatures(inputs: [String: Tensor]) throws(ExecutionError) -> [String: Tensor] {
        try loadInputs(inputs)
        engine.runForward(engine.featureSteps, training: false, recording: false)
        var result: [String: Tensor] = [:]
        for (name, id) in engine.features {
            result[name] = engine.execution.values.buffer(id).tensor(shape: engine.execution.values.shape(id))
        }
        return result
    }

    private func probabilityTensor() -> Tensor {
        let values = engine.execution.values
        let shape: Shape = [engine.rows, engine.classes]
        guard let probabilities else {
            return values.buffer(engine.lossOutput).tensor(shape: values.shape(engine.lossOutput)).reshaped(shape)
        }
        SoftmaxKernels.forward(input: values.pointer(engine.lossOutput), output: probabilities.pointer,
                               outer: engine.rows, axis: engine.classes, inner: 1)
        return probabilities.tensor(shape: shape)
    }

    /// Restarts every random stream of the session (Dropout masks) from `seed`: call it at the
    /// start of each epoch with a seed derived from the epoch, and a run resumed from a checkpoint
    /// at that epoch draws exactly what the uninterrupted run drew.
    public func reseed(_ seed: UInt64) {
        for (i, layer) in engine.execution.layers.enumerated() {
            layer.reseed(seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1))
        }
    }

    // MARK: - Weights, gradients, optimizer state

    /// Every parameter of the graph (trained, frozen and statistics) as it is now, keyed
    /// `<node>.<parameter>`.
    public func weights() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for layer in engine.execution.layers {
            for p in layer.parameters { result[p.key] = p.storage.tensor(shape: p.shape) }
        }
        return result
    }

    /// The gradient of a trained parameter from the last step, or nil for a parameter that is not
    /// trained or whose gradient the step did not keep (``keepsGradients``).
    public func gradient(of key: String) -> Tensor? {
        engine.trained.first { $0.parameter.key == key && !state.wasUpdatedInBackward($0.parameter) }
            .flatMap { $0.parameter.gradient?.tensor(shape: $0.parameter.shape) }
    }

    /// The optimizer's state as named tensors for a checkpoint: `state.<parameter>.<slot>` (slots
    /// ``Optimizer/slots``: SGD `history`, Adam `m` and `v`) for every trained parameter, and
    /// `state.iteration` (shape `[1]`, the number of updates made; exact up to 2^24).
    public func optimizerState() -> [String: Tensor] {
        var result = state.export()
        result["state.iteration"] = Tensor(shape: [1], scalars: [Float(iteration)])
        return result
    }

    /// Restores ``optimizerState()`` output (for the same graph, plan and optimizer kind).
    /// Throws ``ExecutionError/invalidOptimizerState(_:)`` and changes nothing when a tensor is
    /// missing or has the wrong shape.
    public func loadOptimizerState(_ tensors: [String: Tensor]) throws(ExecutionError) {
        guard let count = tensors["state.iteration"], count.shape == [1], count.scalars[0] >= 0,
              count.scalars[0] == count.scalars[0].rounded() else {
            throw .invalidOptimizerState("'state.iteration' is missing or not a count")
        }
        try state.load(tensors)
        iteration = Int(count.scalars[0])
    }

    // MARK: - Loading batches

    private func loadLabels(_ labels: [Int]) throws(ExecutionError) {
        guard labels.count == engine.rows else { throw .wrongLabelCount(expected: engine.rows, actual: labels.count) }
        for (i, label) in labels.enumerated() {
            guard label >= 0, label < engine.classes else { throw .labelOutOfRange(index: i, label: label, classes: engine.classes) }
            labelBuffer.pointer[i] = Int32(label)
        }
    }

    private func loadInputs(_ inputs: [String: Tensor]) throws(ExecutionError) {
        let plan = engine.execution
        for name in inputs.keys where !plan.graphInputs.contains(where: { $0.name == name }) {
            throw .unknownInput(name)
        }
        for (name, id) in plan.graphInputs {
            guard let tensor = inputs[name] else { throw .missingInput(name) }
            let expected = plan.values.shape(id)
            guard tensor.shape == expected else { throw .wrongInputShape(input: name, expected: expected, actual: tensor.shape) }
        }
        for (name, id) in plan.graphInputs {
            let destination = plan.values.pointer(id)
            inputs[name]!.scalars.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: $0.count) }
        }
    }

    private func loadFeatures(_ features: [String: Tensor]) throws(ExecutionError) {
        let values = engine.execution.values
        for name in features.keys where !engine.features.contains(where: { $0.name == name }) {
            throw .unknownFeature(name)
        }
        for (name, id) in engine.features {
            guard let tensor = features[name] else { throw .missingInput(name) }
            let expected = values.shape(id)
            guard tensor.shape == expected else { throw .wrongInputShape(input: name, expected: expected, actual: tensor.shape) }
        }
        for (name, id) in engine.features {
            let destination = values.pointer(id)
            features[name]!.scalars.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: $0.count) }
        }
    }
}
