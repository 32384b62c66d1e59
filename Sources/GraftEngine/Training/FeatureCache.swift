public import GraftCore

/// Prefix features of a data set kept in memory, one entry per image, for training the trainable
/// part from them every epoch (the frozen-prefix cache: without augmentation the prefix output of
/// an image never changes).
///
/// ```swift
/// var cache = FeatureCache(session: session)
/// for batch in dataset.batches(of: session.batchSize) {
///     cache.append(try session.prefixFeatures(inputs: ["data": batch.images]), count: batch.count)
/// }
/// for epoch in 0..<epochs {
///     for indices in shuffledBatches(cache.count, session.batchSize) {
///         try session.step(features: cache.batch(indices), labels: indices.map { labels[$0] })
///     }
/// }
/// ```
public struct FeatureCache: Sendable {
    /// The session's ``TrainingSession/featureNames``.
    public let names: [String]
    /// The shape of one image's feature (the planned shape without the batch dimension).
    public let imageShapes: [String: Shape]
    /// Images cached so far.
    public private(set) var count = 0
    private var storage: [String: [Float]]

    /// An empty cache for the features `session` computes.
    public init(session: TrainingSession) {
        names = session.featureNames
        var shapes: [String: Shape] = [:]
        for name in names { shapes[name] = Shape(Array(session.shape(of: name)!.dims.dropFirst())) }
        imageShapes = shapes
        storage = Dictionary(uniqueKeysWithValues: names.map { ($0, []) })
    }

    /// Appends the first `count` images (default: all) of a batch of features.
    public mutating func append(_ features: [String: Tensor], count: Int? = nil) {
        let images = count ?? features[names[0]]?.shape[0] ?? 0
        for name in names {
            let tensor = features[name]!
            let perImage = imageShapes[name]!.elementCount
            precondition(tensor.shape.dims.dropFirst().elementsEqual(imageShapes[name]!.dims) && images <= tensor.shape[0],
                         "FeatureCache: '\(name)' has shape \(tensor.shape)")
            storage[name]!.append(contentsOf: tensor.scalars[0..<(images * perImage)])
        }
        self.count += images
    }

    /// The features of the images at `indices`, batched in that order (pass the session's batch
    /// size of indices to train on them).
    public func batch(_ indices: [Int]) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in names {
            let shape = imageShapes[name]!
            let perImage = shape.elementCount
            let source = storage[name]!
            var scalars = [Float](repeating: 0, count: indices.count * perImage)
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "FeatureCache: image \(index) of \(count)")
                scalars[(row * perImage)..<((row + 1) * perImage)] = source[(index * perImage)..<((index + 1) * perImage)]
            }
            result[name] = Tensor(shape: Shape([indices.count] + shape.dims), scalars: scalars)
        }
        return result
    }
}
