/// 2-D convolution over NCHW input. Weight `[outputChannels, inputChannels/groups, kh, kw]`,
/// optional bias `[outputChannels]`.
///
/// Padding is stored per side so that frameworks with asymmetric padding (TensorFlow's `same`
/// with even kernels or strides) are represented exactly.
public struct Convolution: Codable, Equatable, Sendable {
    /// Filters, hence output channels.
    public var outputChannels: Int
    /// Kernel height and width.
    public var kernel: [Int]
    /// Rows and columns between window positions.
    public var stride: [Int]
    /// Zero padding before the first row and column: [top, left].
    public var padBegin: [Int]
    /// Zero padding after the last row and column: [bottom, right].
    public var padEnd: [Int]
    /// Rows and columns between kernel taps (1: dense).
    public var dilation: [Int]
    /// Channel groups; `groups == inputChannels == outputChannels` is a depthwise convolution.
    public var groups: Int
    /// Whether the node has a `bias` parameter.
    public var hasBias: Bool

    /// A convolution; `padEnd` defaults to `padBegin` (symmetric padding).
    public init(outputChannels: Int, kernel: [Int], stride: [Int] = [1, 1], padBegin: [Int] = [0, 0],
                padEnd: [Int]? = nil, dilation: [Int] = [1, 1], groups: Int = 1, hasBias: Bool = true) {
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padBegin = padBegin
        self.padEnd = padEnd ?? padBegin
        self.dilation = dilation
        self.groups = groups
        self.hasBias = hasBias
    }
}

/// 2-D transposed convolution ("deconvolution"), Caffe's definition: output size
/// `stride * (in - 1) + dilation * (k - 1) + 1 - padBegin - padEnd + outputPadding`.
/// Weight `[inputChannels, outputChannels/groups, kh, kw]` (Caffe's layout), optional bias.
public struct Deconvolution: Codable, Equatable, Sendable {
    /// Output channels.
    public var outputChannels: Int
    /// Kernel height and width.
    public var kernel: [Int]
    /// The upsampling factor along rows and columns.
    public var stride: [Int]
    /// Rows and columns cropped from the top and left of the full output.
    public var padBegin: [Int]
    /// Rows and columns cropped from the bottom and right of the full output.
    public var padEnd: [Int]
    /// Rows and columns between kernel taps.
    public var dilation: [Int]
    /// Channel groups.
    public var groups: Int
    /// Whether the node has a `bias` parameter.
    public var hasBias: Bool
    /// Extra rows/columns added at the bottom/right of the output (Keras `output_padding`).
    public var outputPadding: [Int]

    /// A deconvolution; `padEnd` defaults to `padBegin`.
    public init(outputChannels: Int, kernel: [Int], stride: [Int] = [1, 1], padBegin: [Int] = [0, 0],
                padEnd: [Int]? = nil, dilation: [Int] = [1, 1], groups: Int = 1, hasBias: Bool = true,
                outputPadding: [Int] = [0, 0]) {
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padBegin = padBegin
        self.padEnd = padEnd ?? padBegin
        self.dilation = dilation
        self.groups = groups
        self.hasBias = hasBias
        self.outputPadding = outputPadding
    }
}

/// Fully connected layer (Caffe InnerProduct, Keras Dense): the input's dims from `axis` on are
/// flattened to K; output is `dims[..<axis] + [outputCount]`.
/// Weight `[outputCount, K]` (rows are output units), optional bias `[outputCount]`.
public struct InnerProduct: Codable, Equatable, Sendable {
    /// Output units.
    public var outputCount: Int
    /// Whether the node has a `bias` parameter.
    public var hasBias: Bool
    /// The first input axis flattened into K.
    public var axis: Int

    /// An inner product with `outputCount` units, flattening from axis 1 by default.
    public init(outputCount: Int, hasBias: Bool = true, axis: Int = 1) {
        self.outputCount = outputCount
        self.hasBias = hasBias
        self.axis = axis
    }
}
