import Foundation
import GraftCore

extension CaffeParam.Filler {
    /// The filler types Caffe defines (`filler.hpp`).
    static let knownTypes: Set<String> = ["constant", "uniform", "gaussian", "positive_unitball", "xavier", "msra", "bilinear"]

    /// Values for a blob of `shape` drawn as Caffe's filler of this type would draw them (same
    /// distributions, Graft's seeded generator), or nil for a filler type Caffe does not define.
    ///
    /// Fan-in is `count / shape[0]`, fan-out `count / shape[1]` (Caffe's rule); `variance_norm`
    /// picks fan-in, fan-out or their average for xavier and msra.
    func values(for shape: [Int], using generator: inout SeededGenerator) -> [Float]? {
        let count = shape.reduce(1, *)
        let fanIn = shape.isEmpty || shape[0] == 0 ? count : count / shape[0]
        let fanOut = shape.count > 1 && shape[1] > 0 ? count / shape[1] : count
        let n: Float = switch varianceNorm {
        case .fanIn: Float(fanIn)
        case .fanOut: Float(fanOut)
        case .average: Float(fanIn + fanOut) / 2
        }
        func uniform(_ low: Float, _ high: Float) -> [Float] {
            (0..<count).map { _ in low + (high - low) * generator.nextUnitFloat() }
        }
        switch type {
        case "constant":
            return [Float](repeating: value, count: count)
        case "uniform":
            return uniform(min, max)
        case "gaussian":
            var values = (0..<count).map { _ in mean + std * generator.nextGaussian() }
            if sparse >= 0, let outputs = shape.first, outputs > 0 {
                let keep = Float(sparse) / Float(outputs)
                for i in values.indices where generator.nextUnitFloat() >= keep { values[i] = 0 }
            }
            return values
        case "positive_unitball":
            var values = uniform(0, 1)
            let rows = shape.first ?? 1
            let width = rows > 0 ? count / rows : 0
            for r in 0..<rows where width > 0 {
                let sum = values[(r * width)..<((r + 1) * width)].reduce(0, +)
                if sum > 0 { for i in (r * width)..<((r + 1) * width) { values[i] /= sum } }
            }
            return values
        case "xavier":
            let scale = (3 / Swift.max(n, 1)).squareRoot()
            return uniform(-scale, scale)
        case "msra":
            let std = (2 / Swift.max(n, 1)).squareRoot()
            return (0..<count).map { _ in std * generator.nextGaussian() }
        case "bilinear":
            guard shape.count == 4, shape[2] >= 1, shape[3] >= 1 else { return [Float](repeating: 0, count: count) }
            let (h, w) = (shape[2], shape[3])
            let f = Float((w + 1) / 2)
            let c = (2 * f - 1 - Float(Int(f) % 2)) / (2 * f)
            return (0..<count).map { i in
                let x = Float(i % w), y = Float((i / w) % h)
                return (1 - abs(x / f - c)) * (1 - abs(y / f - c))
            }
        default:
            return nil
        }
    }
}

extension CaffeBlobRequirement {
    /// ``CaffeWeightInit/scaled``'s values for this blob: drawn by role, never constant, so that
    /// a comparison of two implementations sees every weight.
    func scaledRandomValues(using generator: inout SeededGenerator) -> [Float] {
        let count = shape.reduce(1, *)
        /// `count` values of `value()`, drawn in order (a plain loop: debug builds draw whole zoo
        /// networks' weights, where `map` over a range costs several times more).
        func values(_ value: (inout SeededGenerator) -> Float) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = value(&generator) }
                initialized = count
            }
        }
        func uniform(_ low: Float, _ high: Float) -> [Float] {
            values { low + (high - low) * $0.nextUnitFloat() }
        }
        switch role {
        case .weight:
            let fanIn = shape.isEmpty || shape[0] == 0 ? count : count / shape[0]
            let std = (2 / Float(Swift.max(fanIn, 1))).squareRoot()
            return values { std * $0.nextGaussian() }
        case .bias: return uniform(-0.1, 0.1)
        case .mean: return uniform(-0.5, 0.5)
        case .variance, .scale: return uniform(0.5, 1.5)
        case .factor: return [Float](repeating: 1, count: count)
        case .slope: return uniform(0, 0.5)
        }
    }
}
