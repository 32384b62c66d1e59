import GraftCore

/// A one-input operator that becomes one parameterless Graft op.
protocol ONNXUnaryMapper: ONNXOpMapper {
    static func op(_ n: ONNXNodeContext) throws(ONNXError) -> Op
}

extension ONNXUnaryMapper {
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        try n.emit(try op(n), inputs: [x.name])
    }
}

enum ReluMapper: ONNXUnaryMapper {
    static let opType = "Relu"
    static func op(_ n: ONNXNodeContext) -> Op { .relu(ReLU()) }
}

enum LeakyReluMapper: ONNXUnaryMapper {
    static let opType = "LeakyRelu"
    static func op(_ n: ONNXNodeContext) throws(ONNXError) -> Op { .relu(ReLU(negativeSlope: try n.float("alpha", default: 0.01))) }
}

enum EluMapper: ONNXUnaryMapper {
    static let opType = "Elu"
    static func op(_ n: ONNXNodeContext) throws(ONNXError) -> Op { .activation(.elu(alpha: try n.float("alpha", default: 1))) }
}

enum SeluMapper: ONNXUnaryMapper {
    static let opType = "Selu"
    static func op(_ n: ONNXNodeContext) throws(ONNXError) -> Op {
        let alpha = try n.float("alpha", default: 1.67326319217681884765625), gamma = try n.float("gamma", default: 1.05070102214813232421875)
        guard abs(alpha - 1.6732632) < 1e-6, abs(gamma - 1.050701) < 1e-6 else {
            throw n.unsupported("SELU with alpha \(alpha), gamma \(gamma) (Graft's SELU has the standard constants)")
        }
        return .activation(.selu)
    }
}

enum SigmoidMapper: ONNXUnaryMapper {
    static let opType = "Sigmoid"
    static func op(_ n: ONNXNodeContext) -> Op { .activation(.sigmoid) }
}

enum TanhMapper: ONNXUnaryMapper {
    static let opType = "Tanh"
    static func op(_ n: ONNXNodeContext) -> Op { .activation(.tanh) }
}

enum HardSwishMapper: ONNXUnaryMapper {
    static let opType = "HardSwish"
    static func op(_ n: ONNXNodeContext) -> Op { .activation(.hardSwish) }
}

enum SoftplusMapper: ONNXUnaryMapper {
    static let opType = "Softplus"
    static func op(_ n: ONNXNodeContext) -> Op { .activation(.softplus) }
}

enum GeluMapper: ONNXUnaryMapper {
    static let opType = "Gelu"
    static func op(_ n: ONNXNodeContext) throws(ONNXError) -> Op {
        switch try n.string("approximate", default: "none") {
        case "none": .activation(.gelu(approximate: false))
        case "tanh": .activation(.gelu(approximate: true))
        case let other: throw n.invalidAttribute("approximate", "'\(other)' is not none or tanh")
        }
    }
}

/// `clip(alpha * x + beta, 0, 1)`: Graft's Keras convention (0.2, 0.5), its x/6 convention, or
/// any other slope as a Power followed by a ReLU capped at 1.
enum HardSigmoidMapper: ONNXOpMapper {
    static let opType = "HardSigmoid"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let alpha = try n.float("alpha", default: 0.2), beta = try n.float("beta", default: 0.5)
        if alpha == 0.2, beta == 0.5 { try n.emit(.activation(.hardSigmoid), inputs: [x.name]); return }
        if abs(alpha - 1 / 6) < 1e-7, beta == 0.5 { try n.emit(.activation(.hardSigmoidOneSixth), inputs: [x.name]); return }
        let affine = try n.emit(.power(Power(scale: alpha, shift: beta)), inputs: [x.name], suffix: "affine")
        try n.emit(.relu(ReLU(maxValue: 1)), inputs: [affine.name])
    }
}

