import GraftCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Floats owned by the engine, allocated and zeroed once. The address never changes, so a plan
/// reuses the same memory on every run (glibc maps large blocks afresh on every allocation).
///
/// Every buffer starts on a cache line (glibc's large blocks start 16 bytes past a page): the
/// vector kernels read 16 floats at a time (a panel's row, one line when aligned), and 16 bytes
/// past a line every such read spans two lines. CaffeNet fc6's fused update (one-process
/// harness, 2 threads, Zen 3), against the gradient written out and read back: 1.01-1.05x the
/// time with the weight and its history 16 bytes past a line, 0.82-0.88x on one.
final class FloatBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>
    /// What `calloc` or `malloc` returned (up to a line before `pointer`), for `free`.
    private let block: UnsafeMutableRawPointer

    /// Bytes of the line each buffer starts on.
    static let alignment = 64

    /// The block for `count` floats from a line boundary, and that boundary.
    private static func allocate(_ count: Int, zeroed: Bool) -> (block: UnsafeMutableRawPointer, floats: UnsafeMutablePointer<Float>) {
        let slack = alignment / MemoryLayout<Float>.stride
        precondition(count <= Int.max / MemoryLayout<Float>.stride - slack, "FloatBuffer: \(count) floats overflow a byte count")
        let floats = max(count, 1) + slack
        guard let block = zeroed ? calloc(floats, MemoryLayout<Float>.stride) : malloc(floats * MemoryLayout<Float>.stride) else {
            fatalError("FloatBuffer: out of memory allocating \(count) floats")
        }
        return (block, block.alignedUp(toMultipleOf: alignment).bindMemory(to: Float.self, capacity: max(count, 1)))
    }

    /// A zeroed buffer. `calloc` hands large blocks out as fresh zero pages that take no memory
    /// until first written, so buffers a plan allocates up front (gradients, optimizer history,
    /// activations) do not add to the peak while the caller's copy of the weights still exists.
    init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count")
        BufferAllocations.record(floats: count)
        self.count = count
        (block, pointer) = Self.allocate(count, zeroed: true)
    }

    /// A buffer holding a copy of `scalars` (not zeroed first: weights can be large).
    init(copying scalars: [Float]) {
        BufferAllocations.record(floats: scalars.count)
        count = scalars.count
        (block, pointer) = Self.allocate(count, zeroed: false)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                pointer.initialize(from: base, count: source.count)
            } else {
                pointer.initialize(to: 0)
            }
        }
    }

    deinit { free(block) }

    /// A copy of the first `shape.elementCount` floats as a tensor of `shape` (a buffer shared
    /// by several values may be larger than any one of them).
    func tensor(shape: Shape) -> Tensor {
        let elements = shape.elementCount
        precondition(elements <= count, "FloatBuffer: shape \(shape) for \(count) floats")
        return Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: pointer, count: elements)))
    }

    /// Overwrites the first `scalars.count` floats.
    func copy(from scalars: [Float]) {
        precondition(scalars.count <= count, "FloatBuffer: \(scalars.count) floats for \(count)")
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: source.count) }
        }
    }
}

/// Engine-owned 32-bit integers (max pooling's argmax), allocated and zeroed once.
final class IndexBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Int32>

    init(count: Int) {
        precondition(count >= 0, "IndexBuffer: negative count")
        BufferAllocations.record(floats: count)
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

/// Counts engine buffer allocations made by the current task while a counter is installed, so that
/// a test can check that steady-state training allocates no buffer (tests run in parallel, so a
/// process-wide counter would see other tests' buffers).
final class BufferAllocations: @unchecked Sendable {
    @TaskLocal static var counter: BufferAllocations?

    private(set) var buffers = 0
    private(set) var floats = 0

    static func record(floats: Int) {
        guard let counter else { return }
        counter.buffers += 1
        counter.floats += floats
    }
}
