/// Where training stands, stored in a checkpoint's training metadata so that `--resume`
/// continues exactly: epochs done, optimizer iteration, the data-order random state, the best
/// validation AUC so far, and the configuration the run was started with.
public struct CheckpointState: Codable, Equatable, Sendable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer updates made (the learning-rate schedule's position).
    public var iteration: Int
    /// The data random generator's four state words, as 16-digit hex.
    public var randomState: [String]
    /// The best validation AUC so far; nil before one was measured.
    public var bestValidationAUC: Double?
    /// The epoch that reached it.
    public var bestEpoch: Int?
    /// Epochs since the best validation AUC (for early stopping).
    public var staleEpochs: Int
    /// The tuning configuration as JSON (a resumed run must use the same one).
    public var configuration: String

    /// A state with these values.
    public init(epoch: Int, iteration: Int, randomState: [String], bestValidationAUC: Double?, bestEpoch: Int?,
                staleEpochs: Int, configuration: String) {
        self.epoch = epoch
        self.iteration = iteration
        self.randomState = randomState
        self.bestValidationAUC = bestValidationAUC
        self.bestEpoch = bestEpoch
        self.staleEpochs = staleEpochs
        self.configuration = configuration
    }
}

extension SeededGenerator {
    /// The state as four 16-digit hex words (for checkpoints).
    public var stateWords: [String] {
        [state.0, state.1, state.2, state.3].map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// A generator continuing from saved ``stateWords``; nil if they are malformed.
    public init?(stateWords: [String]) {
        guard stateWords.count == 4 else { return nil }
        let words = stateWords.compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words != [0, 0, 0, 0] else { return nil }
        self.init(seed: 0)
        restore((words[0], words[1], words[2], words[3]))
    }
}
