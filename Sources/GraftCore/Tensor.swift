/// A dense float32 tensor in row-major order: the one element type Graft computes in.
///
/// Other dtypes exist only at the file boundary (see ``DType``); readers convert them.
public struct Tensor: Equatable, Sendable {
    /// The dimensions.
    public var shape: Shape
    /// The elements in row-major order.
    public var scalars: [Float]

    /// Creates a tensor; the scalar count must equal the shape's element count (a caller bug otherwise).
    public init(shape: Shape, scalars: [Float]) {
        precondition(shape.checkedElementCount == scalars.count,
                     "Tensor: \(scalars.count) scalars for shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: Shape, repeating value: Float = 0) {
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.elementCount)
    }

    /// The number of elements.
    public var elementCount: Int { scalars.count }

    /// The same scalars under another shape with the same element count.
    public func reshaped(_ newShape: Shape) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }
}
