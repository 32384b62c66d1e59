/// Softmax over the middle axis of `[outer, axis, inner]`.
public enum SoftmaxKernels {
    /// `y = exp(x - max) / Σ exp(x - max)` along the axis; subtracting the maximum keeps `exp`
    /// from overflowing without changing the result.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               outer: Int, axis: Int, inner: Int) {
        for o in 0..<outer {
            for i in 0..<inner {
                let x = input + o * axis * inner + i
                let y = output + o * axis * inner + i
                var largest = -Float.infinity
                for a in 0..<axis { largest = max(largest, x[a * inner]) }
                var sum: Float = 0
                for a in 0..<axis {
                    let e = Elementary.exp(x[a * inner] - largest)
                    y[a * inner] = e
                    sum += e
                }
                let reciprocal = 1 / sum
                for a in 0..<axis { y[a * inner] *= reciprocal }
            }
        }
    }
}
