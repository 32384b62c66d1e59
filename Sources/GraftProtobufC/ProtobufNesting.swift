internal import CProtobufC

/// How deeply the messages in protobuf bytes nest, measured on the wire before protobuf-c sees
/// them.
///
/// protobuf-c unpacks nested messages by recursion without a limit, so a hostile file of a few
/// megabytes that nests a recursive message (ONNX's graph in a node attribute in a graph...)
/// hundreds of thousands of times would overflow the C stack. Walking the wire format with the
/// schema's descriptors (which length-delimited fields are messages) finds the depth with an
/// explicit stack and no recursion, and refuses malformed framing on the way.
public enum ProtobufNesting {
    public enum Verdict: Equatable, Sendable {
        /// Framing is consistent and no message nests deeper than the limit.
        case ok
        /// A message nests deeper than the limit.
        case tooDeep
        /// A length, tag or varint runs past its enclosing message.
        case malformed
    }

    /// Checks `bytes`, a serialized message of type `descriptor`, against `maxDepth` (the top
    /// message is depth 1).
    public static func check(_ bytes: UnsafeRawBufferPointer, descriptor: UnsafeRawPointer, maxDepth: Int) -> Verdict {
        let top = descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        // (end offset of the message, its descriptor)
        var stack: [(end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>)] = [(bytes.count, top)]
        var offset = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count, shift < 64 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while let current = stack.last {
            if offset == current.end { stack.removeLast(); continue }
            guard offset < current.end, let key = varint(), offset <= current.end else { return .malformed }
            let wireType = key & 7, number = key >> 3
            switch wireType {
            case 0: guard varint() != nil, offset <= current.end else { return .malformed }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = varint(), offset <= current.end, length <= UInt64(current.end - offset) else { return .malformed }
                let end = offset + Int(length)
                if let nested = messageField(number, in: current.descriptor) {
                    guard stack.count < maxDepth else { return .tooDeep }
                    stack.append((end, nested))
                } else {
                    offset = end
                }
            default: return .malformed  // groups (3, 4) are not used by proto2 schemas Graft reads
            }
            guard offset <= current.end else { return .malformed }
        }
        return offset == bytes.count ? .ok : .malformed
    }

    /// The descriptor of field `number` when it is a message field of `descriptor`.
    private static func messageField(_ number: UInt64, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>)
        -> UnsafePointer<ProtobufCMessageDescriptor>? {
        let d = descriptor.pointee
        for i in 0..<Int(d.n_fields) {
            let field = d.fields[i]
            guard UInt64(field.id) == number else { continue }
            guard field.type == PROTOBUF_C_TYPE_MESSAGE, let nested = field.descriptor else { return nil }
            return nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        }
        return nil
    }
}
