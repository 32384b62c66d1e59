import Foundation
import GraftCore

/// The broadcasting arithmetic operators. A constant operand that is one value becomes a Power,
/// one per channel a Scale or Bias, anything else a Constant node read by an Eltwise; Sub and
/// Div of a constant store it negated or inverted.
enum ONNXArithmetic {
    enum Kind { case add, sub, mul, div }

    /// True when `dims`, aligned to the right of `x`, vary only along axis 1.
    static func isPerChannel(_ dims: [Int], _ x: Shape) -> Bool {
        guard x.rank >= 2, dims.count <= x.rank else { return false }
        let padded = [Int](repeating: 1, count: x.rank - dims.count) + dims
        return padded.enumerated().allSatisfy { $0.offset == 1 ? $0.element == x[1] : $0.element == 1 }
    }

    static func fold(_ kind: Kind, _ inputs: [ONNXConstant?], _ n: ONNXNodeContext) throws(ONNXError) -> [ONNXConstant]? {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else { return nil }
        if kind == .div, a.isInteger, b.isInteger, b.integers!.contains(0) { throw n.invalid("integer division by zero") }
        if let shape = Shape.broadcast([Shape(a.dims), Shape(b.dims)]) { try n.checkConstantSize(shape.dims) }
        let result: ONNXConstant? = switch kind {
        case .add: ONNXConstant.broadcast(a, b, floats: +, integers: &+)
        case .sub: ONNXConstant.broadcast(a, b, floats: -, integers: &-)
        case .mul: ONNXConstant.broadcast(a, b, floats: *, integers: &*)
        case .div: ONNXConstant.broadcast(a, b, floats: /, integers: { $0 / $1 })
        }
        guard let result else { throw n.invalid("constant operands \(a.dims) and \(b.dims) do not broadcast") }
        return [result]
    }

    /// Before opset 7, `broadcast = 1` with `axis` aligns B's dims with A's from `axis` on; the
    /// dims B has in NumPy's right-aligned broadcasting.
    static func legacyDims(_ n: ONNXNodeContext, b: [Int], aRank: Int) throws(ONNXError) -> [Int] {
        guard n.opset < 7, try n.int("broadcast", default: 0) != 0, let axis = try n.int("axis") else { return b }
        let start = axis < 0 ? axis + aRank : axis
        guard start >= 0, start + b.count <= aRank else { throw n.invalidAttribute("axis", "\(axis) does not place \(b) inside rank \(aRank)") }
        return b + [Int](repeating: 1, count: aRank - start - b.count)
    }

    static func map(_ n: ONNXNodeContext, _ kind: Kind) throws(ONNXError) {
        guard n.inputCount == 2 else { throw n.invalid("has \(n.inputCount) inputs, expected 2") }
        if n.opset < 7, case .value? = n.operand(0) {
            let a = try n.value(0)
            switch n.operand(1) {
            case .constant(var c)?:
                c.dims = try legacyDims(n, b: c.dims, aRank: a.shape.rank)
                try withConstant(n, kind, x: a, c, constantIndex: 1, constantFirst: false)
                return
            case .value(let v)?:
                let b = try n.value(1)
                let dims = try legacyDims(n, b: b.shape.dims, aRank: a.shape.rank)
                if dims != b.shape.dims {
                    let reshaped = try n.emit(.reshape(Reshape(shape: dims)), inputs: [v], suffix: "broadcast")
                    try values(n, kind, a.name, reshaped.name)
                    return
                }
            case nil: break
            }
        }
        switch (n.operand(0), n.operand(1)) {
        case (.value?, .constant(let c)?): try withConstant(n, kind, x: try n.value(0), c, constantIndex: 1, constantFirst: false)
        case (.constant(let c)?, .value?): try withConstant(n, kind, x: try n.value(1), c, constantIndex: 0, constantFirst: true)
        default:
            try values(n, kind, try n.value(0).name, try n.value(1).name)
        }
    }

    /// Both operands computed: an Eltwise (Sub with coefficients, Div through a reciprocal).
    static func values(_ n: ONNXNodeContext, _ kind: Kind, _ a: String, _ b: String) throws(ONNXError) {
        switch kind {
        case .add: try n.emit(.eltwise(Eltwise(operation: .sum)), inputs: [a, b])
        case .sub: try n.emit(.eltwise(Eltwise(operation: .sum, coefficients: [1, -1])), inputs: [a, b])
        case .mul: try n.emit(.eltwise(Eltwise(operation: .product)), inputs: [a, b])
        case .div:
            let inverse = try n.emit(.power(Power(power: -1)), inputs: [b], suffix: "reciprocal")
            try n.emit(.eltwise(Eltwise(operation: .product)), inputs: [a, inverse.name])
        }
    }

