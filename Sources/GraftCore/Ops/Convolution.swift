/// 2-D convolution over NCHW input. Weight `[outputChannels, inputChannels/groups, kh, kw]`,
/// optional bias `[outputChannels]`.
///
/// Padding is stored per side so that frameworks with asymmetric padding (TensorFlow's `same`
/// with even kernels or strides) are represented exactly.
public struct Convolution: Codable, Equatable, Sendable {
    public var outputChannels: Int
    /// Kernel height and width.
    public var kernel: [Int]
    public var stride: [Int]
    /// Zero padding before the first row and column: [top, left].
    public var padBegin: [Int]
    /// Zero padding after the last row and column: [bottom, right].
    public var padEnd: [Int]
    public var dilation: [Int]
    /// Channel groups; `groups == inputChannels == outputChannels` is a depthwise convolution.
    public var groups: Int
    public var hasBias: Bool

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
    public var outputChannels: Int
    public var kernel: [Int]
    public var stride: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]
    public var dilation: [Int]
    public var groups: Int
    public var hasBias: Bool
    /// Extra rows/columns added at the bottom/right of the output (Keras `output_padding`).
    public var outputPadding: [Int]

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
    public var outputCount: Int
    public var hasBias: Bool
    public var axis: Int

    public init(outputCount: Int, hasBias: Bool = true, axis: Int = 1) {
        self.outputCount = outputCount
        self.hasBias = hasBias
        self.axis = axis
    }
}
