import GraftHDF5

/// Reads the Keras 3 weight layout (`.weights.h5`, and `model.weights.h5` inside a `.keras`).
///
/// Keras 3 (`saving_lib._save_state`) does not store layers under their names. It walks the
/// model: `model.layers` (the config's order; a Sequential model's leading InputLayer excluded)
/// becomes `layers/<group>`, where `<group>` is the layer's class name in snake case
/// (`Conv2D` → `conv2d`, `ReLU` → `re_lu`) plus `_1`, `_2`, ... for repeats, counted per container
/// in that order; each layer's own variables are `vars/0`, `vars/1`, ... in creation order; nested
/// models repeat the scheme inside their group (`layers/functional/layers/dense/vars/0`). Newer
/// versions also record the layer's name as attribute `name` on `vars`, which is checked. The
/// groups are therefore matched by recomputing this naming, never by sorting names
/// (`batch_normalization_10` sorts before `batch_normalization_2`).
enum Keras3WeightReader {
    struct Result {
        var weights: [[String]: [StoredWeight]]
        var warnings: [KerasWarning]
    }

    /// Keras's `naming.to_snake_case`, rule for rule: drop non-word characters, put `_` before an
    /// uppercase letter followed by lowercase ones, then between a lowercase and an uppercase
    /// letter, and lowercase everything.
    static func snakeCase(_ className: String) -> String {
        let word = Array(className.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" })
        func isUpper(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) }
        func isLower(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) }
        // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
        var first: [Unicode.Scalar] = []
        var i = 0
        while i < word.count {
            if i + 2 < word.count, isUpper(word[i + 1]), isLower(word[i + 2]) {
                var j = i + 2
                while j < word.count, isLower(word[j]) { j += 1 }
                first.append(word[i])
                first.append("_")
                first.append(contentsOf: word[(i + 1)..<j])
                i = j
            } else {
                first.append(word[i])
                i += 1
            }
        }
        // re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
        var second: [Unicode.Scalar] = []
        i = 0
        while i < first.count {
            if i + 1 < first.count, isLower(first[i]), isUpper(first[i + 1]) {
                second.append(contentsOf: [first[i], "_", first[i + 1]])
                i += 2
            } else {
                second.append(first[i])
                i += 1
            }
        }
        return String(String.UnicodeScalarView(second)).lowercased()
    }

    /// The group name of each layer, in save order: snake-case class name plus a per-name counter.
    static func groupNames(classNames: [String]) -> [String] {
        var used: [String: Int] = [:]
        return classNames.map { className in
            let base = snakeCase(className)
            if let count = used[base] {
                used[base] = count + 1
                return "\(base)_\(count + 1)"
            }
            used[base] = 0
            return base
        }
    }

    static func read(_ root: HDF5Group, architecture: KerasArchitecture, limits: KerasLimits,
                     budget: inout Int) throws(KerasError) -> Result {
        let file = root.file.path
        var warnings: [KerasWarning] = []
        guard try interop(file, { () throws(HDF5Error) in try root.contains("layers") }) else {
            throw .missingGroup(path: file, group: "/layers")
        }
        let layersGroup = try interop(file) { () throws(HDF5Error) in try root.group("layers") }
        var supported: [[String]: Bool] = [:]
        for entry in architecture.entries { supported[entry.weightPath] = entry.weightSpecs != nil }
        var weights: [[String]: [StoredWeight]] = [:]
        try readLevel(layersGroup, nodes: architecture.keras3SaveOrder, supported: supported, limits: limits,
                      budget: &budget, weights: &weights, warnings: &warnings)

        if try interop(file, { () throws(HDF5Error) in try root.contains("optimizer") }) {
            warnings.append(.optimizerWeightsIgnored(group: "/optimizer"))
        }
        if try interop(file, { () throws(HDF5Error) in try root.contains("vars") }) {
            let modelVars = try interop(file) { () throws(HDF5Error) in try root.group("vars") }
            let count = try datasets(under: modelVars, skipping: nil, limits: limits).count
            if count > 0 { warnings.append(.variablesIgnored(group: "/vars", count: count)) }
        }
        return Result(weights: weights, warnings: warnings)
    }

    /// One container's `layers/` group: each layer's `vars`, each nested model's own `layers/`
    /// recursively; a group no layer of this container claims is refused if it holds arrays.
    private static func readLevel(_ layersGroup: HDF5Group, nodes: [KerasSaveNode], supported: [[String]: Bool],
                                  limits: KerasLimits, budget: inout Int, weights: inout [[String]: [StoredWeight]],
                                  warnings: inout [KerasWarning]) throws(KerasError) {
        let file = layersGroup.file.path
        let groups = groupNames(classNames: nodes.map(\.className))
        for (node, groupName) in zip(nodes, groups) where !groupName.isEmpty {
            guard try interop(file, { () throws(HDF5Error) in try layersGroup.contains(groupName) }) else { continue }
            let group = try interop(file) { () throws(HDF5Error) in try layersGroup.group(groupName) }
            let originalName = node.weightPath.last ?? ""
            if let children = node.children {
                try checkName(group, layer: originalName)
                if try interop(file, { () throws(HDF5Error) in try group.contains("layers") }) {
                    let inner = try interop(file) { () throws(HDF5Error) in try group.group("layers") }
                    try readLevel(inner, nodes: children, supported: supported, limits: limits, budget: &budget,
                                  weights: &weights, warnings: &warnings)
                }
                let extra = try datasets(under: group, skipping: "layers", limits: limits)
                if !extra.isEmpty { warnings.append(.variablesIgnored(group: group.objectPath, count: extra.count)) }
            } else if supported[node.weightPath] ?? false {
                weights[node.weightPath] = try readVars(group, layer: originalName, limits: limits, budget: &budget)
                let extra = try datasets(under: group, skipping: "vars", limits: limits)
                if !extra.isEmpty { warnings.append(.variablesIgnored(group: group.objectPath, count: extra.count)) }
            } else {
                // A custom or unsupported layer: keep every array under its group, by relative path.
                try checkName(group, layer: originalName)
                var stored: [StoredWeight] = []
                for path in try datasets(under: group, skipping: nil, limits: limits) {
                    stored.append(try StoredWeight.read(group, path, name: path, limits: limits, budget: &budget))
                }
                weights[node.weightPath] = stored
            }
        }

        let expected = Set(groups)
        var unexpected: [String] = []
        for link in try interop(file, { () throws(HDF5Error) in try layersGroup.links() }) where !expected.contains(link.name) {
            let group = try interop(file) { () throws(HDF5Error) in try layersGroup.group(link.name) }
            if !(try datasets(under: group, skipping: nil, limits: limits)).isEmpty { unexpected.append(link.name) }
        }
        guard unexpected.isEmpty else {
            throw .unexpectedWeights(path: file, groups: unexpected.map { layersGroup.childPath($0) })
        }
    }

    /// Checks the optional `name` attribute Keras 3 writes on a layer's `vars` group.
    private static func checkName(_ group: HDF5Group, layer: String) throws(KerasError) {
        let file = group.file.path
        guard try interop(file, { () throws(HDF5Error) in try group.contains("vars") }) else { return }
        let vars = try interop(file) { () throws(HDF5Error) in try group.group("vars") }
        guard try interop(file, { () throws(HDF5Error) in try vars.attributes.contains("name") }) else { return }
        let recorded = try interop(file) { () throws(HDF5Error) in try vars.attributes.string("name") }
        guard recorded == layer else {
            throw .keras3GroupMismatch(path: file, group: group.objectPath, expectedLayer: layer, foundName: recorded)
        }
    }

    /// The arrays `vars/0`, `vars/1`, ... of one layer, in index order.
    private static func readVars(_ group: HDF5Group, layer: String, limits: KerasLimits,
                                 budget: inout Int) throws(KerasError) -> [StoredWeight] {
        let file = group.file.path
        try checkName(group, layer: layer)
        guard try interop(file, { () throws(HDF5Error) in try group.contains("vars") }) else { return [] }
        let vars = try interop(file) { () throws(HDF5Error) in try group.group("vars") }
        let links = try interop(file) { () throws(HDF5Error) in try vars.links() }
        var indexed: [(Int, String)] = []
        for link in links {
            guard let index = Int(link.name), index >= 0, String(index) == link.name else {
                throw .badValue(path: file, object: vars.childPath(link.name), expected: "a variable index (0, 1, ...)",
                                found: "'\(link.name)'")
            }
            indexed.append((index, link.name))
        }
        indexed.sort { $0.0 < $1.0 }
        guard indexed.map(\.0) == Array(0..<indexed.count) else {
            throw .badValue(path: file, object: vars.objectPath, expected: "variables 0..<\(indexed.count)",
                            found: "\(indexed.map(\.0))")
        }
        var stored: [StoredWeight] = []
        for (_, name) in indexed {
            stored.append(try StoredWeight.read(vars, name, name: name, limits: limits, budget: &budget))
        }
        return stored
    }

    /// Relative paths of every dataset under `group` (depth first, name order), optionally
    /// skipping one member; bounded in depth and count.
    static func datasets(under group: HDF5Group, skipping: String?, limits: KerasLimits) throws(KerasError) -> [String] {
        let file = group.file.path
        var result: [String] = []
        var pending: [(group: HDF5Group, prefix: String, depth: Int)] = [(group, "", 0)]
        while let (current, prefix, depth) = pending.popLast() {
            guard depth <= 32 else {
                throw .limitExceeded(path: file, what: "group nesting under \(group.objectPath)", value: "\(depth)", limit: 32)
            }
            let links = try interop(file) { () throws(HDF5Error) in try current.links() }
            for link in links.reversed() where !(depth == 0 && link.name == skipping) {
                guard link.kind == .hard else {
                    throw .linkRefused(path: file, object: current.childPath(link.name), kind: link.kind.description)
                }
                switch link.object {
                case .dataset: result.append(prefix + link.name)
                case .group:
                    let child = try interop(file) { () throws(HDF5Error) in try current.group(link.name) }
                    pending.append((child, prefix + link.name + "/", depth + 1))
                default:
                    throw .wrongObject(path: file, object: current.childPath(link.name), expected: "group or dataset",
                                       found: (link.object ?? .unknown).description)
                }
                guard result.count <= limits.maxLayers else {
                    throw .limitExceeded(path: file, what: "arrays under \(group.objectPath)", value: "\(result.count)",
                                         limit: limits.maxLayers)
                }
            }
        }
        return result.sorted()
    }
}
