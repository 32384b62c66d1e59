extension Shape {
    /// The shape NumPy broadcasting gives `shapes`: aligned on their last dimensions, each
    /// dimension the common size, where a size of 1 stretches to the other. Nil when two sizes
    /// differ and neither is 1. Keras, ONNX and NumPy all broadcast this way; Caffe never does.
    public static func broadcast(_ shapes: [Shape]) -> Shape? {
        guard let rank = shapes.map(\.rank).max() else { return nil }
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.rank
            for (i, d) in shape.dims.enumerated() {
                let j = offset + i
                if result[j] == 1 {
                    result[j] = d
                } else if d != 1 && d != result[j] {
                    return nil
                }
            }
        }
        return Shape(result)
    }
}
