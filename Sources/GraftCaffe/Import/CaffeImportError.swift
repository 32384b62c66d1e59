import GraftCore
public import GraftIO

/// Why a Caffe net could not become a Graft model. Every case names the file and, where there is
/// one, the layer, the blob and what was expected.
public enum CaffeImportError: Error, Equatable, Sendable {
    /// Reading one of the files failed (I/O, protobuf, prototxt syntax with line:column).
    case read(CaffeError)
    /// Neither the net nor the options say what the input is.
    case noInput(file: String, reason: String)
    /// An input whose shape is not declared and was not given with `--input-shape`.
    case unknownInputShape(file: String, input: String)
    /// A layer reads a blob that no earlier layer or input produces: a missing producer, a cycle,
    /// or layers out of order.
    case missingBottom(file: String, layer: String, bottom: String)
    /// A layer holds another number of blobs than its type and parameters need.
    case blobCount(file: String, layer: String, type: String, expected: Int, actual: Int)
    /// One blob's shape does not fit the layer (`role` is e.g. "weight", "bias", "mean").
    case blobShape(file: String, layer: String, blob: Int, role: String, expected: [Int], actual: [Int])
    /// Parameters that make no sense for the layer or its inputs (e.g. three kernel sizes, a
    /// kernel larger than the padded input).
    case invalidLayer(file: String, layer: String, reason: String)
    /// `strict` import met problems it would otherwise only warn about; all of them are listed.
    case strictViolations(file: String, problems: [String])
    /// A `.binaryproto` mean file that is not a usable mean image.
    case invalidMean(file: String, reason: String)
    /// An option that does not fit the net (e.g. `--input-shape` for a net with two inputs).
    case invalidOption(String)
    /// A source file could not be hashed for the provenance (or changed while it was imported).
    case sourceDigest(NumPyError)
}

extension CaffeImportError: CustomStringConvertible {
    public var description: String {
        func dims(_ d: [Int]) -> String { d.isEmpty ? "scalar" : d.map(String.init).joined(separator: "x") }
        switch self {
        case .read(let e): return e.description
        case .noInput(let f, let r): return "\(f): no input: \(r)"
        case .unknownInputShape(let f, let i):
            return "\(f): the shape of input '\(i)' is not declared; give it with --input-shape N,C,H,W"
        case .missingBottom(let f, let l, let b):
            return "\(f): layer '\(l)' reads blob '\(b)', which no earlier layer or input produces (missing layer, cycle, or wrong order)"
        case .blobCount(let f, let l, let t, let e, let a):
            return "\(f): layer '\(l)' (\(t)) has \(a) blob(s), expected \(e)"
        case .blobShape(let f, let l, let b, let r, let e, let a):
            return "\(f): layer '\(l)' blob \(b) (\(r)) has shape \(dims(a)), expected \(dims(e))"
        case .invalidLayer(let f, let l, let r): return "\(f): layer '\(l)': \(r)"
        case .strictViolations(let f, let p):
            return "\(f): strict import refused \(p.count) problem(s):\n" + p.map { "  - \($0)" }.joined(separator: "\n")
        case .invalidMean(let f, let r): return "\(f): not a usable mean image: \(r)"
        case .invalidOption(let r): return r
        case .sourceDigest(let e): return e.description
        }
    }
}
