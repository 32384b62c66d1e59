import GraftCore
@testable import GraftEngine
import Testing

/// Finite-difference gradient checking of the engine's backward passes.
///
/// The objective is a fixed random projection of the outputs, `L = Σ_outputs Σ_i r_i · y_i`,
/// evaluated in double precision from the engine's float32 forward values. The analytic gradient
/// comes from one backward pass seeded with `r`; the numeric one from central differences
/// `(L(θ + h) - L(θ - h)) / 2h` for every element of every graph input and every trained
/// parameter. Element `i` passes when
///
///     |analytic - numeric| <= tolerance * max(|analytic|, |numeric|) + absolute * max_j |numeric_j|
///
/// (relative for large entries, and relative to the tensor's largest entry for small ones, whose
/// numeric value is dominated by float32 rounding of L divided by 2h).
struct GradientCheck {
    struct Mismatch: CustomStringConvertible {
        let tensor: String
        let index: Int
        let analytic: Double
        let numeric: Double
        var description: String { "\(tensor)[\(index)]: analytic \(analytic), numeric \(numeric)" }
    }

    var step: Float = 1e-2
    var tolerance: Double = 1e-2
    var absolute: Double = 2e-3
    var plan = TrainingPlan()
    /// Per tensor checked: the largest |numeric| entry (so a test can see the check was not vacuous).
    private(set) var scales: [String: Double] = [:]
    private(set) var mismatches: [Mismatch] = []
    private(set) var checkedTensors: [String] = []

    /// Checks every input and trained-parameter gradient of `graph`.
    ///
    /// - Parameter prepare: adjusts the planned engine before the first forward pass (e.g. to
    ///   freeze dropout masks after it).
    mutating func run(graph: Graph, weights: [String: Tensor], inputs: [String: Tensor], seed: UInt64 = 99,
                      afterFirstForward: (BackpropagationPlan) -> Void = { _ in }) throws {
        var plan = self.plan
        plan.inputGradients = true
        if plan.trainableFrom == nil { plan.trainableFrom = graph.nodes.first?.name }
        plan.fuseSoftmax = false
        let engine = try BackpropagationPlan(graph: graph, weights: weights, batchSize: nil, plan: plan, checksLoss: false)
        let values = engine.execution.values
        for (name, id) in engine.execution.graphInputs {
            let tensor = try #require(inputs[name], "input \(name)")
            values.pointer(id).update(from: tensor.scalars, count: tensor.elementCount)
        }
        let outputs = graph.outputs.map { engine.execution.valueIDs[$0]! }
        var projections: [[Float]] = []
        for (k, id) in outputs.enumerated() {
            projections.append(randomTensor(values.shape(id), seed: seed &+ UInt64(k)).scalars)
        }

        func forward() {
            engine.runForward(engine.prefixSteps, training: true, recording: true)
            engine.runForward(engine.trainableSteps, training: true, recording: true)
        }
        func objective() -> Double {
            forward()
            var total = 0.0
            for (id, r) in zip(outputs, projections) {
                let y = values.pointer(id)
                for i in r.indices { total += Double(r[i]) * Double(y[i]) }
            }
            return total
        }

        forward()
        afterFirstForward(engine)
        for (id, r) in zip(outputs, projections) {
            let gradient = try #require(engine.gradients[id.index], "output has no gradient buffer")
            gradient.pointer.update(from: r, count: r.count)
        }
        engine.runBackward()

        // Snapshot the analytic gradients before the numeric passes overwrite the values.
        var targets: [(name: String, pointer: UnsafeMutablePointer<Float>, count: Int, analytic: [Float], changed: () -> Void)] = []
        for (name, id) in engine.execution.graphInputs {
            let g = try #require(engine.gradients[id.index], "input \(name) has no gradient")
            let count = values.shape(id).elementCount
            targets.append((name, values.pointer(id), count, Array(UnsafeBufferPointer(start: g.pointer, count: count)), {}))
        }
        for (parameter, layer) in engine.trained {
            let g = try #require(parameter.gradient)
            targets.append((parameter.key, parameter.pointer, parameter.count,
                            Array(UnsafeBufferPointer(start: g.pointer, count: parameter.count)), { layer.parametersDidChange() }))
        }

        let h = step
        for target in targets {
            checkedTensors.append(target.name)
            var numeric = [Double](repeating: 0, count: target.count)
            for i in 0..<target.count {
                let original = target.pointer[i]
                target.pointer[i] = original + h
                target.changed()
                let plus = objective()
                target.pointer[i] = original - h
                target.changed()
                let minus = objective()
                target.pointer[i] = original
                target.changed()
                // The perturbation actually applied, in float32.
                let width = Double(original + h) - Double(original - h)
                numeric[i] = (plus - minus) / width
            }
            let scale = numeric.map(abs).max() ?? 0
            scales[target.name] = scale
            for i in 0..<target.count {
                let a = Double(target.analytic[i]), n = numeric[i]
                if abs(a - n) > tolerance * max(abs(a), abs(n)) + absolute * scale {
                    mismatches.append(Mismatch(tensor: target.name, index: i, analytic: a, numeric: n))
                }
            }
        }
    }

