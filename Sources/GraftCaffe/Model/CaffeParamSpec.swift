/// `ParamSpec`: per-blob training multipliers and sharing names. V1's `blobs_lr`,
/// `weight_decay`, `param` and `blob_share_mode` become these in ``CaffeUpgrade``.
public struct CaffeParamSpec: Equatable, Sendable {
    /// A non-empty name shares the blob between layers.
    public var name: String?
    public var shareMode: CaffeDimCheckMode?
    public var lrMult: Float = 1
    public var decayMult: Float = 1

    public init(name: String? = nil, shareMode: CaffeDimCheckMode? = nil, lrMult: Float = 1, decayMult: Float = 1) {
        self.name = name
        self.shareMode = shareMode
        self.lrMult = lrMult
        self.decayMult = decayMult
    }
}

/// `NetStateRule`: when a layer is included or excluded (by phase, level, stage).
public struct CaffeNetStateRule: Equatable, Sendable {
    public var phase: CaffePhase?
    public var minLevel: Int?
    public var maxLevel: Int?
    public var stage: [String] = []
    public var notStage: [String] = []

    public init(phase: CaffePhase? = nil) { self.phase = phase }
}

/// `NetState`: the phase, level and stages a net declares for itself.
public struct CaffeNetState: Equatable, Sendable {
    public var phase: CaffePhase = .test
    public var level = 0
    public var stage: [String] = []

    public init() {}
}
