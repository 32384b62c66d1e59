/// Every random stream of a fine-tuning run, derived from its one seed (`TuneConfiguration.seed`).
///
/// Each purpose has its own stream, so that changing one (say, turning augmentation on) leaves the
/// others as they were: the new head's weights, the data order and the dropout masks of a run do
/// not depend on whether it also trains from scratch. The offsets are fixed forever: results
/// recorded with a seed stay reproducible. A study's cells derive their run seeds from the study's
/// base seed with ``cell(_:of:)``.
struct RunSeeds {
    let base: UInt64

    /// The new classifier's weights.
    var head: UInt64 { base &+ 1 }
    /// The re-initialised weights of the from-scratch baseline.
    var scratch: UInt64 { base &+ 2 }
    /// The data order (shuffles, balanced draws) and the augmentation of each image.
    var order: UInt64 { base &+ 3 }
    /// The training plan: dropout masks.
    var dropout: UInt64 { base &+ 4 }
    /// The batch that unit-variance scaling measures a from-scratch network on.
    var unitVariance: UInt64 { base &+ 5 }
    /// The session's generator at the start of `epoch` (0-based), so that an epoch resumed from a
    /// checkpoint draws what it would have drawn.
    func epoch(_ epoch: Int) -> UInt64 { base &+ 0x1000 &+ UInt64(epoch) }

    /// Repeat `repeatIndex` of a study whose base seed is `studySeed`: far apart, so that no run's
    /// streams meet another's.
    static func cell(_ repeatIndex: Int, of studySeed: UInt64) -> UInt64 { studySeed &+ UInt64(repeatIndex) &* 1000 }
}
