/// Weight fillers, named as Caffe names them, for random and from-scratch initialisation.
public enum Filler: Equatable, Sendable {
    /// Every value the same.
    case constant(Float)
    /// Normal with the given standard deviation (Caffe "gaussian").
    case gaussian(std: Float)
    /// Uniform in ±sqrt(3 / fanIn) (Caffe "xavier", default variance norm FAN_IN).
    case xavier
    /// Normal with std sqrt(2 / fanIn) (Caffe "msra", He et al.).
    case msra

    /// A tensor of `shape` filled from `generator`. Fan-in is the product of every dim but the first.
    public func tensor(_ shape: Shape, using generator: inout SeededGenerator) -> Tensor {
        let count = shape.elementCount
        let fanIn = max(1, shape.rank > 1 ? shape.count(from: 1) : count)
        var values = [Float](repeating: 0, count: count)
        switch self {
        case .constant(let c):
            for i in 0..<count { values[i] = c }
        case .gaussian(let std):
            for i in 0..<count { values[i] = generator.nextGaussian() * std }
        case .xavier:
            let limit = (3 / Float(fanIn)).squareRoot()
            for i in 0..<count { values[i] = (generator.nextUnitFloat() * 2 - 1) * limit }
        case .msra:
            let std = (2 / Float(fanIn)).squareRoot()
            for i in 0..<count { values[i] = generator.nextGaussian() * std }
        }
        return Tensor(shape: shape, scalars: values)
    }
}

extension Graph {
    /// Random weights for every parameter: He (msra) for convolution and inner-product weights,
    /// zeros for biases and shifts, ones for scales and variances, zeros for means, 0.25 for PReLU
    /// slopes. Deterministic for a seed.
    public func randomWeights(seed: UInt64) -> [String: Tensor] {
        var generator = SeededGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (key, _, spec) in parameterTensors {
            let filler: Filler = switch spec.name {
            case "weight": .msra
            case "scale", "variance": .constant(1)
            case "slope": .constant(0.25)
            default: .constant(0)
            }
            weights[key] = filler.tensor(spec.shape, using: &generator)
        }
        return weights
    }
}
