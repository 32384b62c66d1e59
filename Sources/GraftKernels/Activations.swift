public import GraftCore
import CGraftSIMD

/// Element-wise non-linearities. Input and output may be the same buffer.
public enum ActivationKernels {
    /// `y = x > threshold ? min(x, maxValue) : negativeSlope * (x - threshold)` (GraftCore's ReLU).
    public static func relu(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                            negativeSlope: Float, maxValue: Float?, threshold: Float) {
        let f = FusedActivation(negativeSlope: negativeSlope, maxValue: maxValue, threshold: threshold)
        Parallel.forEach(count, minimumWork: 1 << 16) { range in
            f.apply(input + range.lowerBound, output + range.lowerBound, count: range.count)
        }
    }

    /// An activation as the last step of another kernel (a convolution applies it to each block
    /// of output while it is in cache): GraftCore's ReLU with the formula of
    /// ``relu(input:output:count:negativeSlope:maxValue:threshold:)``, or Swish or HardSwish with
    /// the operations of ``apply(_:input:output:count:)`` (the vector sigmoid where there is a
    /// vector unit), so a fused result equals the separate layers' bit for bit.
    public struct FusedActivation: Sendable, Equatable {
        /// Which function it applies.
        public enum Kind: Sendable, Equatable {
            /// GraftCore's ReLU with ``negativeSlope``, ``ceiling`` and ``threshold``.
            case relu
            /// `x · sigmoid(x)` (EfficientNet's SiLU).
            case swish
            /// `x · min(max(x + 3, 0), 6) / 6` (MobileNetV3's).
            case hardSwish
        }

        /// The function.
        public let kind: Kind
        /// The ReLU's slope below the threshold, its cap (infinity for none) and its threshold
        /// (unused by the other kinds).
        public let negativeSlope: Float, ceiling: Float, threshold: Float

        /// The ReLU with these settings (nil `maxValue`: no cap).
        public init(negativeSlope: Float, maxValue: Float?, threshold: Float) {
            kind = .relu
            self.negativeSlope = negativeSlope
            self.ceiling = maxValue ?? .infinity
            self.threshold = threshold
        }

        private init(kind: Kind) {
            self.kind = kind
            (negativeSlope, ceiling, threshold) = (0, .infinity, 0)
        }

        /// `x · sigmoid(x)`.
        public static let swish = FusedActivation(kind: .swish)
        /// `x · min(max(x + 3, 0), 6) / 6`.
        public static let hardSwish = FusedActivation(kind: .hardSwish)

        /// The fused form of a GraftCore activation, or nil for one no kernel applies as it stores.
        public init?(_ function: Activation) {
            switch function {
            case .swish: self = .swish
            case .hardSwish: self = .hardSwish
            default: return nil
            }
        }

        /// `output[i] = f(input[i])` for `i < count` on the calling thread (input and output may
        /// be the same), Swish on `isa`'s vector sigmoid (read it before handing work to the
        /// workers: ``PanelKernels/override`` is task-local).
        @inline(__always)
        public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                          isa: PanelKernels.InstructionSet = PanelKernels.active) {
            switch kind {
            case .relu:
                let (slope, ceiling, threshold) = (negativeSlope, self.ceiling, self.threshold)
                for i in 0..<count {
                    let x = input[i]
                    output[i] = x > threshold ? min(x, ceiling) : slope * (x - threshold)
                }
            case .swish: ActivationKernels.applyOnOneThread(.swish, isa: isa, input: input, output: output, count: count)
            case .hardSwish: ActivationKernels.applyOnOneThread(.hardSwish, isa: isa, input: input, output: output, count: count)
            }
        }

