/// Memory layouts of 4-D image tensors. Graft computes in NCHW; Keras/TensorFlow use NHWC.
public enum Layout: String, Codable, Sendable, CaseIterable {
    /// Batch, channels, height, width (Graft, Caffe) or batch, height, width, channels (Keras, TensorFlow).
    case nchw, nhwc
}

extension Tensor {
    /// Permutes the axes: output axis `i` is input axis `order[i]` (``AxisPermutation``).
    public func transposed(_ order: [Int]) -> Tensor {
        Tensor(shape: Shape(order.map { shape[$0] }), scalars: AxisPermutation.permuted(scalars, shape: shape.dims, order: order))
    }

    /// NHWC to NCHW for 4-D tensors; other ranks are returned unchanged.
    public func nchw(from layout: Layout) -> Tensor {
        layout == .nhwc && shape.rank == 4 ? transposed([0, 3, 1, 2]) : self
    }

    /// NCHW to the given layout for 4-D tensors; other ranks are returned unchanged.
    public func converted(to layout: Layout) -> Tensor {
        layout == .nhwc && shape.rank == 4 ? transposed([0, 2, 3, 1]) : self
    }
}
