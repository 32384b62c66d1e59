import Foundation
internal import CCaffeProto
internal import CProtobufC

/// A mean image from a `.binaryproto` (one `BlobProto`, as Caffe's `compute_image_mean` writes).
public struct CaffeMeanImage: Equatable, Sendable {
    /// The file read.
    public var file: String
    /// The stored shape, usually `[1, C, H, W]`.
    public var shape: [Int]
    /// The mean of each channel over the image.
    public var channelMeans: [Float]
}

/// Reads `.binaryproto` mean images through protobuf-c.
public enum CaffeMeanFile {
    /// Reads the mean image at `path`, refusing files over `limit` bytes.
    public static func read(path: String, limit: Int = 1 << 30) throws(CaffeImportError) -> CaffeMeanImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .read(.io(file: path, reason: "cannot read"))
        }
        guard data.count <= limit else { throw .read(.tooLarge(file: path, bytes: UInt64(data.count), limit: UInt64(limit))) }
        let decoded: Result<CaffeBlob, CaffeError> = data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty,
                  let message = caffe__blob_proto__unpack(nil, bytes.count, base) else {
                return .failure(.undecodable(file: path, byteCount: bytes.count))
            }
            defer { caffe__blob_proto__free_unpacked(message, nil) }
            var decoding = BinaryDecoding(file: path, strict: false)
            do throws(CaffeError) { return .success(try decoding.blob(message.pointee, index: 0)) } catch { return .failure(error) }
        }
        let blob: CaffeBlob
        switch decoded {
        case .success(let b): blob = b
        case .failure(let e): throw .read(e)
        }
        let shape = blob.shape
        guard shape.count >= 3, !blob.data.isEmpty else {
            throw .invalidMean(file: path, reason: "blob of shape \(shape) is not a C x H x W image")
        }
        let channels = shape[shape.count - 3]
        let plane = shape[shape.count - 2] * shape[shape.count - 1]
        guard channels >= 1, plane >= 1, blob.data.count >= channels * plane else {
            throw .invalidMean(file: path, reason: "blob of shape \(shape) is not a C x H x W image")
        }
        let means = (0..<channels).map { c in
            Float(blob.data[(c * plane)..<((c + 1) * plane)].reduce(0.0) { $0 + Double($1) } / Double(plane))
        }
        return CaffeMeanImage(file: path, shape: shape, channelMeans: means)
    }
}
