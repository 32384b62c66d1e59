/// 2-D max or average pooling over NCHW input.
public struct Pooling: Codable, Equatable, Sendable {
    /// What a window computes.
    public enum Method: String, Codable, Sendable {
        /// The window's largest element.
        case max
        /// The mean of the window (see ``AverageDivisor``).
        case average
    }

    /// How the output size is rounded when the window does not tile the input exactly.
    public enum Rounding: String, Codable, Sendable {
        /// Caffe: `ceil((in + pads - k) / s) + 1`, minus one if the last window would start
        /// inside the end padding.
        case ceil
        /// TensorFlow, PyTorch default: `floor((in + pads - k) / s) + 1`.
        case floor
    }

    /// What an average window divides by.
    public enum AverageDivisor: String, Codable, Sendable {
        /// Caffe: the window clipped to the padded input, so padding counts but the ceil-mode
        /// overhang beyond the padding does not.
        case includePadding
        /// TensorFlow/Keras `same`: only elements inside the image count.
        case excludePadding
    }

    /// Max or average.
    public var method: Method
    /// Window height and width.
    public var kernel: [Int]
    /// Rows and columns between windows.
    public var stride: [Int]
    /// Padding before the first row and column: [top, left].
    public var padBegin: [Int]
    /// Padding after the last row and column: [bottom, right].
    public var padEnd: [Int]
    /// How the output size is rounded.
    public var rounding: Rounding
    /// Pool over the whole spatial extent (kernel, stride and pads are ignored); output is N x C x 1 x 1.
    public var global: Bool
    /// What an average window divides by.
    public var averageDivisor: AverageDivisor

    /// A pooling; `stride` defaults to the kernel, `padEnd` to `padBegin`.
    public init(method: Method, kernel: [Int] = [1, 1], stride: [Int]? = nil, padBegin: [Int] = [0, 0],
                padEnd: [Int]? = nil, rounding: Rounding = .floor, global: Bool = false,
                averageDivisor: AverageDivisor = .includePadding) {
        self.method = method
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padBegin = padBegin
        self.padEnd = padEnd ?? padBegin
        self.rounding = rounding
        self.global = global
        self.averageDivisor = averageDivisor
    }
}