    /// Records test issues for mismatches and for tensors whose gradient is all zero unless allowed.
    func expectPassed(allowingZero: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for m in mismatches.prefix(8) { Issue.record("gradient mismatch \(m)", sourceLocation: sourceLocation) }
        if mismatches.count > 8 { Issue.record("\(mismatches.count) mismatches in total", sourceLocation: sourceLocation) }
        for name in checkedTensors where !allowingZero.contains(name) {
            #expect((scales[name] ?? 0) > 1e-3, "gradient of \(name) is (nearly) zero: the check is vacuous",
                    sourceLocation: sourceLocation)
        }
    }
}

/// Values for inputs of piecewise functions: distinct, spaced at least `gap` apart (in a random
/// order), none within `gap / 2` of any `avoid` point, so that a finite-difference step smaller than
/// `gap / 2` never crosses a kink or changes an argmax.
func kinkFreeTensor(_ shape: Shape, seed: UInt64, gap: Float = 0.05, avoid: [Float] = [0],
                    in range: ClosedRange<Float> = -1.5...1.5) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var candidates: [Float] = []
    var v = range.lowerBound
    while v <= range.upperBound {
        if avoid.allSatisfy({ abs(v - $0) >= gap / 2 }) { candidates.append(v) }
        v += gap
    }
    precondition(candidates.count >= shape.elementCount, "kinkFreeTensor: range too small for \(shape)")
    candidates.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: Array(candidates.prefix(shape.elementCount)))
}

/// Gradient-checks one op: a single node "node" reading inputs "x", "x1", ... and writing `outputs`.
func checkOp(_ op: Op, inputs: [Tensor], parameters: [String: Tensor] = [:], outputs: [String] = ["y"],
             configure: (inout GradientCheck) -> Void = { _ in }, allowingZero: Set<String> = [],
             afterFirstForward: (BackpropagationPlan) -> Void = { _ in },
             sourceLocation: SourceLocation = #_sourceLocation) throws {
    let graph = try singleNodeGraph(op, inputShapes: inputs.map(\.shape), outputs: outputs)
    let names = inputs.indices.map { $0 == 0 ? "x" : "x\($0)" }
    let weights = Dictionary(uniqueKeysWithValues: parameters.map { ("node.\($0.key)", $0.value) })
    var check = GradientCheck()
    configure(&check)
    try check.run(graph: graph, weights: weights, inputs: Dictionary(uniqueKeysWithValues: zip(names, inputs)),
                  afterFirstForward: afterFirstForward)
    // Every declared parameter that is not a statistic must have been checked.
    for key in parameters.keys where key != "mean" && key != "variance" {
        #expect(check.checkedTensors.contains("node.\(key)"), "parameter \(key) was not checked", sourceLocation: sourceLocation)
    }
    check.expectPassed(allowingZero: allowingZero, sourceLocation: sourceLocation)
}
