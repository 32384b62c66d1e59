/// What one node costs: parameters, multiply-accumulates, floating-point operations and the memory
/// its outputs take, for the batch size the shapes were inferred with.
public struct NodeCost: Sendable, Equatable {
    /// Scalars in the node's parameter tensors.
    public var parameters: Int = 0
    /// Parameters that hold statistics (BatchNorm mean/variance) or are frozen by training metadata.
    public var frozenParameters: Int = 0
    /// Parameters that training updates: all but the frozen ones.
    public var trainableParameters: Int { parameters - frozenParameters }
    /// Multiply-accumulates of one forward pass.
    public var macs: Int = 0
    /// 2 per multiply-accumulate plus one per other arithmetic operation (approximate for
    /// transcendental functions, counted as one).
    public var flops: Int = 0
    /// Bytes of the node's float32 outputs.
    public var activationBytes: Int = 0

    /// A zero cost, to be filled in.
    public init() {}
}

extension Graph {
    /// Costs of every node whose shapes are known, keyed by node name.
    ///
    /// - Parameters:
    ///   - shapes: The graph's inferred shapes (``inferShapes(inputShapes:)``).
    ///   - frozen: File keys of parameters frozen by training metadata.
    public func costs(shapes: ShapeTable, frozen: Set<String> = []) -> [String: NodeCost] {
        var result: [String: NodeCost] = [:]
        for node in nodes {
            var cost = NodeCost()
            let statistics = node.op.statisticsParameters
            for p in node.parameters {
                let count = p.shape.checkedElementCount ?? 0
                cost.parameters += count
                if statistics.contains(p.name) || frozen.contains(node.tensorName(p.name)) { cost.frozenParameters += count }
            }
            if let inputs = shapes.nodeInputs[node.name] {
                let outputs = node.outputs.compactMap { shapes.values[$0] }
                let outputCount = outputs.reduce(0) { $0 + $1.elementCount }
                cost.activationBytes = outputCount * 4
                cost.macs = node.op.macs(inputs: inputs, outputs: outputs)
                cost.flops = 2 * cost.macs + node.op.otherFlops(inputs: inputs, outputCount: outputCount)
            }
            result[node.name] = cost
        }
        return result
    }
}

extension Op {
    func macs(inputs: [Shape], outputs: [Shape]) -> Int {
        guard let x = inputs.first, let y = outputs.first else { return 0 }
        switch self {
        case .convolution(let p):
            return y.elementCount * (x[1] / p.groups) * p.kernel[0] * p.kernel[1]
        case .deconvolution(let p):
            return x.elementCount * (p.outputChannels / p.groups) * p.kernel[0] * p.kernel[1]
        case .innerProduct(let p):
            let axis = x.normalizedAxis(p.axis) ?? 1
            return x.count(from: 0, to: axis) * x.count(from: axis) * p.outputCount
        default:
            return 0
        }
    }

    func otherFlops(inputs: [Shape], outputCount: Int) -> Int {
        switch self {
        case .convolution(let p): return p.hasBias ? outputCount : 0
        case .deconvolution(let p): return p.hasBias ? outputCount : 0
        case .innerProduct(let p): return p.hasBias ? outputCount : 0
        case .pooling(let p):
            let window = p.global ? inputs[0].count(from: 2) : p.kernel[0] * p.kernel[1]
            return outputCount * window
        case .lrn(let p):
            // square, window sum, scale and shift, power, multiply
            return outputCount * (p.region == .acrossChannels ? p.size + 4 : p.size * p.size + 4)
        case .batchNorm: return outputCount * 2
        case .layerNorm: return outputCount * 7
        // square and sum, divide, scale
        case .l2Norm: return outputCount * 4
        case .scale(let p): return outputCount * (p.hasBias ? 2 : 1)
        case .softmax: return outputCount * 3
        case .eltwise: return outputCount * max(inputs.count - 1, 1) * 2
        case .bias, .relu, .prelu, .activation, .power: return outputCount
        default: return 0
        }
    }
}
