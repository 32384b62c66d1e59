import GraftCore

/// Chooses Caffe blob names for Graft values: the reverse of the importer's in-place rule
/// (``CaffeValueNaming``). A value `b@w` written by node `w` (or `b@input` for a graph input) goes
/// back into blob `b`, in place, when nothing still needs the value `b` held before; otherwise, and
/// for every other value, the blob is named after the value. Re-importing the export then gives
/// the same value names.
struct CaffeBlobNaming {
    private(set) var blobs: [String: String] = [:]

    init(graph: Graph) {
        var keepLiteral = Set<String>()
        while true {
            let (names, conflicts) = Self.simulate(graph, keepLiteral: keepLiteral)
            if conflicts.isEmpty {
                blobs = names
                return
            }
            keepLiteral.formUnion(conflicts)
        }
    }

    func blob(_ value: String) -> String { blobs[value] ?? value }

    /// The blob a value would go back to: `b` for `b@writer` or `b@writer#n`.
    static func inPlaceBlob(_ value: String, writer: String) -> String? {
        guard let at = value.range(of: "@", options: .backwards) else { return nil }
        let suffix = value[at.upperBound...]
        let name = suffix.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
        guard name == writer, at.lowerBound > value.startIndex else { return nil }
        if suffix.count > name.count {
            guard suffix.dropFirst(name.count + 1).allSatisfy(\.isNumber) else { return nil }
        }
        return String(value[..<at.lowerBound])
    }

    /// One pass in graph order; returns the names and the restored values that blocked a value
    /// which must keep its own name.
    static func simulate(_ graph: Graph, keepLiteral: Set<String>) -> ([String: String], Set<String>) {
        var lastRead: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for v in node.caffeBottoms { lastRead[v] = i } }
        for v in graph.outputs { lastRead[v] = Int.max }
        var names: [String: String] = [:]
        var holder: [String: String] = [:]   // blob → value it holds
        var conflicts = Set<String>()
        func write(_ value: String, writer: String, at index: Int) {
            var blob = value
            if !keepLiteral.contains(value), let b = inPlaceBlob(value, writer: writer) { blob = b }
            if let held = holder[blob], held != value, (lastRead[held] ?? -1) > index {
                if blob != value {
                    blob = value   // cannot go back in place: keep the value's own name
                } else {
                    conflicts.insert(held)
                }
            }
            names[value] = blob
            holder[blob] = value
        }
        for input in graph.inputs { write(input.name, writer: "input", at: -1) }
        for (i, node) in graph.nodes.enumerated() { for v in node.outputs { write(v, writer: node.name, at: i) } }
        return (names, conflicts)
    }
}

extension Node {
    /// The values the node's Caffe layer reads: its inputs, or for a constant evaluated from a
    /// Caffe layer (PriorBox), the values that layer read for their shapes.
    var caffeBottoms: [String] {
        if case .constant(let c) = op, let origin = c.origin, origin.layer.framework == "caffe" { return origin.inputs }
        return inputs
    }
}