    static func withConstant(_ n: ONNXNodeContext, _ kind: Kind, x: (name: String, shape: Shape), _ c: ONNXConstant,
                             constantIndex: Int, constantFirst: Bool) throws(ONNXError) {
        let values = c.floats
        var input = x.name
        // c / x = c * x^-1: invert x first, then it is a product.
        var kind = kind
        if kind == .div, constantFirst {
            input = try n.emit(.power(Power(power: -1)), inputs: [x.name], suffix: "reciprocal").name
            kind = .mul
        }
        let broadcastShape = Shape.broadcast([x.shape, Shape(c.dims)])
        if c.count == 1, c.dims.count <= x.shape.rank {
            let v = values[0]
            let op: Power = switch kind {
            case .add: Power(shift: v)
            case .sub: constantFirst ? Power(scale: -1, shift: v) : Power(shift: -v)
            case .mul: Power(scale: v)
            case .div: Power(scale: 1 / v)
            }
            try n.emit(.power(op), inputs: [input])
            return
        }
        if isPerChannel(c.dims, x.shape) {
            let channels = x.shape[1]
            let shape: Shape = [channels]
            switch kind {
            case .add:
                try n.emit(.bias(Bias(axis: 1, axisCount: 1)), inputs: [input], parameters: [("bias", Tensor(shape: shape, scalars: values))])
            case .sub where !constantFirst:
                try n.emit(.bias(Bias(axis: 1, axisCount: 1)), inputs: [input], parameters: [("bias", Tensor(shape: shape, scalars: values.map { -$0 }))])
            case .sub:
                try n.emit(.scale(Scale(axis: 1, axisCount: 1, hasBias: true)), inputs: [input],
                           parameters: [("scale", Tensor(shape: shape, repeating: -1)), ("bias", Tensor(shape: shape, scalars: values))])
            case .mul:
                try n.emit(.scale(Scale(axis: 1, axisCount: 1)), inputs: [input], parameters: [("scale", Tensor(shape: shape, scalars: values))])
            case .div:
                try n.emit(.scale(Scale(axis: 1, axisCount: 1)), inputs: [input], parameters: [("scale", Tensor(shape: shape, scalars: values.map { 1 / $0 }))])
            }
            return
        }
        guard broadcastShape != nil else { throw n.invalid("operands \(x.shape) and \(c.dims) do not broadcast") }
        let onnxName = n.node.inputs[constantIndex]
        switch kind {
        case .add:
            let k = try n.builder.materialize(c, onnxName: onnxName)
            try n.emit(.eltwise(Eltwise(operation: .sum)), inputs: [input, k])
        case .sub:
            let k = try n.builder.materialize(c, onnxName: onnxName)
            try n.emit(.eltwise(Eltwise(operation: .sum, coefficients: constantFirst ? [-1, 1] : [1, -1])), inputs: [input, k])
        case .mul:
            let k = try n.builder.materialize(c, onnxName: onnxName)
            try n.emit(.eltwise(Eltwise(operation: .product)), inputs: [input, k])
        case .div:
            let inverted = ONNXConstant(dims: c.dims, floats: values.map { 1 / $0 })
            let k = try n.builder.materialize(inverted, onnxName: "\(n.name)/inverted")
            try n.emit(.eltwise(Eltwise(operation: .product)), inputs: [input, k])
        }
    }
}

enum AddMapper: ONNXOpMapper {
    static let opType = "Add"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXArithmetic.fold(.add, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXArithmetic.map(n, .add) }
}

enum SubMapper: ONNXOpMapper {
    static let opType = "Sub"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXArithmetic.fold(.sub, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXArithmetic.map(n, .sub) }
}

enum MulMapper: ONNXOpMapper {
    static let opType = "Mul"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXArithmetic.fold(.mul, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXArithmetic.map(n, .mul) }
}

enum DivMapper: ONNXOpMapper {
    static let opType = "Div"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXArithmetic.fold(.div, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXArithmetic.map(n, .div) }
}

enum NegMapper: ONNXOpMapper {
    static let opType = "Neg"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let a = inputs.first ?? nil else { return nil }
        return [ONNXConstant.broadcast(a, ONNXConstant(dims: [], integers: [-1]), floats: *, integers: &*)!]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        try n.emit(.power(Power(scale: -1)), inputs: [try n.value(0).name])
    }
}

/// The variadic operators (Max, Min, Sum, Mean): one Eltwise over all inputs, constants
/// materialised; Min is `-max(-a, -b, ...)`; Mean is a sum with coefficients 1/n.
enum ONNXVariadic {
    static func map(_ n: ONNXNodeContext, _ kind: String) throws(ONNXError) {
        guard n.inputCount >= 1 else { throw n.invalid("has no inputs") }
        var inputs: [String] = []
        for i in 0..<n.inputCount { inputs.append(try n.value(i).name) }
        if inputs.count == 1 { n.bind(0, .value(inputs[0])); return }
        switch kind {
        case "Max": try n.emit(.eltwise(Eltwise(operation: .max)), inputs: inputs)
        case "Sum": try n.emit(.eltwise(Eltwise(operation: .sum)), inputs: inputs)
        case "Mean":
            try n.emit(.eltwise(Eltwise(operation: .sum, coefficients: [Float](repeating: 1 / Float(inputs.count), count: inputs.count))), inputs: inputs)
        default:
            var negated: [String] = []
            for (i, input) in inputs.enumerated() {
                negated.append(try n.emit(.power(Power(scale: -1)), inputs: [input], suffix: "negate\(i)").name)
            }
            let largest = try n.emit(.eltwise(Eltwise(operation: .max)), inputs: negated, suffix: "max")
            try n.emit(.power(Power(scale: -1)), inputs: [largest.name])
        }
    }

