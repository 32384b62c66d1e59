import GraftHDF5

/// A weight array as read from the file, before it is bound to a layer's expected weights.
struct StoredWeight: Sendable {
    /// The name it is stored under (`conv1/kernel:0`, `convolution2d_1_W:0`, Keras 3's `0`).
    var storedName: String
    var shape: [Int]
    var values: [Float]
    var sourcePath: String
    var storedType: String

    /// Reads the dataset at `path` under `group`, within the per-weight and total element caps.
    static func read(_ group: HDF5Group, _ path: String, name: String, limits: KerasLimits,
                     budget: inout Int) throws(KerasError) -> StoredWeight {
        let file = group.file.path
        let dataset = try interop(file) { () throws(HDF5Error) in try group.dataset(path) }
        guard let count = dataset.elementCount else {
            throw .limitExceeded(path: "\(file):\(dataset.objectPath)", what: "element count of \(dataset.shape)",
                                 value: "overflow", limit: limits.maxElementsPerWeight)
        }
        guard count <= budget else {
            throw .limitExceeded(path: "\(file):\(dataset.objectPath)", what: "total weight elements",
                                 value: "\(limits.maxTotalElements - budget + count)", limit: limits.maxTotalElements)
        }
        let values: [Float]
        switch dataset.elementType {
        case .float:
            values = try interop(file) { () throws(HDF5Error) in try dataset.readFloats(limit: limits.maxElementsPerWeight) }
        case .signedInteger, .unsignedInteger:
            // Keras 3 stores some counters (Normalization's count) as int64.
            values = try interop(file) { () throws(HDF5Error) in
                try dataset.readIntegers(limit: limits.maxElementsPerWeight).map { Float($0) }
            }
        default:
            throw .badValue(path: file, object: dataset.objectPath, expected: "numbers", found: dataset.elementType.description)
        }
        budget -= count
        return StoredWeight(storedName: name, shape: dataset.shape, values: values, sourcePath: dataset.objectPath,
                            storedType: dataset.elementType.description)
    }
}
