@testable import GraftEngine
import Testing

@Suite("Engine buffers")
struct FloatBufferTests {
    /// Small blocks come from malloc's arenas, large ones (1 M floats) from fresh mappings 16 bytes
    /// past a page: every one must start on a cache line, zeroed or holding its copy.
    @Test("every buffer starts on a 64-byte line, zeroed or holding exactly its copy", arguments: [0, 1, 3, 17, 1000, 1 << 20])
    func buffersStartOnALine(_ count: Int) {
        let zeroed = FloatBuffer(count: count)
        #expect(Int(bitPattern: zeroed.pointer) % FloatBuffer.alignment == 0)
        #expect((0..<count).allSatisfy { zeroed.pointer[$0] == 0 })
        let scalars = (0..<count).map { Float($0) * 0.5 - 3 }
        let copy = FloatBuffer(copying: scalars)
        #expect(Int(bitPattern: copy.pointer) % FloatBuffer.alignment == 0)
        #expect(Array(UnsafeBufferPointer(start: copy.pointer, count: count)) == scalars)
        copy.pointer[max(count, 1) - 1] = 7   // the last float is writable (count 0 keeps one)
    }
}
