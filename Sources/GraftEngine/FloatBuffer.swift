import GraftCore

/// Floats owned by the engine, allocated and zeroed once. The address never changes, so a plan
/// reuses the same memory on every run (glibc maps large blocks afresh on every allocation).
final class FloatBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `scalars` (not zeroed first: weights can be large).
    init(copying scalars: [Float]) {
        count = scalars.count
        pointer = .allocate(capacity: max(count, 1))
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                pointer.initialize(from: base, count: source.count)
            } else {
                pointer.initialize(to: 0)
            }
        }
    }

    deinit { pointer.deallocate() }

    /// A copy of the first `shape.elementCount` floats as a tensor of `shape` (a buffer shared
    /// by several values may be larger than any one of them).
    func tensor(shape: Shape) -> Tensor {
        let elements = shape.elementCount
        precondition(elements <= count, "FloatBuffer: shape \(shape) for \(count) floats")
        return Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: pointer, count: elements)))
    }
}
