/// A `BlobProto`: one learned array of a layer (weights, bias, BatchNorm statistics, ...).
public struct CaffeBlob: Equatable, Sendable {
    /// Where a blob's dimensions came from.
    public enum ShapeSource: Equatable, Sendable {
        /// `BlobProto.shape` (field 7), exact rank.
        case blobShape
        /// The deprecated num/channels/height/width (fields 1-4): always rank 4, padded with ones
        /// (a V1 InnerProduct weight is 1x1xNxK); the mapper squeezes it.
        case legacy4D
    }

    /// Where the values came from.
    public enum Precision: Equatable, Sendable {
        /// `data` (float32).
        case float
        /// `double_data` (float64), rounded to float32.
        case double
        /// Neither was present (an empty blob).
        case none
    }

    /// The blob's dimensions.
    public var shape: [Int]
    /// Which fields the dimensions came from.
    public var shapeSource: ShapeSource
    /// Which field the values came from.
    public var precision: Precision
    /// Row-major values; the count equals the product of `shape` (checked by the readers).
    public var data: [Float]

    /// A blob of `shape` holding `data`, float32 with a `BlobShape` unless told otherwise.
    public init(shape: [Int], shapeSource: ShapeSource = .blobShape, precision: Precision = .float, data: [Float]) {
        self.shape = shape
        self.shapeSource = shapeSource
        self.precision = precision
        self.data = data
    }

    /// The raw legacy num/channels/height/width when the shape came from them, for the mapper's squeeze.
    public var legacy4D: [Int]? { shapeSource == .legacy4D ? shape : nil }
}
