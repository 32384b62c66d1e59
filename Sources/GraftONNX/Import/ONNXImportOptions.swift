/// What an ONNX import may be told beyond the file itself.
public struct ONNXImportOptions: Sendable, Equatable {
    /// Operators Graft cannot map become errors naming the node instead of opaque nodes (and
    /// every warning, e.g. an ignored training-mode output, is refused too).
    public var strict: Bool
    /// Replaces the shape of the (single) graph input, batch first, e.g. `[1, 3, 224, 224]`:
    /// required when the file declares symbolic dimensions other than the batch.
    public var inputShape: [Int]?
    /// The batch size given to a symbolic (or unknown) first dimension.
    public var batchSize: Int
    /// Per-channel mean to subtract, overriding what the file records (`graft.preprocessing`).
    public var mean: [Float]?
    /// Per-channel (or single) factor applied after the mean, overriding the file's.
    public var scale: [Float]?
    /// The largest tensor (in elements) a `ConstantOfShape`, `Reshape` or folded constant may
    /// create; hostile files ask for more than memory holds.
    public var maxConstantElements: Int

    /// Lenient import, the file's input shape with batch 1, the file's preprocessing.
    public init(strict: Bool = false, inputShape: [Int]? = nil, batchSize: Int = 1, mean: [Float]? = nil,
                scale: [Float]? = nil, maxConstantElements: Int = 1 << 28) {
        self.strict = strict
        self.inputShape = inputShape
        self.batchSize = batchSize
        self.mean = mean
        self.scale = scale
        self.maxConstantElements = maxConstantElements
    }
}
