import GraftCore

/// Binds the arrays stored for one layer to the weights its config expects.
///
/// Legacy files name each array (`conv2d_1_1/kernel:0`, Keras 1 `convolution2d_1_W:0`, Keras 3
/// legacy `conv1/kernel`): the role is the last path component without `:0`, or, for Keras 1, the
/// suffix after the layer name. When every name resolves to a distinct expected weight the arrays
/// are bound by name (and put in Keras's order); otherwise, as Keras itself does, by position,
/// with a warning. Keras 3 files store arrays by index only and are always bound by position.
/// Counts and shapes are checked either way.
enum KerasWeightBinding {
    static func bind(layer: String, specs: [KerasWeightSpec]?, stored: [StoredWeight], byPosition: Bool,
                     path: String) throws(KerasError) -> (weights: [KerasWeight], warnings: [KerasWarning]) {
        guard let specs else {
            // Unsupported layer: keep every array under its stored name (without `:0`), which keeps
            // the arrays of a nested model (`dense_1/kernel`, `dense_2/kernel`) apart.
            let weights = stored.map {
                KerasWeight(name: byPosition ? $0.storedName : withoutIndex($0.storedName), shape: Shape($0.shape),
                            values: $0.values, sourcePath: $0.sourcePath, storedType: $0.storedType)
            }
            return (weights, [])
        }
        guard specs.count == stored.count else {
            if stored.isEmpty { throw .missingWeights(path: path, layer: layer, expected: specs.map(\.name)) }
            throw .weightCountMismatch(path: path, layer: layer, expected: specs.map(\.name), found: stored.map(\.storedName))
        }
        var ordered = stored
        var warnings: [KerasWarning] = []
        if !byPosition {
            let resolved = stored.map { resolve(role($0.storedName), among: specs) }
            let indices = resolved.compactMap { $0 }
            if indices.count == specs.count, Set(indices).count == specs.count {
                for (storedIndex, specIndex) in indices.enumerated() { ordered[specIndex] = stored[storedIndex] }
            } else if specs.count > 1 {
                // (One array for one weight, as Keras 3's legacy `.h5` names ConvNeXt's LayerScale
                // `variable_16`, binds the same way by name or by position: nothing to warn about.)
                warnings.append(.weightsBoundByPosition(layer: layer, names: stored.map(\.storedName)))
            }
        }
        var weights: [KerasWeight] = []
        for (spec, array) in zip(specs, ordered) {
            guard spec.accepts(array.shape) else {
                throw .weightShapeMismatch(path: path, layer: layer, weight: spec.name, expected: spec.shapeDescription,
                                           found: array.shape)
            }
            weights.append(KerasWeight(name: spec.name, shape: Shape(array.shape), values: array.values,
                                       sourcePath: array.sourcePath, storedType: array.storedType))
        }
        return (weights, warnings)
    }

    /// `conv2d_1_1/kernel:0` → `kernel`; `convolution2d_1_W:0` → `convolution2d_1_W`.
    static func role(_ storedName: String) -> String {
        var name = Substring(withoutIndex(storedName))
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        return String(name)
    }

    /// `dense_1/kernel:0` → `dense_1/kernel` (TensorFlow's output index suffix removed).
    static func withoutIndex(_ storedName: String) -> String {
        guard let colon = storedName.lastIndex(of: ":") else { return storedName }
        let suffix = storedName[storedName.index(after: colon)...]
        guard !suffix.isEmpty, suffix.allSatisfy({ ("0"..."9").contains($0) }) else { return storedName }
        return String(storedName[..<colon])
    }

    /// The spec a role names: exactly, or (Keras 1, `<layer>_W`) as a `_`-separated suffix; the
    /// longest matching name wins, and a tie between two specs resolves nothing.
    static func resolve(_ role: String, among specs: [KerasWeightSpec]) -> Int? {
        if let exact = specs.firstIndex(where: { $0.names.contains(role) }) { return exact }
        var best: (index: Int, length: Int)?
        var tied = false
        for (index, spec) in specs.enumerated() {
            for name in spec.names where role.hasSuffix("_" + name) {
                if best == nil || name.count > best!.length {
                    best = (index, name.count)
                    tied = false
                } else if name.count == best!.length, best!.index != index {
                    tied = true
                }
            }
        }
        return tied ? nil : best?.index
    }
}
