/// C memory for building one protobuf-c message tree to pack: every array, string and message
/// allocated here is freed together when the arena is released, so a writer cannot leak on an
/// early return or a thrown error.
public final class ProtobufArena {
    private var frees: [() -> Void] = []

    public init() {}

    deinit { frees.forEach { $0() } }

    /// A C copy of `values` and its count; nil (and 0) for an empty array, as protobuf-c expects.
    public func array<T>(_ values: [T]) -> (Int, UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        frees.append { p.deinitialize(count: values.count); p.deallocate() }
        return (values.count, p)
    }

    /// A NUL-terminated C copy of `s`.
    public func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(s.utf8CString)
        return array(utf8).1!
    }

    /// C copies of `strings`, as protobuf-c's repeated string fields hold them.
    public func strings(_ strings: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        array(strings.map { Optional(string($0)) })
    }

    /// A zeroed message initialised by its generated `init` function (e.g.
    /// `arena.message(caffe__blob_proto__init)`).
    public func message<M>(_ initialize: (UnsafeMutablePointer<M>?) -> Void) -> UnsafeMutablePointer<M> {
        let p = UnsafeMutablePointer<M>.allocate(capacity: 1)
        UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<M>.stride)
        initialize(p)
        frees.append { p.deallocate() }
        return p
    }

    /// ``message(_:)`` with the message type spelled out.
    public func message<M>(_ type: M.Type, _ initialize: (UnsafeMutablePointer<M>?) -> Void) -> UnsafeMutablePointer<M> {
        message(initialize)
    }

    /// `bytes` copied into C memory.
    public func bytes(_ bytes: UnsafeRawBufferPointer) -> (Int, UnsafeMutablePointer<UInt8>?) {
        guard !bytes.isEmpty else { return (0, nil) }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        p.initialize(from: bytes.bindMemory(to: UInt8.self).baseAddress!, count: bytes.count)
        let count = bytes.count
        frees.append { p.deinitialize(count: count); p.deallocate() }
        return (count, p)
    }
}
