import Foundation

/// How the learning rate changes with the iteration `t` (the number of updates already made, so the
/// first update uses `t = 0`, as Caffe's solvers do). Every schedule is a factor applied to the
/// optimizer's base rate:
///
/// | decay | factor |
/// |---|---|
/// | `fixed` | 1 |
/// | `step` | `gamma ^ floor(t / stepSize)` (Caffe "step") |
/// | `multistep` | `gamma ^ (number of milestones ≤ t)` (Caffe "multistep") |
/// | `poly` | `(1 - min(t, T) / T) ^ power` (Caffe "poly", `T = maxIterations`) |
/// | `cosine` | `m + (1 - m) * (1 + cos(π * min(t, T) / T)) / 2` (PyTorch CosineAnnealingLR, `m = minimumFactor`) |
///
/// A linear warm-up multiplies the first `warmupIterations` factors by
/// `s + (1 - s) * t / warmupIterations` (`s = warmupStartFactor`; PyTorch's LinearLR).
public struct LearningRateSchedule: Sendable, Equatable {
    /// The decay of the factor with `t` (see the type's documentation for each formula).
    public enum Decay: Sendable, Equatable {
        /// A factor of 1 throughout.
        case fixed
        /// Multiplied by `gamma` every `stepSize` iterations.
        case step(stepSize: Int, gamma: Float)
        /// Multiplied by `gamma` at each milestone.
        case multistep(milestones: [Int], gamma: Float)
        /// Falls polynomially to 0 at `maxIterations`.
        case poly(maxIterations: Int, power: Float)
        /// Falls along a half cosine to `minimumFactor` at `maxIterations`.
        case cosine(maxIterations: Int, minimumFactor: Float = 0)
    }

    /// How the factor decays.
    public var decay: Decay
    /// Iterations of linear warm-up (0: none).
    public var warmupIterations: Int
    /// The warm-up's factor at `t = 0`.
    public var warmupStartFactor: Float

    /// A schedule decaying as `decay`, after an optional linear warm-up.
    public init(_ decay: Decay = .fixed, warmupIterations: Int = 0, warmupStartFactor: Float = 0) {
        self.decay = decay
        self.warmupIterations = warmupIterations
        self.warmupStartFactor = warmupStartFactor
    }

    /// A constant learning rate.
    public static let fixed = LearningRateSchedule()

    /// The factor at iteration `t` (see the type's documentation), in double precision.
    public func factor(at t: Int) -> Double {
        var f: Double
        switch decay {
        case .fixed:
            f = 1
        case .step(let stepSize, let gamma):
            f = pow(Double(gamma), Double(t / max(stepSize, 1)))
        case .multistep(let milestones, let gamma):
            f = pow(Double(gamma), Double(milestones.filter { t >= $0 }.count))
        case .poly(let maxIterations, let power):
            let progress = min(Double(t), Double(maxIterations)) / Double(max(maxIterations, 1))
            f = pow(1 - progress, Double(power))
        case .cosine(let maxIterations, let minimumFactor):
            let progress = min(Double(t), Double(maxIterations)) / Double(max(maxIterations, 1))
            f = Double(minimumFactor) + (1 - Double(minimumFactor)) * (1 + cos(Double.pi * progress)) / 2
        }
        if t < warmupIterations {
            let s = Double(warmupStartFactor)
            f *= s + (1 - s) * Double(t) / Double(warmupIterations)
        }
        return f
    }

    /// `base * factor(at: t)`.
    public func rate(base: Float, at t: Int) -> Float { Float(Double(base) * factor(at: t)) }
}

/// Caffe's SGD solver: per parameter with `rate = learningRate(t) * lr_mult` and
/// `decay = weightDecay * decay_mult`,
///
///     history = momentum * history + rate * (gradient + decay * weight)
///     weight -= history
public struct SGD: Sendable, Equatable {
    /// The base learning rate, before the schedule and `lr_mult`.
    public var learningRate: Float
    /// The weight of the previous update in the history.
    public var momentum: Float
    /// The L2 weight decay, before `decay_mult`.
    public var weightDecay: Float
    /// How the learning rate changes with the iteration.
    public var schedule: LearningRateSchedule

    /// Caffe's SGD with these settings (momentum 0.9 and no weight decay unless given).
    public init(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0, schedule: LearningRateSchedule = .fixed) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.schedule = schedule
    }
}

/// Adam with bias correction and L2 weight decay added to the gradient (`decay = weightDecay *
/// decay_mult`, `rate = learningRate(t) * lr_mult`, step number `n = t + 1`):
///
///     g = gradient + decay * weight
///     m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g²
///     PyTorch: weight -= rate * (m / (1 - beta1^n)) / (sqrt(v / (1 - beta2^n)) + epsilon)
///     Caffe:   weight -= rate * sqrt(1 - beta2^n) / (1 - beta1^n) * m / (sqrt(v) + epsilon)
///
/// The two differ only in where epsilon sits.
public struct Adam: Sendable, Equatable {
    /// Where epsilon sits in the update (the two formulas above).
    public enum EpsilonPlacement: String, Sendable, Equatable {
        /// Added to the bias-corrected root of `v` (PyTorch).
        case pytorch
        /// Added to the uncorrected root of `v`, the correction folded into the rate (Caffe).
        case caffe
    }

    /// The base learning rate, before the schedule and `lr_mult`.
    public var learningRate: Float
    /// Decay rate of the first-moment average `m`.
    public var beta1: Float
    /// Decay rate of the second-moment average `v`.
    public var beta2: Float
    /// Added to the denominator, where ``epsilonPlacement`` says.
    public var epsilon: Float
    /// The L2 weight decay added to the gradient, before `decay_mult`.
    public var weightDecay: Float
    /// How the learning rate changes with the iteration.
    public var schedule: LearningRateSchedule
    /// Which of the two formulas above the update follows.
    public var epsilonPlacement: EpsilonPlacement

    /// Adam with these settings; the defaults are PyTorch's.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, schedule: LearningRateSchedule = .fixed, epsilonPlacement: EpsilonPlacement = .pytorch) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.epsilonPlacement = epsilonPlacement
    }
}

/// The update rule of a ``TrainingSession``.
public enum Optimizer: Sendable, Equatable {
    /// Stochastic gradient descent with momentum.
    case sgd(SGD)
    /// Adam.
    case adam(Adam)

    /// The base learning rate before the schedule and the per-parameter multiplier.
    public var baseLearningRate: Float {
        switch self {
        case .sgd(let s): s.learningRate
        case .adam(let a): a.learningRate
        }
    }

    /// The optimizer's learning-rate schedule.
    public var schedule: LearningRateSchedule {
        switch self {
        case .sgd(let s): s.schedule
        case .adam(let a): a.schedule
        }
    }

    /// The learning rate of update `t` (0-based) before per-parameter multipliers.
    public func learningRate(at t: Int) -> Float { schedule.rate(base: baseLearningRate, at: t) }

    /// Names of the per-parameter state slots, exported as `state.<parameter>.<slot>`.
    public var slots: [String] {
        switch self {
        case .sgd: ["history"]
        case .adam: ["m", "v"]
        }
    }
}
