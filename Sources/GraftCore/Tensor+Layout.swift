/// Memory layouts of 4-D image tensors. Graft computes in NCHW; Keras/TensorFlow use NHWC.
public enum Layout: String, Codable, Sendable, CaseIterable {
    case nchw, nhwc
}

extension Tensor {
    /// Permutes the axes: output axis `i` is input axis `order[i]`.
    public func transposed(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<shape.rank), "transposed: \(order) is not a permutation")
        let rank = shape.rank
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let outShape = Shape(order.map { shape[$0] })
        var out = [Float](repeating: 0, count: scalars.count)
        var index = [Int](repeating: 0, count: rank)
        let permutedStrides = order.map { inStrides[$0] }
        for o in 0..<out.count {
            var source = 0
            for axis in 0..<rank { source += index[axis] * permutedStrides[axis] }
            out[o] = scalars[source]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < outShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: outShape, scalars: out)
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
