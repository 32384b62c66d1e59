/// `ParamSpec`: per-blob training multipliers and sharing names. V1's `blobs_lr`,
/// `weight_decay`, `param` and `blob_share_mode` become these in ``CaffeUpgrade``.
public struct CaffeParamSpec: Equatable, Sendable {
    /// A non-empty name shares the blob between layers.
    public var name: String?
    /// `share_mode`, nil when absent.
    public var shareMode: CaffeDimCheckMode?
    /// `lr_mult`: multiplies the learning rate for this blob.
    public var lrMult: Float = 1
    /// `decay_mult`: multiplies the weight decay for this blob.
    public var decayMult: Float = 1

    /// A spec; the multipliers default to 1.
    public init(name: String? = nil, shareMode: CaffeDimCheckMode? = nil, lrMult: Float = 1, decayMult: Float = 1) {
        self.name = name
        self.shareMode = shareMode
        self.lrMult = lrMult
        self.decayMult = decayMult
    }
}

/// `NetStateRule`: when a layer is included or excluded (by phase, level, stage).
public struct CaffeNetStateRule: Equatable, Sendable {
    /// `phase` the net must be in, nil for any.
    public var phase: CaffePhase?
    /// `min_level` the net's level must reach, nil when absent.
    public var minLevel: Int?
    /// `max_level` the net's level must not exceed, nil when absent.
    public var maxLevel: Int?
    /// `stage`: stages the net must all have.
    public var stage: [String] = []
    /// `not_stage`: stages the net must not have.
    public var notStage: [String] = []

    /// A rule on `phase` alone.
    public init(phase: CaffePhase? = nil) { self.phase = phase }
}

/// `NetState`: the phase, level and stages a net declares for itself.
public struct CaffeNetState: Equatable, Sendable {
    /// `phase`.
    public var phase: CaffePhase = .test
    /// `level`.
    public var level = 0
    /// `stage`: the stages the net is in.
    public var stage: [String] = []

    /// The TEST phase at level 0, no stages.
    public init() {}
}