    static func fold(_ kind: String, _ inputs: [ONNXConstant?], _ n: ONNXNodeContext) throws(ONNXError) -> [ONNXConstant]? {
        let values = inputs.compactMap { $0 }
        guard values.count == inputs.count, var result = values.first else { return nil }
        if let shape = Shape.broadcast(values.map { Shape($0.dims) }) { try n.checkConstantSize(shape.dims) }
        for v in values.dropFirst() {
            let next: ONNXConstant? = switch kind {
            case "Max": ONNXConstant.broadcast(result, v, floats: { Swift.max($0, $1) }, integers: { Swift.max($0, $1) })
            case "Min": ONNXConstant.broadcast(result, v, floats: { Swift.min($0, $1) }, integers: { Swift.min($0, $1) })
            default: ONNXConstant.broadcast(result, v, floats: +, integers: &+)
            }
            guard let next else { return nil }
            result = next
        }
        if kind == "Mean" { result = ONNXConstant(dims: result.dims, floats: result.floats.map { $0 / Float(values.count) }) }
        return [result]
    }
}

enum MaxMapper: ONNXOpMapper {
    static let opType = "Max"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXVariadic.fold(opType, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXVariadic.map(n, opType) }
}

enum MinMapper: ONNXOpMapper {
    static let opType = "Min"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXVariadic.fold(opType, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXVariadic.map(n, opType) }
}

enum SumMapper: ONNXOpMapper {
    static let opType = "Sum"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXVariadic.fold(opType, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXVariadic.map(n, opType) }
}

enum MeanMapper: ONNXOpMapper {
    static let opType = "Mean"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? { try ONNXVariadic.fold(opType, inputs, n) }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try ONNXVariadic.map(n, opType) }
}

/// `Sqrt` is a Power of one half (and folds over constants).
enum SqrtMapper: ONNXOpMapper {
    static let opType = "Sqrt"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) -> [ONNXConstant]? {
        inputs.first.flatMap { $0 }.map { [ONNXConstant(dims: $0.dims, floats: $0.floats.map { $0.squareRoot() })] }
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try n.emit(.power(Power(power: 0.5)), inputs: [try n.value(0).name]) }
}

/// `Reciprocal` is a Power of -1 (and folds over constants).
enum ReciprocalMapper: ONNXOpMapper {
    static let opType = "Reciprocal"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) -> [ONNXConstant]? {
        inputs.first.flatMap { $0 }.map { [ONNXConstant(dims: $0.dims, floats: $0.floats.map { 1 / $0 })] }
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { try n.emit(.power(Power(power: -1)), inputs: [try n.value(0).name]) }
}

/// `Pow(x, e)` with one constant exponent is Graft's Power (`x^e`); an exponent per element or
/// computed at run time has no Graft op. Folds over constants.
enum PowMapper: ONNXOpMapper {
    static let opType = "Pow"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else { return nil }
        if let shape = Shape.broadcast([Shape(a.dims), Shape(b.dims)]) { try n.checkConstantSize(shape.dims) }
        return ONNXConstant.broadcast(a, b, floats: { Float(pow(Double($0), Double($1))) }, integers: { x, y in
            y < 0 ? 0 : (0..<y).reduce(Int64(1)) { r, _ in r &* x } }).map { [$0] }
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let exponent = try n.constant(1, "the exponent")
        let values = exponent.floats
        guard let e = values.first, values.allSatisfy({ $0 == e }), values.count >= 1 else {
            throw n.unsupported("Pow with an exponent per element; Graft's Power takes one exponent")
        }
        let x = try n.value(0)
        if let shape = Shape.broadcast([x.shape, Shape(exponent.dims)]), shape != x.shape {
            throw n.unsupported("Pow whose exponent broadcasts the input from \(x.shape) to \(shape)")
        }
        try n.emit(.power(Power(power: e)), inputs: [x.name])
    }
}

enum FloorMapper: ONNXOpMapper {
    static let opType = "Floor"
    static let foldsOnly = true
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) -> [ONNXConstant]? {
        inputs.first.flatMap { $0 }.map { [ONNXConstant(dims: $0.dims, floats: $0.floats.map { $0.rounded(.down) })] }
    }
}

enum CeilMapper: ONNXOpMapper {
    static let opType = "Ceil"
    static let foldsOnly = true
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) -> [ONNXConstant]? {
        inputs.first.flatMap { $0 }.map { [ONNXConstant(dims: $0.dims, floats: $0.floats.map { $0.rounded(.up) })] }
    }
}
