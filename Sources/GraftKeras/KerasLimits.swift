/// Caps applied before anything read from a file is allocated or parsed. The defaults fit the
/// largest Keras applications (ResNet152, EfficientNetB7) with room to spare.
public struct KerasLimits: Equatable, Sendable {
    /// Largest config JSON accepted (a ResNet152 config is about 1 MB).
    public var maxConfigBytes: Int
    /// Deepest bracket nesting accepted in config JSON (real configs nest fewer than 20 levels).
    public var maxConfigDepth: Int
    /// Most layers accepted in one model.
    public var maxLayers: Int
    /// Largest single weight array, in elements.
    public var maxElementsPerWeight: Int
    /// Largest total of all weights, in elements.
    public var maxTotalElements: Int
    /// Largest member extracted from a `.keras` archive, in bytes.
    public var maxArchiveMemberBytes: Int
    /// Deepest nesting of models used as layers (real transfer-learning models nest 1 or 2 deep).
    public var maxModelNesting: Int

    /// Caps, the defaults unless given.
    public init(maxConfigBytes: Int = 64 << 20, maxConfigDepth: Int = 256, maxLayers: Int = 100_000,
                maxElementsPerWeight: Int = 1 << 31, maxTotalElements: Int = 1 << 32,
                maxArchiveMemberBytes: Int = 16 << 30, maxModelNesting: Int = 32) {
        self.maxConfigBytes = maxConfigBytes
        self.maxConfigDepth = maxConfigDepth
        self.maxLayers = maxLayers
        self.maxElementsPerWeight = maxElementsPerWeight
        self.maxTotalElements = maxTotalElements
        self.maxArchiveMemberBytes = maxArchiveMemberBytes
        self.maxModelNesting = maxModelNesting
    }

    /// The default caps.
    public static let `default` = KerasLimits()
}
