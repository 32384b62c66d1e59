import GraftCore

/// Which graph value a reference array `out:<key>` is compared with. References name what their
/// tool names: OpenCV's `forward(name)` takes Caffe *layer* names, which differ from the top blob
/// (Graft's value) in nets such as MTCNN's LNet (`layer "landmark"`, `top: "landmark_offset"`).
///
/// A key is, in order: a `--map key=value` entry; a value of the graph; a node, standing for its
/// first output. Anything else is an error that lists the closest names.
struct ReferenceNames {
    /// How a key was resolved.
    enum Resolution: String, Encodable {
        case value, node, map
    }

    let graph: Graph
    let file: String
    /// `--map` entries: reference key → value name.
    let mapped: [String: String]
    let values: Set<String>

    /// `maps` are `ref=value` strings (the `--map` option), checked here.
    init(graph: Graph, file: String, maps: [String]) throws {
        self.graph = graph
        self.file = file
        values = Set(graph.inputs.map(\.name) + graph.nodes.flatMap(\.outputs))
        var mapped: [String: String] = [:]
        for entry in maps {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                throw CommandFailure("--map \(entry): expected <reference key>=<value name>, e.g. --map landmark=landmark_offset")
            }
            let key = String(entry[..<equals]), value = String(entry[entry.index(after: equals)...])
            guard values.contains(value) else {
                throw CommandFailure("--map \(entry): \(file) has no value named '\(value)'" + Self.suggestions(for: value, graph: graph))
            }
            guard mapped.updateValue(value, forKey: key) == nil else { throw CommandFailure("--map \(key)=...: given twice") }
        }
        self.mapped = mapped
    }

    /// The value for reference key `key` (the name after `out:`) and how it was found.
    func resolve(_ key: String) throws -> (value: String, resolution: Resolution, description: String) {
        if let value = mapped[key] { return (value, .map, "value '\(value)' (--map)") }
        if values.contains(key) { return (key, .value, "value '\(key)'") }
        if let node = graph.node(named: key), let first = node.outputs.first {
            return (first, .node, "node '\(key)', its first output '\(first)'")
        }
        throw CommandFailure("out:\(key): \(file) has no value or node named '\(key)'" + Self.suggestions(for: key, graph: graph)
                             + "; name the value with --map \(key)=<value>")
    }

    /// "; close names: a (value), b (node, output c)" or "" when nothing is close.
    static func suggestions(for name: String, graph: Graph) -> String {
        var candidates: [(name: String, label: String)] = []
        var seen = Set<String>()
        for input in graph.inputs where seen.insert(input.name).inserted { candidates.append((input.name, "\(input.name) (input)")) }
        for node in graph.nodes {
            for output in node.outputs where seen.insert(output).inserted { candidates.append((output, "\(output) (value)")) }
            if let first = node.outputs.first, first != node.name {
                candidates.append((node.name, "\(node.name) (node, output \(first))"))
            }
        }
        let wanted = name.lowercased()
        let ranked = candidates.map { c -> (distance: Int, label: String) in
            let lower = c.name.lowercased()
            let distance = lower.contains(wanted) || wanted.contains(lower) ? 0 : editDistance(lower, wanted)
            return (distance, c.label)
        }
        .filter { $0.distance <= max(2, name.count / 3) }
        .sorted { $0.distance < $1.distance }
        guard !ranked.isEmpty else { return "" }
        return "; close names: " + ranked.prefix(5).map(\.label).joined(separator: ", ")
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
