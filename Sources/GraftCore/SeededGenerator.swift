import Foundation

/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64), so
/// that random weights and data orders are the same for the same seed on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four state words, to save and restore the stream.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream depends only on `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        // Masking shifts (`&<<`): the same bits for these constant counts, without the generic
        // smart shift that debug builds call (random weights for a whole zoo network are drawn in
        // the tests' debug builds).
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 &<< 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// A uniform float in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() &>> 40) * (1.0 / Float(1 << 24))
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Float {
        // Through Int (exact below 2^53): Double's initializer from Int is concrete, from UInt64 generic.
        let u1 = Swift.max(Double(Int(truncatingIfNeeded: next() &>> 11)) * (1.0 / Double(1 << 53)), Double.leastNonzeroMagnitude)
        let u2 = Double(Int(truncatingIfNeeded: next() &>> 11)) * (1.0 / Double(1 << 53))
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Sets the state directly (checkpoint restore).
    mutating func restore(_ words: (UInt64, UInt64, UInt64, UInt64)) { state = words }

    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.state == b.state
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x &<< k) | (x &>> (64 &- k)) }
}
