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
}
