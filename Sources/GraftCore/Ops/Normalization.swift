/// Local response normalisation, Caffe's convention.
///
/// Across channels: `y = x * (k + alpha/size * sum(x^2 over `size` neighbouring channels))^-beta`.
/// Within a channel: `y = x * (1 + alpha/size^2 * sum(x^2 over a size x size window))^-beta`
/// (Caffe ignores `k` there). Importers from frameworks whose alpha is not divided by `size`
/// convert into this convention.
public struct LRN: Codable, Equatable, Sendable {
    public enum Region: String, Codable, Sendable { case acrossChannels, withinChannel }
    public var region: Region
    public var size: Int
    public var alpha: Float
    public var beta: Float
    public var k: Float

    public init(region: Region = .acrossChannels, size: Int = 5, alpha: Float = 1e-4, beta: Float = 0.75,
                k: Float = 1) {
        self.region = region
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }
}

/// Batch normalisation over axis 1 (channels): `y = (x - mean) / sqrt(variance + epsilon) * scale + shift`.
///
/// Parameters: `mean`, `variance` (statistics, never trained by gradient) and, when present,
/// `scale` (gamma) and `shift` (beta), each `[channels]`. Caffe's third blob (a moving-average
/// factor) is divided out by the importer.
public struct BatchNorm: Codable, Equatable, Sendable {
    public var epsilon: Float
    public var hasScale: Bool
    public var hasShift: Bool
    /// Moving-average momentum used when statistics are updated in training.
    public var momentum: Float

    public init(epsilon: Float = 1e-5, hasScale: Bool = false, hasShift: Bool = false, momentum: Float = 0.99) {
        self.epsilon = epsilon
        self.hasScale = hasScale
        self.hasShift = hasShift
        self.momentum = momentum
    }
}

/// Per-channel (or per-slice) multiply with an optional added bias, Caffe's Scale layer:
/// parameter `scale` has the input's dims `[axis ..< axis+axisCount]`, broadcast over the rest.
public struct Scale: Codable, Equatable, Sendable {
    public var axis: Int
    public var axisCount: Int
    public var hasBias: Bool

    public init(axis: Int = 1, axisCount: Int = 1, hasBias: Bool = false) {
        self.axis = axis
        self.axisCount = axisCount
        self.hasBias = hasBias
    }
}

/// Caffe's Bias layer: adds parameter `bias` of the input's dims `[axis ..< axis+axisCount]`.
public struct Bias: Codable, Equatable, Sendable {
    public var axis: Int
    public var axisCount: Int

    public init(axis: Int = 1, axisCount: Int = 1) {
        self.axis = axis
        self.axisCount = axisCount
    }
}

/// Layer normalisation (Ba et al. 2016): every sample normalised over dims `axis ... endAxis`
/// to zero mean and unit (biased) variance, then multiplied by `scale` and shifted by `shift`,
/// parameters of those dims' shape. ConvNeXt normalises the channels at every position: axis 1
/// of an NCHW tensor.
public struct LayerNormalization: Codable, Equatable, Sendable {
    public var axis: Int
    public var endAxis: Int
    public var epsilon: Float
    public var hasScale: Bool
    public var hasShift: Bool

    public init(axis: Int = 1, endAxis: Int? = nil, epsilon: Float = 1e-3, hasScale: Bool = true, hasShift: Bool = true) {
        self.axis = axis
        self.endAxis = endAxis ?? axis
        self.epsilon = epsilon
        self.hasScale = hasScale
        self.hasShift = hasShift
    }
}

/// L2 normalisation with a learned scale, the SSD fork's `Normalize` layer:
/// `y = x / sqrt(sum(x^2) + epsilon) * scale`, the sum taken over the channels at each position
/// (dim 1 of an `[N, C, ...]` input) or, `acrossSpatial`, over the whole sample. Parameter
/// `scale` is `[1]` when `channelShared`, else `[C]`. Epsilon is added to the sum of squares, not
/// to the norm, as both the fork and OpenCV do.
public struct L2Normalization: Codable, Equatable, Sendable {
    public var acrossSpatial: Bool
    public var channelShared: Bool
    public var epsilon: Float

    public init(acrossSpatial: Bool = true, channelShared: Bool = true, epsilon: Float = 1e-10) {
        self.acrossSpatial = acrossSpatial
        self.channelShared = channelShared
        self.epsilon = epsilon
    }
}
