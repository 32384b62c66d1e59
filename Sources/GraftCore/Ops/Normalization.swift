/// Local response normalisation, Caffe's convention.
///
/// Across channels: `y = x * (k + alpha/size * sum(x^2 over `size` neighbouring channels))^-beta`.
/// Within a channel: `y = x * (1 + alpha/size^2 * sum(x^2 over a size x size window))^-beta`
/// (Caffe ignores `k` there). Importers from frameworks whose alpha is not divided by `size`
/// convert into this convention.
public struct LRN: Codable, Equatable, Sendable {
    /// Where the squares are summed.
    public enum Region: String, Codable, Sendable {
        /// Over `size` neighbouring channels at one position.
        case acrossChannels
        /// Over a `size` x `size` window of one channel.
        case withinChannel
    }
    /// Across neighbouring channels or within a window of one channel.
    public var region: Region
    /// Channels (or the window's side) summed over.
    public var size: Int
    /// The scale of the sum of squares, before division by `size` (or `size²`).
    public var alpha: Float
    /// The exponent.
    public var beta: Float
    /// Added to the scaled sum (across channels only).
    public var k: Float

    /// An LRN with Caffe's defaults unless told otherwise.
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
    /// Added to the variance.
    public var epsilon: Float
    /// Whether the node has a `scale` (gamma) parameter.
    public var hasScale: Bool
    /// Whether the node has a `shift` (beta) parameter.
    public var hasShift: Bool
    /// Moving-average momentum used when statistics are updated in training.
    public var momentum: Float

    /// A batch normalisation, without scale and shift unless told otherwise.
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
    /// The first input axis the scale covers.
    public var axis: Int
    /// How many axes the scale covers.
    public var axisCount: Int
    /// Whether the node also adds a `bias` parameter.
    public var hasBias: Bool

    /// A per-channel scale unless told otherwise.
    public init(axis: Int = 1, axisCount: Int = 1, hasBias: Bool = false) {
        self.axis = axis
        self.axisCount = axisCount
        self.hasBias = hasBias
    }
}

/// Caffe's Bias layer: adds parameter `bias` of the input's dims `[axis ..< axis+axisCount]`.
public struct Bias: Codable, Equatable, Sendable {
    /// The first input axis the bias covers.
    public var axis: Int
    /// How many axes the bias covers.
    public var axisCount: Int

    /// A per-channel bias unless told otherwise.
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
    /// The first axis normalised over.
    public var axis: Int
    /// The last axis normalised over.
    public var endAxis: Int
    /// Added to the variance.
    public var epsilon: Float
    /// Whether the node has a `scale` parameter.
    public var hasScale: Bool
    /// Whether the node has a `shift` parameter.
    public var hasShift: Bool

    /// A layer normalisation over `axis ... endAxis` (`endAxis` defaults to `axis`).
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
    /// Sum over the whole sample instead of the channels at each position.
    public var acrossSpatial: Bool
    /// One scale for every channel.
    public var channelShared: Bool
    /// Added to the sum of squares.
    public var epsilon: Float

    /// An L2 normalisation with the fork's defaults unless told otherwise.
    public init(acrossSpatial: Bool = true, channelShared: Bool = true, epsilon: Float = 1e-10) {
        self.acrossSpatial = acrossSpatial
        self.channelShared = channelShared
        self.epsilon = epsilon
    }
}
