import Foundation
import GraftFiles
import GraftCore
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
    private let allocator: UnsafeMutablePointer<ProtobufCAllocator>

    /// nil when protobuf-c rejects the bytes (truncated, malformed, wrong wire types) or there
    /// are none (an empty message would be a valid but empty net: not a model file).
    init?(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else { return nil }
        let allocator = HugePageAllocator.make()
        guard let message = caffe__net_parameter__unpack(allocator, bytes.count, base) else {
            allocator.deallocate()
            return nil
        }
        self.message = message
        self.allocator = allocator
    }

    deinit {
        caffe__net_parameter__free_unpacked(message, allocator)
        allocator.deallocate()
    }
}

/// protobuf-c's allocator with one change: blocks of at least ``HugePages/minimumByteCount`` (blob
/// data) are 2 MiB-aligned and advised to use transparent huge pages, so protobuf-c's copy of a
/// large blob faults its memory in once per 2 MiB rather than once per 4 KiB page (the faults were
/// a third of the import's time). Every block comes from the C heap (`malloc` or `posix_memalign`)
/// and is returned with `free`, exactly like protobuf-c's default allocator.
enum HugePageAllocator {
    static func make() -> UnsafeMutablePointer<ProtobufCAllocator> {
        let allocator = UnsafeMutablePointer<ProtobufCAllocator>.allocate(capacity: 1)
        allocator.initialize(to: ProtobufCAllocator(alloc: { _, size in HugePageAllocator.allocate(size) },
                                                    free: { _, pointer in free(pointer) },
                                                    allocator_data: nil))
        return allocator
    }

    static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        guard size >= HugePages.minimumByteCount else { return malloc(size) }
        var block: UnsafeMutableRawPointer?
        guard posix_memalign(&block, 2 << 20, size) == 0, let block else { return nil }
        HugePages.advise(block, byteCount: size)
        return block
    }
}

extension CaffeNet {
    /// Every blob of every layer (`conv1/0` the weights, `conv1/1` the bias), with its shape and
    /// statistics, in layer order: what a `.caffemodel` holds, read without its prototxt.
    public var storedBlobs: [StoredTensorSummary] {
        layers.flatMap { layer in
            layer.blobs.enumerated().map { index, blob in
                StoredTensorSummary(path: "\(layer.name)/\(index)", shape: blob.shape, storedType: "\(blob.precision)",
                                    statistics: TensorStatistics(blob.data))
            }
        }
    }
}
