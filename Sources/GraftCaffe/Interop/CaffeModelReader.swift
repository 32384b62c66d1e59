import Foundation
internal import CCaffeProto
internal import CProtobufC

/// Reads Caffe's binary weights (`.caffemodel`, a serialized `NetParameter`) through protobuf-c
/// and the message descriptors generated from `schemas/caffe.proto`. The whole net is unpacked
/// by C, then copied into plain Swift values (blob data in bulk) and freed.
public enum CaffeModelReader {
    /// protobuf's own parsers refuse messages over 2 GiB; Caffe's reader sets the same limit.
    public static let defaultLimit: UInt64 = 2 << 30

    /// Reads a `.caffemodel`, refusing files over `limit` bytes before reading them.
    /// `strict` turns fields unknown to Graft's schema into an error instead of warnings.
    public static func read(path: String, strict: Bool = false, limit: UInt64 = defaultLimit) throws(CaffeError) -> CaffeNet {
        let size: UInt64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        } catch { throw .io(file: path, reason: "cannot open: \(error.localizedDescription)") }
        guard size <= limit else { throw .tooLarge(file: path, bytes: size, limit: limit) }
        // The mapping is released as soon as protobuf-c has unpacked it, so the file's pages and the
        // unpacked copy are not both resident while the blobs are copied into Swift arrays.
        let unpacked: UnpackedNet
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            guard let net = data.withUnsafeBytes({ UnpackedNet(bytes: $0) }) else {
                throw CaffeError.undecodable(file: path, byteCount: data.count)
            }
            unpacked = net
        } catch let error as CaffeError {
            throw error
        } catch {
            throw .io(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(unpacked, file: path, strict: strict)
    }

    /// Decodes `.caffemodel` bytes held in memory; `file` only names the source in errors.
    public static func decode(_ data: Data, file: String, strict: Bool = false) throws(CaffeError) -> CaffeNet {
        let unpacked: UnpackedNet? = data.withUnsafeBytes { UnpackedNet(bytes: $0) }
        guard let unpacked else { throw .undecodable(file: file, byteCount: data.count) }
        return try decode(unpacked, file: file, strict: strict)
    }

    static func decode(_ unpacked: UnpackedNet, file: String, strict: Bool) throws(CaffeError) -> CaffeNet {
        var decoding = BinaryDecoding(file: file, strict: strict)
        decoding.releasesBlobData = true
        let stored = try decoding.net(unpacked.message.pointee)
        return try CaffeUpgrade.assemble(stored, file: file)
    }
}

/// A `NetParameter` unpacked by protobuf-c, owned: freed with `free_unpacked` when released, so
/// no early return or thrown error can leak it.
final class UnpackedNet {
    let message: UnsafeMutablePointer<Caffe__NetParameter>

    /// nil when protobuf-c rejects the bytes (truncated, malformed, wrong wire types) or there
    /// are none (an empty message would be a valid but empty net: not a model file).
    init?(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty,
              let message = caffe__net_parameter__unpack(nil, bytes.count, base) else { return nil }
        self.message = message
    }

    deinit { caffe__net_parameter__free_unpacked(message, nil) }
}
