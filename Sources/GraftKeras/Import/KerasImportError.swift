/// Why a Keras model could not become a Graft model. Every case names the file (or config
/// source), the layer or input involved, and what was expected.
public enum KerasImportError: Error, Equatable, Sendable {
    /// Reading the Keras file failed (the loader's error, which names the file and object).
    case load(KerasError)
    /// An input with free (`None`) dimensions besides the batch: give `inputShape`.
    case inputShapeUnknown(source: String, input: String, shape: String)
    /// `inputShape` contradicts a dimension the model fixes, or has the wrong rank.
    case inputShapeConflict(source: String, input: String, declared: String, given: [Int])
    /// A layer whose configuration, weights or connections do not fit the tensors flowing into it
    /// (a weight of the wrong size, a merge of differently shaped tensors, an axis out of range).
    case layerMismatch(source: String, layer: String, reason: String)
    /// A connection to a layer output or call that does not exist.
    case unknownTensor(source: String, layer: String, tensor: String)
    /// An import option that does not fit the model (a preprocessing preset for a model without
    /// three channels).
    case invalidOption(source: String, reason: String)
    /// Reading the source files for provenance failed.
    case io(path: String, reason: String)
    /// The graph could not be completed (a structure Graft cannot represent).
    case graph(source: String, reason: String)
    /// A `strict` import met warnings; all of them are listed.
    case strictViolations(source: String, warnings: [String])
}

extension KerasImportError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .load(let error): error.description
        case .inputShapeUnknown(let s, let i, let shape):
            "\(s): input '\(i)' has shape \(shape) with free dimensions; give the input shape (e.g. 224,224,3)"
        case .inputShapeConflict(let s, let i, let d, let g):
            "\(s): input '\(i)' is declared \(d), which the given input shape \(g) contradicts"
        case .layerMismatch(let s, let l, let r): "\(s): layer '\(l)': \(r)"
        case .unknownTensor(let s, let l, let t): "\(s): layer '\(l)' reads \(t), which no layer produces"
        case .invalidOption(let s, let r): "\(s): \(r)"
        case .io(let p, let r): "\(p): \(r)"
        case .graph(let s, let r): "\(s): the converted graph is invalid: \(r)"
        case .strictViolations(let s, let w):
            "\(s): strict import refused \(w.count) warning(s):\n" + w.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}
