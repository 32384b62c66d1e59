/// One array as a framework file stores it, summarised: where it is, its shape and element type,
/// and its statistics. What `graft inspect` lists for a weights file that holds no graph (a
/// Keras 3 subclassed model's `.weights.h5`, a legacy `save_weights` `.h5`, a `.caffemodel`
/// without its prototxt), so that any weights file can be looked inside.
public struct StoredTensorSummary: Codable, Equatable, Sendable {
    /// The path inside the file (`layers/conv2d/vars/0`, `/model_weights/conv1/conv1/kernel:0`,
    /// Caffe's `conv1/0`).
    public var path: String
    /// The array's dimensions as stored.
    public var shape: [Int]
    /// The stored element type (`float32`, `float16`, `int64`, ...).
    public var storedType: String
    /// The values' statistics.
    public var statistics: TensorStatistics

    /// A summary of the array at `path`.
    public init(path: String, shape: [Int], storedType: String, statistics: TensorStatistics) {
        self.path = path
        self.shape = shape
        self.storedType = storedType
        self.statistics = statistics
    }
}
