public import GraftCore
import GraftHDF5

extension KerasModel {
    /// Every array in a Keras file, whatever its layout and whether or not it holds an
    /// architecture (a Keras 3 subclassed model's `.weights.h5` holds none): path, shape, stored
    /// type and statistics, in path order. Optimizer state is listed too (under `optimizer` or
    /// `optimizer_weights`). The element caps of `limits` apply as for loading.
    ///
    /// - Throws: ``KerasError`` naming the file and the object at fault.
    public static func storedArrays(path: String, limits: KerasLimits = .default) throws(KerasError) -> [StoredTensorSummary] {
        try KerasLoader(path: path, limits: limits).storedArrays()
    }
}

extension KerasLoader {
    func storedArrays() throws(KerasError) -> [StoredTensorSummary] {
        let root = try rootGroup()
        var budget = limits.maxTotalElements
        var result: [StoredTensorSummary] = []
        for relative in try Keras3WeightReader.datasets(under: root, skipping: nil, limits: limits) {
            let array = try StoredWeight.read(root, relative, name: relative, limits: limits, budget: &budget)
            result.append(StoredTensorSummary(path: array.sourcePath, shape: array.shape, storedType: array.storedType,
                                              statistics: TensorStatistics(array.values)))
        }
        return result
    }
}
