import GraftCore

enum ConstantMapper: ONNXOpMapper {
    static let opType = "Constant"
    static let foldsOnly = true
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        switch n.node.attributes.first?.value {
        case .tensor(let t)?: return [try n.builder.constant(t)]
        case .float(let v)?: return [ONNXConstant(dims: [], floats: [v])]
        case .floats(let v)?: return [ONNXConstant(dims: [v.count], floats: v)]
        case .int(let v)?: return [ONNXConstant(dims: [], integers: [v])]
        case .ints(let v)?: return [ONNXConstant(dims: [v.count], integers: v)]
        default: throw n.unsupported("a Constant needs a value, value_float(s) or value_int(s) attribute (sparse and string values are not supported)")
        }
    }
}

/// A tensor of the shape given by a constant input, filled with one value; the size is checked
/// before anything is allocated.
enum ConstantOfShapeMapper: ONNXOpMapper {
    static let opType = "ConstantOfShape"
    static let foldsOnly = true
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let shape = inputs.first ?? nil, let dims = shape.integers else { return nil }
        guard dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }), let count = ONNXShapes.product(dims.map { Int($0) }) else {
            throw n.invalid("shape \(dims) is negative or overflows")
        }
        guard count <= n.builder.options.maxConstantElements else {
            throw n.unsupported("shape \(dims) asks for \(count) elements, more than the limit of \(n.builder.options.maxConstantElements)")
        }
        let value: ONNXConstant
        if case .tensor(let t)? = n.node.attribute("value") { value = try n.builder.constant(t) } else { value = ONNXConstant(dims: [1], floats: [0]) }
        guard value.count == 1 else { throw n.invalidAttribute("value", "must hold one element") }
        switch value.storage {
        case .floats(let v): return [ONNXConstant(dims: dims.map { Int($0) }, floats: [Float](repeating: v[0], count: count))]
        case .integers(let v): return [ONNXConstant(dims: dims.map { Int($0) }, integers: [Int64](repeating: v[0], count: count))]
        }
    }
}

/// The static shape of a value (its `start`/`end` slice from opset 15).
enum ShapeMapper: ONNXOpMapper {
    static let opType = "Shape"
    static func shape(_ n: ONNXNodeContext, _ dims: [Int]) throws(ONNXError) -> [ONNXConstant] {
        let rank = dims.count
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let start = clamp(try n.int("start", default: 0)), end = max(start, clamp(try n.int("end", default: rank)))
        let part = dims[start..<end].map { Int64($0) }
        return [ONNXConstant(dims: [part.count], integers: part)]
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let c = inputs.first ?? nil else { return nil }
        return try shape(n, c.dims)
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        n.bind(0, .constant(try shape(n, x.shape.dims)[0]))
    }
}

enum GatherMapper: ONNXOpMapper {
    static let opType = "Gather"
    static let foldsOnly = true
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard inputs.count == 2, let data = inputs[0], let indices = inputs[1], let raw = indices.integers else { return nil }
        guard !data.dims.isEmpty else { throw n.invalid("Gather from a scalar") }
        let axis = try n.axis(try n.int("axis", default: 0), rank: data.dims.count)
        let d = data.dims[axis]
        var resolved: [Int] = []
        for i in raw {
            let v = i < 0 ? Int(i) + d : Int(i)
            guard (0..<d).contains(v) else { throw n.invalid("index \(i) is out of range for axis \(axis) of \(data.dims)") }
            resolved.append(v)
        }
        let inner = data.dims[(axis + 1)...].reduce(1, *)
        let dims = Array(data.dims[..<axis]) + indices.dims + Array(data.dims[(axis + 1)...])
        try n.checkConstantSize(dims)
        return [data.with(dims: dims) { index in
            let o = index / (resolved.count * inner), rest = index % (resolved.count * inner)
            let k = rest / inner, j = rest % inner
            return (o * d + resolved[k]) * inner + j
        }]
    }
}

/// Cast of constants (shape arithmetic); a computed value cast to float is itself.
enum CastMapper: ONNXOpMapper {
    static let opType = "Cast"
    static func target(_ n: ONNXNodeContext) throws(ONNXError) -> ONNXDataType {
        guard let to = try n.int("to") else { throw n.invalidAttribute("to", "is required") }
        return ONNXDataType(rawValue: Int32(clamping: to))
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let c = inputs.first ?? nil else { return nil }
        let to = try target(n)
        if to.isFloatingPoint { return [ONNXConstant(dims: c.dims, floats: c.floats)] }
        if to == .bool { return [ONNXConstant(dims: c.dims, integers: c.floats.map { $0 != 0 ? 1 : 0 })] }
        guard to.isInteger else { throw n.unsupported("cast to \(to)") }
        if let v = c.integers { return [ONNXConstant(dims: c.dims, integers: v)] }
        return [ONNXConstant(dims: c.dims, integers: c.floats.map { $0.isFinite && abs($0) < 9e18 ? Int64($0.rounded(.towardZero)) : 0 })]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        guard try target(n).isFloatingPoint else { throw n.unsupported("cast of a computed value to \(try target(n)); Graft computes in float") }
        n.bind(0, .value(x.name))
    }
}