        /// In place over `rows` rows of `count` floats, `stride` apart.
        @inline(__always)
        public func apply(rows: Int, count: Int, stride: Int, _ data: UnsafeMutablePointer<Float>) {
            for r in 0..<rows { apply(data + r * stride, data + r * stride, count: count) }
        }
    }

    /// `y = x > 0 ? x : slope[c] * x` over `[outer, channels, inner]`; one shared slope when
    /// `channelShared`.
    public static func prelu(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             outer: Int, channels: Int, inner: Int,
                             slope: UnsafePointer<Float>, channelShared: Bool) {
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                let a = channelShared ? slope[0] : slope[c]
                for i in 0..<inner {
                    let x = input[base + i]
                    output[base + i] = x > 0 ? x : a * x
                }
            }
        }
    }

    /// √(2/π), GELU's tanh approximation.
    static let geluTanhScale: Float = 0.7978845608028654

    /// SELU's constants (Klambauer et al. 2017), as Keras uses them.
    public static let seluAlpha: Float = 1.6732632423543772
    /// SELU's scale (lambda).
    public static let seluScale: Float = 1.0507009873554805

    /// Applies one parameterless `Activation` (GraftCore), element by element, the elements
    /// shared out between the workers (EfficientNet's Swish passes took longer than its
    /// convolutions on one core).
    ///
    /// Sigmoid and Swish run eight to a vector on a vector unit (exp.c: within a few ulp of the
    /// C library's `expf`, which the portable loop calls).
    public static func apply(_ function: Activation, input: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, count: Int) {
        let isa = PanelKernels.active
        Parallel.forEach(count, minimumWork: 1 << 14) { range in
            applyOnOneThread(function, isa: isa, input: input + range.lowerBound, output: output + range.lowerBound, count: range.count)
        }
    }

    /// ``apply(_:input:output:count:)`` on the calling thread with `isa`'s vector kernels: each
    /// element's result depends on that element alone, so any split gives the same bits
    /// (``FusedActivation`` relies on it).
    static func applyOnOneThread(_ function: Activation, isa: PanelKernels.InstructionSet, input: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>, count: Int) {
        switch function {
        case .sigmoid where isa != .none: _ = graft_simd_sigmoid(isa.c, 0, input, output, count)
        case .swish where isa != .none: _ = graft_simd_sigmoid(isa.c, 1, input, output, count)
        default: applySerially(function, input: input, output: output, count: count)
        }
    }

    private static func applySerially(_ function: Activation, input: UnsafePointer<Float>,
                                      output: UnsafeMutablePointer<Float>, count: Int) {
        switch function {
        case .elu(let alpha):
            for i in 0..<count { output[i] = elu(input[i], alpha) }
        case .selu:
            for i in 0..<count { output[i] = seluScale * elu(input[i], seluAlpha) }
        case .sigmoid:
            for i in 0..<count { output[i] = sigmoid(input[i]) }
        case .tanh:
            for i in 0..<count { output[i] = Elementary.tanh(input[i]) }
        case .hardSigmoid:
            for i in 0..<count { output[i] = min(max(0.2 * input[i] + 0.5, 0), 1) }
        case .hardSigmoidOneSixth:
            for i in 0..<count { output[i] = min(max(input[i] + 3, 0), 6) / 6 }
        case .swish:
            for i in 0..<count { output[i] = input[i] * sigmoid(input[i]) }
        case .hardSwish:
            for i in 0..<count { output[i] = input[i] * (min(max(input[i] + 3, 0), 6) / 6) }
        case .gelu(let approximate):
            if approximate {
                for i in 0..<count {
                    let x = input[i]
                    output[i] = 0.5 * x * (1 + Elementary.tanh(geluTanhScale * (x + 0.044715 * x * x * x)))
                }
            } else {
                for i in 0..<count { output[i] = 0.5 * input[i] * (1 + Elementary.erf(input[i] * Float(0.5).squareRoot())) }
            }
        case .softplus:
            // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large x.
            for i in 0..<count {
                let x = input[i]
                output[i] = max(x, 0) + Elementary.logOnePlus(Elementary.exp(-abs(x)))
            }
        }
    }

    /// Caffe's Power: `y = (shift + scale * x) ^ power`.
    public static func power(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
                             power: Float, scale: Float, shift: Float) {
        switch power {
        case 1: for i in 0..<count { output[i] = shift + scale * input[i] }
        case 2: for i in 0..<count { let b = shift + scale * input[i]; output[i] = b * b }
        default: for i in 0..<count { output[i] = Elementary.pow(shift + scale * input[i], power) }
        }
    }

    @inline(__always)
    static func elu(_ x: Float, _ alpha: Float) -> Float {
        x > 0 ? x : alpha * Elementary.expMinusOne(x)
    }

    /// `1 / (1 + e^-x)`, evaluated so that neither branch overflows.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Elementary.exp(-x)) }
        let e = Elementary.exp(x)
        return e / (1 + e)
    }
}
