/// 2-D max or average pooling over NCHW input.
public struct Pooling: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable { case max, average }

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

    public var method: Method
    public var kernel: [Int]
    public var stride: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]
    public var rounding: Rounding
    /// Pool over the whole spatial extent (kernel, stride and pads are ignored); output is N x C x 1 x 1.
    public var global: Bool
    public var averageDivisor: AverageDivisor

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
