import Foundation
internal import CONNXProto
internal import CProtobufC
import GraftProtobufC

extension ONNXReader {
    /// Reads a file holding one serialized `TensorProto` (the `input_0.pb` / `output_0.pb` files
    /// of ONNX's backend test cases), decoded and checked like an initializer.
    public static func readTensor(path: String, limit: UInt64 = defaultLimit) throws(ONNXError) -> ONNXTensor {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
            guard size <= limit else { throw ONNXError.tooLarge(file: path, bytes: size, limit: limit) }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as ONNXError { throw error } catch {
            throw .io(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decodeTensor(data, file: path)
    }

    /// Decodes one `TensorProto` held in memory; `file` names the source in errors.
    public static func decodeTensor(_ data: Data, file: String) throws(ONNXError) -> ONNXTensor {
        let result: Result<ONNXTensor, ONNXError> = data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
                return .failure(.undecodable(file: file, reason: "the file is empty"))
            }
            let verdict = withUnsafePointer(to: onnx__tensor_proto__descriptor) {
                ProtobufNesting.check(bytes, descriptor: UnsafeRawPointer($0), maxDepth: maxNesting)
            }
            guard verdict == .ok else { return .failure(.undecodable(file: file, reason: "truncated or malformed protobuf framing")) }
            guard let message = onnx__tensor_proto__unpack(nil, bytes.count, base) else {
                return .failure(.undecodable(file: file, reason: "protobuf-c could not decode a TensorProto"))
            }
            defer { onnx__tensor_proto__free_unpacked(message, nil) }
            do throws(ONNXError) { return .success(try ONNXDecoding(file: file).tensor(message.pointee)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
