import GraftHDF5

/// Reads the pre-Keras-3 weight layout (`save_weights('x.h5')`, and `model_weights/` of a full
/// model): attribute `layer_names` (possibly split into `layer_names0`, `layer_names1`, ...) lists
/// the layers; each layer's group lists its arrays in attribute `weight_names`, paths relative to
/// the group (`conv2d_1_1/kernel:0`: the inner group name may differ from the layer name).
enum LegacyWeightReader {
    static func read(_ group: HDF5Group, limits: KerasLimits,
                     budget: inout Int) throws(KerasError) -> [(layer: String, weights: [StoredWeight])] {
        let file = group.file.path
        guard let layerNames = try interop(file, { () throws(HDF5Error) in try group.attributes.chunkedStrings("layer_names") })
        else {
            throw .missingAttribute(path: file, object: group.objectPath, attribute: "layer_names")
        }
        guard layerNames.count <= limits.maxLayers else {
            throw .limitExceeded(path: file, what: "layer_names count", value: "\(layerNames.count)", limit: limits.maxLayers)
        }
        var result: [(layer: String, weights: [StoredWeight])] = []
        for name in layerNames {
            guard try interop(file, { () throws(HDF5Error) in try group.contains(name) }) else {
                throw .missingGroup(path: file, group: group.childPath(name))
            }
            let layerGroup = try interop(file) { () throws(HDF5Error) in try group.group(name) }
            guard let weightNames = try interop(file, { () throws(HDF5Error) in
                try layerGroup.attributes.chunkedStrings("weight_names")
            }) else {
                throw .missingAttribute(path: file, object: layerGroup.objectPath, attribute: "weight_names")
            }
            var weights: [StoredWeight] = []
            for weightName in weightNames {
                weights.append(try StoredWeight.read(layerGroup, weightName, name: weightName, limits: limits, budget: &budget))
            }
            result.append((name, weights))
        }
        return result
    }

    /// Splits the arrays of a nested model's group (`weight_names` such as `stem_conv/kernel:0`,
    /// trainable ones first, so never in layer order) among its layers, by the layer path that
    /// each name ends with: `stem_conv/kernel:0` belongs to the leaf whose path ends with
    /// `stem_conv`; `core/stem_conv/kernel` narrows it further.
    ///
    /// - Parameter leaves: The ``KerasArchitecture/Entry/weightPath`` of every layer inside the
    ///   nested model `group` (copies of a layer share one path).
    /// - Throws: ``KerasError/unexpectedWeights(path:groups:)`` naming a weight that belongs to no
    ///   layer, or to more than one.
    static func distribute(_ weights: [StoredWeight], of group: String, among leaves: [[String]],
                           path: String) throws(KerasError) -> [[String]: [StoredWeight]] {
        let unique = Array(Set(leaves))
        var result: [[String]: [StoredWeight]] = [:]
        for weight in weights {
            let parts = KerasWeightBinding.withoutIndex(weight.storedName).split(separator: "/").map(String.init)
            let layerPart = Array(parts.dropLast())
            var candidates: [[String]]
            if layerPart.isEmpty {
                // Keras 1 style `<layer>_W`: the longest layer name that prefixes it.
                let matching = unique.filter { weight.storedName.hasPrefix(($0.last ?? "") + "_") }
                let longest = matching.map { $0.last!.count }.max()
                candidates = matching.filter { $0.last!.count == longest }
            } else {
                candidates = unique.filter { $0.dropFirst().suffix(layerPart.count).elementsEqual(layerPart) }
                if candidates.isEmpty, layerPart.first == group {
                    let inner = Array(layerPart.dropFirst())
                    candidates = unique.filter { !inner.isEmpty && $0.dropFirst().suffix(inner.count).elementsEqual(inner) }
                }
            }
            guard candidates.count == 1 else {
                let why = candidates.isEmpty ? "belongs to no layer of nested model '\(group)'"
                    : "matches several layers: \(candidates.map { $0.joined(separator: "/") }.sorted().joined(separator: ", "))"
                throw .unexpectedWeights(path: path, groups: ["\(group)/\(weight.storedName) (\(why))"])
            }
            result[candidates[0], default: []].append(weight)
        }
        return result
    }
}