/// `y = x > 0 ? x : slope * x` with slope `[C]`, `[C, 1, 1]` (per channel) or one value.
enum PReluMapper: ONNXOpMapper {
    static let opType = "PRelu"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let slope = try n.constant(1, "slope")
        guard x.shape.rank >= 2 else { throw n.unsupported("input \(x.shape) has no channel axis") }
        if slope.count == 1 {
            try n.emit(.prelu(PReLU(channelShared: true)), inputs: [x.name], parameters: [("slope", Tensor(shape: [1], scalars: slope.floats))])
            return
        }
        // Before opset 7 a slope of C values is per channel whatever the input's rank.
        let legacy = n.opset < 7 && slope.count == x.shape[1]
        guard legacy || ONNXArithmetic.isPerChannel(slope.dims, x.shape) else {
            throw n.unsupported("slope of dims \(slope.dims) for input \(x.shape): only per-channel or shared slopes are supported")
        }
        try n.emit(.prelu(PReLU()), inputs: [x.name], parameters: [("slope", Tensor(shape: [x.shape[1]], scalars: slope.floats))])
    }
}

/// Clip: bounds as attributes before opset 11, optional constant inputs from 11. `[0, max]` is a
/// capped ReLU; other bounds shift the input so the lower bound is 0.
enum ClipMapper: ONNXOpMapper {
    static let opType = "Clip"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        var low = -Float.greatestFiniteMagnitude, high = Float.greatestFiniteMagnitude
        if n.opset < 11 {
            low = try n.float("min", default: low)
            high = try n.float("max", default: high)
        } else {
            if let c = try n.optionalConstant(1, "min") { guard c.count == 1 else { throw n.invalid("min must be a scalar") }; low = c.floats[0] }
            if let c = try n.optionalConstant(2, "max") { guard c.count == 1 else { throw n.invalid("max must be a scalar") }; high = c.floats[0] }
        }
        let unbounded: (Float) -> Bool = { !$0.isFinite || abs($0) >= Float.greatestFiniteMagnitude / 2 }
        guard low <= high || unbounded(low) || unbounded(high) else { throw n.invalid("min \(low) exceeds max \(high)") }
        switch (unbounded(low), unbounded(high)) {
        case (true, true):
            n.bind(0, .value(x.name))
        case (false, _) where low == 0:
            try n.emit(.relu(ReLU(maxValue: unbounded(high) ? nil : high)), inputs: [x.name])
        case (false, _):
            let shifted = try n.emit(.power(Power(shift: -low)), inputs: [x.name], suffix: "shift")
            let clipped = try n.emit(.relu(ReLU(maxValue: unbounded(high) ? nil : high - low)), inputs: [shifted.name], suffix: "clip")
            try n.emit(.power(Power(shift: low)), inputs: [clipped.name])
        case (true, false):
            // min(x, high) = high - relu(high - x)
            let flipped = try n.emit(.power(Power(scale: -1, shift: high)), inputs: [x.name], suffix: "flip")
            let clipped = try n.emit(.relu(ReLU()), inputs: [flipped.name], suffix: "clip")
            try n.emit(.power(Power(scale: -1, shift: high)), inputs: [clipped.name])
        }
    }
}

/// Softmax along one axis. Before opset 13 ONNX coerces the input to 2-D at `axis` (default 1):
/// the softmax runs over all dims from `axis` on, which Graft does by flattening them first.
enum SoftmaxMapper: ONNXOpMapper {
    static let opType = "Softmax"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let rank = x.shape.rank
        let axis = try n.axis(try n.int("axis", default: n.opset < 13 ? 1 : -1), rank: rank)
        if n.opset >= 13 || axis == rank - 1 || x.shape.count(from: axis + 1) == 1 {
            try n.emit(.softmax(Softmax(axis: axis)), inputs: [x.name])
            return
        }
        let flat = try n.emit(.flatten(Flatten(axis: axis, endAxis: -1)), inputs: [x.name], suffix: "flatten")
        let soft = try n.emit(.softmax(Softmax(axis: axis)), inputs: [flat.name], suffix: "softmax")
        try n.emit(.reshape(Reshape(shape: [0] + Array(x.shape.dims.dropFirst()))), inputs: [soft.name])
    }
}
