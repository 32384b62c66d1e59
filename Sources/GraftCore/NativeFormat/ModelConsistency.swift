/// The checks the reader and the writer share, so that the writer never produces a file the
/// reader would reject: a sound graph, and a one-to-one match between graph parameters and
/// tensors (apart from `state.` tensors).
enum ModelConsistency {
    /// Structure, shape inference (which also checks each op's parameter specs), and distinct
    /// tensor names for distinct parameters.
    static func checkGraph(_ graph: Graph, path: String) throws(NativeFormatError) {
        do {
            try graph.validateStructure()
            _ = try graph.inferShapesPartially()
        } catch {
            throw .badGraph(path: path, reason: error.description)
        }
        var owners: [String: String] = [:]
        for (key, node, spec) in graph.parameterTensors {
            if let other = owners.updateValue("\(node.name)/\(spec.name)", forKey: key) {
                throw .badGraph(path: path, reason: "parameters \(other) and \(node.name)/\(spec.name) both map to tensor '\(key)'")
            }
        }
    }

    /// Every graph parameter has a tensor of its shape, and every other tensor is `state.`-prefixed.
    ///
    /// - Parameter tensorNames: the available tensors in the order to report extras (file order
    ///   when reading, sorted when writing), so the error is deterministic.
    static func checkTensors(of graph: Graph, shapes: [String: Shape], tensorNames: [String],
                             path: String) throws(NativeFormatError) {
        var referenced = Set<String>()
        for (key, node, spec) in graph.parameterTensors {
            guard let shape = shapes[key] else { throw .missingTensor(path: path, name: key, node: node.name) }
            guard shape == spec.shape else {
                throw .tensorShapeMismatch(path: path, name: key, graphShape: spec.shape, fileShape: shape)
            }
            referenced.insert(key)
        }
        for name in tensorNames where !referenced.contains(name) && !name.hasPrefix(NativeFormat.stateTensorPrefix) {
            throw .unreferencedTensor(path: path, name: name)
        }
    }
}
