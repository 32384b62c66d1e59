/// Rectified linear unit with the variants frameworks add:
/// `y = x > threshold ? min(x, maxValue) : negativeSlope * (x - threshold)`.
/// Plain ReLU is the default; ReLU6 is `maxValue: 6`; leaky ReLU has a negative slope.
public struct ReLU: Codable, Equatable, Sendable {
    /// The slope below the threshold (0: plain ReLU).
    public var negativeSlope: Float
    /// The cap on the output; nil: none.
    public var maxValue: Float?
    /// Where the two pieces meet (0: plain ReLU).
    public var threshold: Float

    /// Plain ReLU unless told otherwise.
    public init(negativeSlope: Float = 0, maxValue: Float? = nil, threshold: Float = 0) {
        self.negativeSlope = negativeSlope
        self.maxValue = maxValue
        self.threshold = threshold
    }
}

/// Parametric ReLU: `y = x > 0 ? x : slope[c] * x`, with parameter `slope` of `[channels]`
/// or `[1]` when shared across channels.
public struct PReLU: Codable, Equatable, Sendable {
    /// One slope for every channel.
    public var channelShared: Bool
    /// A PReLU with one slope per channel unless `channelShared`.
    public init(channelShared: Bool = false) { self.channelShared = channelShared }
}

/// Element-wise functions without parameters tensors.
public enum Activation: Codable, Equatable, Sendable {
    /// `x > 0 ? x : alpha * (exp(x) - 1)`.
    case elu(alpha: Float)
    /// `scale * elu(x, alpha)` with the SELU constants.
    case selu
    /// `1 / (1 + exp(-x))`.
    case sigmoid
    /// The hyperbolic tangent.
    case tanh
    /// Keras 1/2 and tf.keras: `clip(0.2 * x + 0.5, 0, 1)`.
    case hardSigmoid
    /// `clip(x / 6 + 0.5, 0, 1)`, i.e. `relu6(x + 3) / 6` (Keras 3's `hard_sigmoid`, PyTorch's
    /// Hardsigmoid).
    case hardSigmoidOneSixth
    /// `x * sigmoid(x)`.
    case swish
    /// `x * relu6(x + 3) / 6` (MobileNetV3's hard swish; Keras 3's `hard_silu`, PyTorch's
    /// Hardswish).
    case hardSwish
    /// `x * Φ(x)`, Φ the standard normal CDF (`approximate`: Hendrycks and Gimpel's tanh form,
    /// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`), as ConvNeXt's blocks use it.
    case gelu(approximate: Bool)
    /// `log(1 + exp(x))`.
    case softplus

    /// The name shown by `graft inspect`.
    public var name: String {
        switch self {
        case .elu: "ELU"
        case .selu: "SELU"
        case .sigmoid: "Sigmoid"
        case .tanh: "TanH"
        case .hardSigmoid: "HardSigmoid"
        case .hardSigmoidOneSixth: "HardSigmoid(x/6)"
        case .swish: "Swish"
        case .hardSwish: "HardSwish"
        case .gelu(let approximate): approximate ? "GELU(tanh)" : "GELU"
        case .softplus: "Softplus"
        }
    }
}

/// Caffe's Power layer: `y = (shift + scale * x) ^ power`.
public struct Power: Codable, Equatable, Sendable {
    /// The exponent.
    public var power: Float
    /// Multiplies `x` first.
    public var scale: Float
    /// Added after the scale.
    public var shift: Float

    /// The identity unless told otherwise.
    public init(power: Float = 1, scale: Float = 1, shift: Float = 0) {
        self.power = power
        self.scale = scale
        self.shift = shift
    }
}

/// Softmax along `axis` (1: channels).
public struct Softmax: Codable, Equatable, Sendable {
    /// The axis the probabilities sum to 1 along.
    public var axis: Int
    /// A softmax over the channels unless told otherwise.
    public init(axis: Int = 1) { self.axis = axis }
}

/// Dropout: identity at inference; in training, zeroes with probability `ratio` and scales the
/// rest by `1 / (1 - ratio)` (inverted dropout, as Caffe does).
public struct Dropout: Codable, Equatable, Sendable {
    /// The probability of zeroing an element in training.
    public var ratio: Float
    /// A dropout of `ratio` (0.5 unless told otherwise).
    public init(ratio: Float = 0.5) { self.ratio = ratio }
}

extension Activation {
    private enum CodingKeys: String, CodingKey { case function, alpha, approximate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let function = try c.decode(String.self, forKey: .function)
        switch function {
        case "elu": self = .elu(alpha: try c.decodeIfPresent(Float.self, forKey: .alpha) ?? 1)
        case "selu": self = .selu
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "hardSigmoid": self = .hardSigmoid
        case "hardSigmoidOneSixth": self = .hardSigmoidOneSixth
        case "swish": self = .swish
        case "softplus": self = .softplus
        case "hardSwish": self = .hardSwish
        case "gelu": self = .gelu(approximate: try c.decodeIfPresent(Bool.self, forKey: .approximate) ?? false)
        default:
            throw DecodingError.dataCorruptedError(forKey: .function, in: c,
                debugDescription: "unknown activation function '\(function)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .elu(let alpha):
            try c.encode("elu", forKey: .function)
            try c.encode(alpha, forKey: .alpha)
        case .selu: try c.encode("selu", forKey: .function)
        case .sigmoid: try c.encode("sigmoid", forKey: .function)
        case .tanh: try c.encode("tanh", forKey: .function)
        case .hardSigmoid: try c.encode("hardSigmoid", forKey: .function)
        case .hardSigmoidOneSixth: try c.encode("hardSigmoidOneSixth", forKey: .function)
        case .swish: try c.encode("swish", forKey: .function)
        case .softplus: try c.encode("softplus", forKey: .function)
        case .hardSwish: try c.encode("hardSwish", forKey: .function)
        case .gelu(let approximate):
            try c.encode("gelu", forKey: .function)
            try c.encode(approximate, forKey: .approximate)
        }
    }
}
