/// Everything that can go wrong reading, importing or writing an ONNX model, naming the file and
/// the node, tensor or attribute concerned.
public enum ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read or written.
    case io(file: String, reason: String)
    /// A model or external data file larger than the reader's limit.
    case tooLarge(file: String, bytes: UInt64, limit: UInt64)
    /// protobuf-c could not decode the bytes as a `ModelProto` (truncated, garbage, wrong wire types).
    case undecodable(file: String, reason: String)
    /// A tensor's declared dims, type and stored data disagree, or its dims overflow.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// Data stored outside the model file that cannot be read safely.
    case invalidExternalData(file: String, tensor: String, reason: String)
    /// A node attribute of the wrong type or value.
    case invalidAttribute(file: String, node: String, attribute: String, reason: String)
    /// The graph's structure: an undefined value, a cycle, duplicate outputs.
    case invalidGraph(file: String, node: String, reason: String)
    /// An operator or setting Graft does not import (with `--strict`, or when it cannot even be
    /// kept opaque).
    case unsupported(file: String, node: String, reason: String)
    /// A Graft node the exporter cannot write as standard ONNX operators.
    case notExportable(node: String, op: String, reason: String)
    /// The model's default opset is outside the range the importer reads.
    case unsupportedOpset(Int, supported: ClosedRange<Int>)

    public var description: String {
        switch self {
        case .io(let file, let reason): "\(file): \(reason)"
        case .tooLarge(let file, let bytes, let limit): "\(file): \(bytes) bytes exceeds the limit of \(limit) bytes for an ONNX model file (larger models keep their weights in external data files)"
        case .undecodable(let file, let reason): "\(file): not an ONNX model: \(reason)"
        case .invalidTensor(let file, let tensor, let reason): "\(file): tensor '\(tensor)': \(reason)"
        case .invalidExternalData(let file, let tensor, let reason): "\(file): external data of tensor '\(tensor)': \(reason)"
        case .invalidAttribute(let file, let node, let attribute, let reason): "\(file): node '\(node)': attribute '\(attribute)': \(reason)"
        case .invalidGraph(let file, let node, let reason): "\(file): node '\(node)': \(reason)"
        case .unsupported(let file, let node, let reason): "\(file): node '\(node)': \(reason)"
        case .notExportable(let node, let op, let reason): "node '\(node)' (\(op)) cannot be written as ONNX: \(reason)"
        case .unsupportedOpset(let opset, let supported): "opset \(opset) is not supported (\(supported.lowerBound) to \(supported.upperBound))"
        }
    }
}
