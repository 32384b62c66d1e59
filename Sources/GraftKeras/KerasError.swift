/// Why a Keras file or config could not be imported. Every case names the file (or config
/// source) and the group, attribute or layer involved, and what was expected.
public enum KerasError: Error, Equatable, Sendable {
    /// The file cannot be read at all.
    case io(path: String, reason: String)
    /// Neither HDF5 nor a `.keras` (zip) archive.
    case notHDF5(path: String)
    /// The HDF5 file ends before the size its superblock records.
    case truncated(path: String, detail: String)
    /// The HDF5 library failed (the error carries its stack).
    case hdf5(path: String, reason: String, stack: [String])
    /// A soft, external or user-defined link where a group or dataset was expected.
    case linkRefused(path: String, object: String, kind: String)
    /// An object that is neither a group nor a dataset, or the wrong one of the two.
    case wrongObject(path: String, object: String, expected: String, found: String)
    /// HDF5, but none of the Keras layouts (no model_config, layer_names or layers/).
    case unknownLayout(path: String, rootMembers: [String], rootAttributes: [String])
    /// A group the layout requires is absent.
    case missingGroup(path: String, group: String)
    /// An object lacks an attribute the layout requires.
    case missingAttribute(path: String, object: String, attribute: String)
    /// An attribute or dataset of the wrong type or shape.
    case badValue(path: String, object: String, expected: String, found: String)
    /// A weights-only file was given without an architecture.
    case architectureRequired(path: String, layout: KerasFileLayout)
    /// A `.keras` file that is not a readable zip archive.
    case archive(path: String, reason: String)
    /// The archive lacks `member` (e.g. `config.json`).
    case missingArchiveMember(path: String, member: String)
    /// A config JSON over ``KerasLimits/maxConfigBytes``.
    case configTooLarge(source: String, bytes: Int, limit: Int)
    /// A config JSON nested deeper than ``KerasLimits/maxConfigDepth``.
    case configTooDeep(source: String, depth: Int, limit: Int)
    /// Not JSON at all.
    case invalidConfigJSON(source: String, reason: String)
    /// JSON, but not a Keras model config.
    case invalidModelConfig(source: String, reason: String)
    /// A supported layer whose config lacks a field or holds a wrong value.
    case invalidLayerConfig(source: String, layer: String, field: String, reason: String)
    /// Two layers with the same name.
    case duplicateLayerName(source: String, layer: String)
    /// A connection names a layer the config does not define.
    case unknownInboundLayer(source: String, layer: String, inbound: String)
    /// Layers whose connections form a cycle.
    case cycle(source: String, layers: [String])
    /// A size over a ``KerasLimits`` cap.
    case limitExceeded(path: String, what: String, value: String, limit: Int)
    /// The file has weights for layers the architecture does not define.
    case unexpectedWeights(path: String, groups: [String])
    /// A layer that needs weights has none in the file.
    case missingWeights(path: String, layer: String, expected: [String])
    /// A layer whose stored weights are not the ones its configuration needs.
    case weightCountMismatch(path: String, layer: String, expected: [String], found: [String])
    /// A weight whose stored shape differs from what the layer's configuration implies.
    case weightShapeMismatch(path: String, layer: String, weight: String, expected: String, found: [Int])
    /// A Keras 3 group's recorded layer name differs from the layer the architecture puts there.
    case keras3GroupMismatch(path: String, group: String, expectedLayer: String, foundName: String)
}

extension KerasError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let p, let r): "\(p): \(r)"
        case .notHDF5(let p): "\(p): not an HDF5 file nor a .keras archive"
        case .truncated(let p, let d): "\(p): the HDF5 file is truncated (\(d))"
        case .hdf5(let p, let r, let s):
            "\(p): \(r)" + (s.isEmpty ? "" : " [" + s.joined(separator: " <- ") + "]")
        case .linkRefused(let p, let o, let k): "\(p): '\(o)' is a \(k) link; links are not followed"
        case .wrongObject(let p, let o, let e, let f): "\(p): '\(o)' is a \(f), expected a \(e)"
        case .unknownLayout(let p, let m, let a):
            "\(p): not a Keras file: root has members \(m) and attributes \(a); expected attribute model_config, "
                + "attribute layer_names, or group layers/"
        case .missingGroup(let p, let g): "\(p): group '\(g)' is missing"
        case .missingAttribute(let p, let o, let a): "\(p): '\(o)' lacks attribute '\(a)'"
        case .badValue(let p, let o, let e, let f): "\(p): '\(o)' holds \(f), expected \(e)"
        case .architectureRequired(let p, let l):
            "\(p): a \(l) file holds weights only; give the architecture (a model.json/config.json, "
                + "or a full model .h5/.keras)"
        case .archive(let p, let r): "\(p): not a readable .keras archive: \(r)"
        case .missingArchiveMember(let p, let m): "\(p): the archive has no '\(m)'"
        case .configTooLarge(let s, let b, let l): "\(s): config of \(b) bytes exceeds the limit of \(l)"
        case .configTooDeep(let s, let d, let l): "\(s): config nests \(d) levels deep, over the limit of \(l)"
        case .invalidConfigJSON(let s, let r): "\(s): config is not valid JSON: \(r)"
        case .invalidModelConfig(let s, let r): "\(s): not a Keras model config: \(r)"
        case .invalidLayerConfig(let s, let l, let f, let r): "\(s): layer '\(l)' field '\(f)': \(r)"
        case .duplicateLayerName(let s, let l): "\(s): two layers are named '\(l)'"
        case .unknownInboundLayer(let s, let l, let i): "\(s): layer '\(l)' is connected to unknown layer '\(i)'"
        case .cycle(let s, let l): "\(s): layers \(l) are connected in a cycle"
        case .limitExceeded(let p, let w, let v, let l): "\(p): \(w) is \(v), over the limit of \(l)"
        case .unexpectedWeights(let p, let g): "\(p): weights for layers the architecture does not have: \(g)"
        case .missingWeights(let p, let l, let e): "\(p): layer '\(l)' needs weights \(e), the file has none"
        case .weightCountMismatch(let p, let l, let e, let f):
            "\(p): layer '\(l)' has \(f.count) weight(s) \(f), its config expects \(e.count): \(e)"
        case .weightShapeMismatch(let p, let l, let w, let e, let f):
            "\(p): layer '\(l)' weight '\(w)' has shape \(f), its config expects \(e)"
        case .keras3GroupMismatch(let p, let g, let e, let f):
            "\(p): group '\(g)' was saved for layer '\(f)', but the architecture puts layer '\(e)' there"
        }
    }
}
