import Foundation
import GraftCore
import GraftKernels

/// The optimizer's per-parameter state (SGD's history, Adam's moments), allocated once, and the
/// update of every trained parameter.
final class OptimizerState {
    struct Entry {
        let parameter: Parameter
        let rateMultiplier: Float
        let decayMultiplier: Float
        /// One buffer per ``Optimizer/slots`` name.
        let slots: [FloatBuffer]
    }

    let optimizer: Optimizer
    let entries: [Entry]
    /// The layers whose parameters an update changes, each once.
    let updatedLayers: [any Layer]
    /// The fully connected layers whose weight SGD can update during the backward pass, with the
    /// weight's entry.
    private let fusibleWeights: [(layer: InnerProductLayer, entry: Int)]

    init(optimizer: Optimizer, trained: [(parameter: Parameter, layer: any Layer)], plan: TrainingPlan) {
        self.optimizer = optimizer
        let slotCount = optimizer.slots.count
        entries = trained.map { item in
            let multipliers = plan.multipliers(for: item.parameter.key)
            return Entry(parameter: item.parameter, rateMultiplier: multipliers.learningRate,
                         decayMultiplier: multipliers.decay,
                         slots: (0..<slotCount).map { _ in FloatBuffer(count: item.parameter.count) })
        }
        var seen = Set<ObjectIdentifier>()
        updatedLayers = trained.compactMap { seen.insert(ObjectIdentifier($0.layer)).inserted ? $0.layer : nil }
        fusibleWeights = trained.indices.compactMap { i in
            guard let layer = trained[i].layer as? InnerProductLayer, layer.weight === trained[i].parameter else { return nil }
            return (layer, i)
        }
    }

    /// The L2 norm of all trained parameters' gradients together.
    func gradientNorm() -> Double {
        precondition(!updatedInBackward, "gradientNorm: gradients updated in the backward pass were not kept")
        var sum = 0.0
        for e in entries { sum += OptimizerKernels.sumOfSquares(e.parameter.gradient!.pointer, count: e.parameter.count) }
        return sum.squareRoot()
    }

    /// Every gradient scaled by `maxNorm / norm` when their global L2 norm exceeds `maxNorm`
    /// (PyTorch's `clip_grad_norm_`). Returns the norm before clipping.
    @discardableResult
    func clipGradients(maxNorm: Float) -> Double {
        let norm = gradientNorm()
        if norm > Double(maxNorm), norm.isFinite {
            let scale = Float(Double(maxNorm) / norm)
            for e in entries {
                let g = e.parameter.gradient!.pointer
                for i in 0..<e.parameter.count { g[i] *= scale }
            }
        }
        return norm
    }

    /// Entries the last backward pass updated already.
    private var fusedEntries = Set<Int>()

    /// Whether the last backward pass updated any parameter itself (its gradient was not kept).
    var updatedInBackward: Bool { !fusedEntries.isEmpty }

    /// Before the backward pass of update `iteration`: with `enabled` and SGD, every fully
    /// connected weight is updated by its layer as its gradient is computed (the gradient is not
    /// kept); otherwise no layer updates anything.
    func prepareBackward(iteration: Int, fusing enabled: Bool) {
        fusedEntries = []
        guard case .sgd(let sgd) = optimizer, enabled else {
            for (layer, _) in fusibleWeights { layer.fusedUpdate = nil }
            return
        }
        let rate = optimizer.learningRate(at: iteration)
        for (layer, i) in fusibleWeights {
            let e = entries[i]
            layer.fusedUpdate = InnerProductKernels.FusedSGD(history: e.slots[0].pointer, rate: rate * e.rateMultiplier,
                                                             momentum: sgd.momentum, decay: sgd.weightDecay * e.decayMultiplier)
            fusedEntries.insert(i)
        }
    }

    /// Whether the last backward pass updated this parameter itself (its gradient was not kept).
    func wasUpdatedInBackward(_ parameter: Parameter) -> Bool {
        fusedEntries.contains { entries[$0].parameter === parameter }
    }

    /// Applies update number `iteration` (0-based) to every trained parameter from its gradient
    /// (those the backward pass updated excepted).
    func update(iteration: Int) {
        let rate = optimizer.learningRate(at: iteration)
        switch optimizer {
        case .sgd(let sgd):
            for (i, e) in entries.enumerated() where !fusedEntries.contains(i) {
                OptimizerKernels.sgd(weight: e.parameter.pointer, gradient: e.parameter.gradient!.pointer,
                                     history: e.slots[0].pointer, count: e.parameter.count,
                                     rate: rate * e.rateMultiplier, momentum: sgd.momentum,
                                     decay: sgd.weightDecay * e.decayMultiplier)
            }
        case .adam(let adam):
            let n = Double(iteration + 1)
            let correction1 = 1 - pow(Double(adam.beta1), n)
            let correction2 = 1 - pow(Double(adam.beta2), n)
            for e in entries {
                let r = Double(rate * e.rateMultiplier)
                let stepSize: Double, sqrtScale: Double
                switch adam.epsilonPlacement {
                case .pytorch:
                    stepSize = r / correction1
                    sqrtScale = 1 / correction2.squareRoot()
                case .caffe:
                    stepSize = r * correction2.squareRoot() / correction1
                    sqrtScale = 1
                }
                OptimizerKernels.adam(weight: e.parameter.pointer, gradient: e.parameter.gradient!.pointer,
                                      m: e.slots[0].pointer, v: e.slots[1].pointer, count: e.parameter.count,
                                      stepSize: Float(stepSize), sqrtScale: Float(sqrtScale),
                                      beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon,
                                      decay: adam.weightDecay * e.decayMultiplier)
            }
        }
        for layer in updatedLayers { layer.parametersDidChangeInTraining() }
    }

    /// `state.<parameter>.<slot>` for every trained parameter and slot.
    func export() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for e in entries {
            for (name, buffer) in zip(optimizer.slots, e.slots) {
                result["state.\(e.parameter.key).\(name)"] = buffer.tensor(shape: e.parameter.shape)
            }
        }
        return result
    }

    /// Restores every slot from `state.<parameter>.<slot>` tensors; all must be present with the
    /// parameter's shape. Nothing is changed when one is missing or wrong.
    func load(_ state: [String: Tensor]) throws(ExecutionError) {
        for e in entries {
            for name in optimizer.slots {
                let key = "state.\(e.parameter.key).\(name)"
                guard let tensor = state[key] else { throw .invalidOptimizerState("'\(key)' is missing") }
                guard tensor.shape == e.parameter.shape else {
                    throw .invalidOptimizerState("'\(key)' has shape \(tensor.shape), expected \(e.parameter.shape)")
                }
            }
        }
        for e in entries {
            for (name, buffer) in zip(optimizer.slots, e.slots) { buffer.copy(from: state["state.\(e.parameter.key).\(name)"]!.scalars) }
        }
    }
}
