import GraftCore

/// Shapes for reshaping operators: checked products, ONNX's `0` (copy) and `-1` (infer).
enum ONNXShapes {
    static func product(_ dims: [Int]) -> Int? {
        var total = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// ONNX Reshape's target for input dims `x` (nil `allowZero`: 0 copies).
    static func reshape(_ x: [Int], to target: [Int], allowZero: Bool, _ n: ONNXNodeContext) throws(ONNXError) -> [Int] {
        guard let total = product(x) else { throw n.invalid("input dims \(x) overflow") }
        var dims: [Int] = []
        var infer: Int?
        for (i, d) in target.enumerated() {
            switch d {
            case 0 where !allowZero:
                guard i < x.count else { throw n.invalid("shape \(target): 0 at position \(i) copies a dimension the input \(x) lacks") }
                dims.append(x[i])
            case -1:
                guard infer == nil else { throw n.invalid("shape \(target) has more than one -1") }
                infer = i
                dims.append(1)
            case 0...: dims.append(d)
            default: throw n.invalid("shape \(target) has dimension \(d)")
            }
        }
        guard let known = product(dims) else { throw n.invalid("target shape \(target) overflows") }
        if let i = infer {
            guard known > 0, total % known == 0 else { throw n.invalid("cannot reshape \(x) to \(target)") }
            dims[i] = total / known
        }
        guard product(dims) == total else { throw n.invalid("cannot reshape \(x) (\(total) elements) to \(target)") }
        return dims
    }

    /// A Graft reshape of computed value `x` to `dims`: the batch copied (`0`) when it is kept, so
    /// the model runs at any batch size; `[N, rest]` is a Flatten.
    static func emitReshape(_ n: ONNXNodeContext, _ x: (name: String, shape: Shape), to dims: [Int], suffix: String? = nil) throws(ONNXError) {
        if dims == x.shape.dims { if suffix == nil { n.bind(0, .value(x.name)) }; return }
        if dims.count == 2, x.shape.rank > 2, dims[0] == x.shape[0] {
            try n.emit(.flatten(Flatten(axis: 1, endAxis: -1)), inputs: [x.name], suffix: suffix)
            return
        }
        var spec = dims
        if !spec.isEmpty, x.shape.rank >= 1, spec[0] == x.shape[0] { spec[0] = 0 }
        try n.emit(.reshape(Reshape(shape: spec)), inputs: [x.name], suffix: suffix)
    }
}

enum ConcatMapper: ONNXOpMapper {
    static let opType = "Concat"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        let values = inputs.compactMap { $0 }
        guard let first = values.first, values.count == inputs.count else { return nil }
        guard let attribute = try n.int("axis") else { throw n.invalidAttribute("axis", "is required") }
        let axis = try n.axis(attribute, rank: max(first.dims.count, 1))
        for v in values where v.dims.count != first.dims.count || (0..<v.dims.count).contains(where: { $0 != axis && v.dims[$0] != first.dims[$0] }) {
            throw n.invalid("cannot concatenate constants \(first.dims) and \(v.dims) on axis \(axis)")
        }
        var dims = first.dims.isEmpty ? [1] : first.dims
        dims[axis] = values.reduce(0) { $0 + ($1.dims.isEmpty ? 1 : $1.dims[axis]) }
        try n.checkConstantSize(dims)
        let outer = dims[..<axis].reduce(1, *)
        guard outer > 0 else { return [ONNXConstant(dims: dims, floats: [])] }
        var floats: [Float] = [], integers: [Int64] = []
        let allInteger = values.allSatisfy(\.isInteger)
        for o in 0..<outer {
            for v in values {
                let inner = v.count / outer
                if allInteger { integers += v.integers![(o * inner)..<((o + 1) * inner)] } else { floats += v.floats[(o * inner)..<((o + 1) * inner)] }
            }
        }
        return [allInteger ? ONNXConstant(dims: dims, integers: integers) : ONNXConstant(dims: dims, floats: floats)]
    }

    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        var inputs: [(name: String, shape: Shape)] = []
        for i in 0..<n.inputCount where n.operand(i) != nil { inputs.append(try n.value(i)) }
        guard let first = inputs.first else { throw n.invalid("has no inputs") }
        guard let attribute = try n.int("axis") else { throw n.invalidAttribute("axis", "is required") }
        let axis = try n.axis(attribute, rank: first.shape.rank)
        if inputs.count == 1 { n.bind(0, .value(first.name)); return }
        try n.emit(.concat(Concat(axis: axis)), inputs: inputs.map(\.name))
    }
}

enum FlattenMapper: ONNXOpMapper {
    static let opType = "Flatten"
    static func dims(_ n: ONNXNodeContext, _ x: [Int]) throws(ONNXError) -> [Int] {
        let raw = try n.int("axis", default: 1)
        let axis = raw < 0 ? raw + x.count : raw
        guard (0...x.count).contains(axis) else { throw n.invalidAttribute("axis", "\(raw) is out of range for rank \(x.count)") }
        return [x[..<axis].reduce(1, *), x[axis...].reduce(1, *)]
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard var c = inputs.first ?? nil else { return nil }
        c.dims = try dims(n, c.dims)
        return [c]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let target = try dims(n, x.shape.dims)
        let axis = try n.int("axis", default: 1)
        if x.shape.rank >= 2, axis == 1 || axis == 1 - x.shape.rank {
            try n.emit(.flatten(Flatten(axis: 1, endAxis: -1)), inputs: [x.name])
        } else {
            try ONNXShapes.emitReshape(n, x, to: target)
        }
    }
}

enum ReshapeMapper: ONNXOpMapper {
    static let opType = "Reshape"
    static func target(_ n: ONNXNodeContext, _ x: [Int]) throws(ONNXError) -> [Int] {
        let spec: [Int]
        if let attribute = try n.ints("shape"), n.inputCount < 2 { spec = attribute } else {
            guard let s = try n.integers(1, "the target shape") else { throw n.invalid("the target shape is missing") }
            spec = s
        }
        return try ONNXShapes.reshape(x, to: spec, allowZero: try n.int("allowzero", default: 0) != 0, n)
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard var c = inputs.first ?? nil else { return nil }
        c.dims = try target(n, c.dims)
        return [c]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let dims = try target(n, x.shape.dims)
        guard dims.allSatisfy({ $0 >= 1 }) else { throw n.unsupported("reshape to \(dims): empty tensors are not supported") }
        try ONNXShapes.emitReshape(n, x, to: dims)
    }
}

enum TransposeMapper: ONNXOpMapper {
    static let opType = "Transpose"
    static func permutation(_ n: ONNXNodeContext, rank: Int) throws(ONNXError) -> [Int] {
        let perm = try n.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else { throw n.invalidAttribute("perm", "\(perm) is not a permutation of \(rank) axes") }
        return perm
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let c = inputs.first ?? nil else { return nil }
        return [c.transposed(try permutation(n, rank: c.dims.count))]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let perm = try permutation(n, rank: x.shape.rank)
        if perm == Array(0..<x.shape.rank) { n.bind(0, .value(x.name)); return }
        try n.emit(.permute(Permute(order: perm)), inputs: [x.name])
    }
}

/// Squeeze and Unsqueeze: axes as an attribute before opset 13, an input from 13; a Reshape.
enum SqueezeMapper: ONNXOpMapper {
    static let opType = "Squeeze"
    static func dims(_ n: ONNXNodeContext, _ x: [Int]) throws(ONNXError) -> [Int] {
        let given = n.opset < 13 ? try n.ints("axes") : try n.integers(1, "axes")
        guard let given else { return x.filter { $0 != 1 } }
        var axes = Set<Int>()
        for a in given { axes.insert(try n.axis(a, rank: x.count, "axes")) }
        for a in axes where x[a] != 1 { throw n.invalid("cannot squeeze axis \(a) of size \(x[a])") }
        return x.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard var c = inputs.first ?? nil else { return nil }
        c.dims = try dims(n, c.dims)
        return [c]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let target = try dims(n, x.shape.dims)
        guard !target.isEmpty else { throw n.unsupported("squeezing to a scalar") }
        try ONNXShapes.emitReshape(n, x, to: target)
    }
}

enum UnsqueezeMapper: ONNXOpMapper {
    static let opType = "Unsqueeze"
    static func dims(_ n: ONNXNodeContext, _ x: [Int]) throws(ONNXError) -> [Int] {
        guard let given = n.opset < 13 ? try n.ints("axes") : try n.integers(1, "axes") else { throw n.invalid("axes are missing") }
        let rank = x.count + given.count
        var axes = Set<Int>()
        for a in given { axes.insert(try n.axis(a, rank: rank, "axes")) }
        guard axes.count == given.count else { throw n.invalidAttribute("axes", "\(given) repeats an axis") }
        var rest = x[...]
        return (0..<rank).map { axes.contains($0) ? 1 : rest.popFirst()! }
    }
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard var c = inputs.first ?? nil else { return nil }
        c.dims = try dims(n, c.dims)
        return [c]
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        try ONNXShapes.emitReshape(n, x, to: try dims(n, x.shape.dims))
    }
}

/// Dropout: the ratio is an attribute before opset 12, an input from 12; the mask output is not
/// imported. Kept as Graft's Dropout (identity at inference, active when fine-tuning).
enum DropoutMapper: ONNXOpMapper {
    static let opType = "Dropout"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        try n.ignoreOutputs(beyond: 1, "Dropout's mask")
        return inputs.first.flatMap { $0 }.map { [$0] }
    }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        try n.ignoreOutputs(beyond: 1, "Dropout's mask")
        var ratio = try n.float("ratio", default: 0.5)
        if n.opset >= 12, let r = try n.optionalConstant(1, "ratio") { ratio = r.floats.first ?? 0.5 }
        guard (0..<1).contains(ratio) else { throw n.invalid("ratio \(ratio) is not in [0, 1)") }
        if ratio == 0 { n.bind(0, .value(x.name)); return }
        try n.emit(.dropout(Dropout(ratio: ratio)), inputs: [x.name])
    }
}

enum IdentityMapper: ONNXOpMapper {
    static let opType = "Identity"
    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) -> [ONNXConstant]? { inputs.first.flatMap { $0 }.map { [$0] } }
    static func map(_ n: ONNXNodeContext) throws(ONNXError) { n.bind(0, .value(try n.value(0).name)) }
}

/// Constant padding of H and W (pads as an attribute before opset 11, an input from 11).
enum PadMapper: ONNXOpMapper {
    static let opType = "Pad"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let mode = try n.string("mode", default: "constant")
        guard mode == "constant" else { throw n.unsupported("mode '\(mode)': only constant padding is supported") }
        var pads: [Int], value: Float = 0
        if n.opset < 11 {
            var given = try n.ints("pads")
            if given == nil { given = try n.ints("paddings") }
            guard let p = given else { throw n.invalidAttribute("pads", "is required") }
            pads = p
            value = try n.float("value", default: 0)
        } else {
            guard let p = try n.integers(1, "pads") else { throw n.invalid("pads are missing") }
            pads = p
            if let c = try n.optionalConstant(2, "constant_value") { value = c.floats.first ?? 0 }
            if let axes = try n.integers(3, "axes") {
                var full = [Int](repeating: 0, count: 2 * x.shape.rank)
                guard pads.count == 2 * axes.count else { throw n.invalid("\(pads.count) pads for \(axes.count) axes") }
                for (i, a) in axes.enumerated() {
                    let axis = try n.axis(a, rank: x.shape.rank, "axes")
                    full[axis] = pads[i]
                    full[axis + x.shape.rank] = pads[i + axes.count]
                }
                pads = full
            }
        }
        guard pads.allSatisfy({ (-(1 << 30)...(1 << 30)).contains($0) }) else { throw n.invalid("pads \(pads) are out of range") }
        guard x.shape.rank == 4, pads.count == 8 else { throw n.unsupported("padding of a \(x.shape.rank)-D input; Graft pads H and W of NCHW") }
        guard pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0 else { throw n.unsupported("pads \(pads) pad the batch or channel axis") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw n.unsupported("negative pads \(pads) (cropping)") }
        if pads.allSatisfy({ $0 == 0 }) { n.bind(0, .value(x.name)); return }
        try n.emit(.pad(Pad(padBegin: [pads[2], pads[3]], padEnd: [pads[6], pads[7]], value: value)), inputs: [x.name])
    }
}

/// Split along one axis (sizes as an attribute before opset 13, an input from 13; equal parts
/// otherwise, the last smaller from opset 18): Graft's Slice with explicit points.
enum SplitMapper: ONNXOpMapper {
    static let opType = "Split"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let axis = try n.axis(try n.int("axis", default: 0), rank: x.shape.rank)
        let length = x.shape[axis]
        let pieces = n.node.outputs.count
        var sizes = n.opset < 13 ? try n.ints("split") : try n.integers(1, "split")
        if sizes == nil {
            let chunk = (length + pieces - 1) / pieces
            sizes = (0..<pieces).map { min(chunk, max(0, length - $0 * chunk)) }
        }
        guard let sizes, sizes.count == pieces, sizes.allSatisfy({ $0 >= 1 && $0 <= length }), sizes.reduce(0, +) == length else {
            throw n.invalid("split sizes \(sizes ?? []) do not divide axis \(axis) of \(x.shape) into \(pieces) non-empty parts")
        }
        if pieces == 1 { n.bind(0, .value(x.name)); return }
        guard axis >= 1 else { throw n.unsupported("splitting the batch axis") }
        let points = sizes.dropLast().reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
        try n.emitMany(.slice(Slice(axis: axis, points: points)), inputs: [x.name])
    }
}

/// Slice with constant starts/ends/axes/steps (attributes before opset 10, inputs from 10).
/// Computed values: step 1, not on the batch axis, as a Crop. Constants: any step.
enum SliceMapper: ONNXOpMapper {
    struct Ranges { var starts: [Int]; var ends: [Int]; var steps: [Int] }

    static let opType = "Slice"
    static func ranges(_ n: ONNXNodeContext, dims: [Int]) throws(ONNXError) -> Ranges {
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        if n.opset < 10 {
            guard let s = try n.ints("starts"), let e = try n.ints("ends") else { throw n.invalidAttribute("starts", "starts and ends are required") }
            (starts, ends, axes, steps) = (s, e, try n.ints("axes"), nil)
        } else {
            guard let s = try n.integers(1, "starts"), let e = try n.integers(2, "ends") else { throw n.invalid("starts and ends are missing") }
            (starts, ends, axes, steps) = (s, e, try n.integers(3, "axes"), try n.integers(4, "steps"))
        }
        let axisList = axes ?? Array(0..<starts.count)
        guard starts.count == ends.count, axisList.count == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw n.invalid("starts, ends, axes and steps differ in length")
        }
        var r = Ranges(starts: [Int](repeating: 0, count: dims.count), ends: dims, steps: [Int](repeating: 1, count: dims.count))
        for (i, a) in axisList.enumerated() {
            let axis = try n.axis(a, rank: dims.count, "axes")
            let step = steps?[i] ?? 1
            guard step != 0 else { throw n.invalid("a step of 0") }
            let d = dims[axis]
            func resolve(_ v: Int) -> Int { v < 0 ? v + d : v }
            if step > 0 {
                r.starts[axis] = min(max(resolve(starts[i]), 0), d)
                r.ends[axis] = max(min(max(resolve(ends[i]), 0), d), r.starts[axis])
            } else {
                // Backwards: start in [0, d-1], end in [-1, d-1].
                r.starts[axis] = min(max(resolve(starts[i]), 0), d - 1)
                r.ends[axis] = min(max(resolve(ends[i]), -1), r.starts[axis])
            }
            r.steps[axis] = step
        }
        return r
    }

    /// Elements along each axis.
    static func counts(_ r: Ranges) -> [Int] {
        (0..<r.starts.count).map { axis in
            let (start, end, step) = (r.starts[axis], r.ends[axis], r.steps[axis])
            return step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / (-step)
        }
    }

    static func fold(_ n: ONNXNodeContext, _ inputs: [ONNXConstant?]) throws(ONNXError) -> [ONNXConstant]? {
        guard let c = inputs.first ?? nil else { return nil }
        let r = try ranges(n, dims: c.dims)
        let outDims = counts(r)
        let inStrides = AxisPermutation.rowMajorStrides(c.dims), outStrides = AxisPermutation.rowMajorStrides(outDims)
        return [c.with(dims: outDims) { index in
            var rest = index, source = 0
            for axis in 0..<outDims.count {
                let coordinate = rest / outStrides[axis]
                rest %= outStrides[axis]
                source += (r.starts[axis] + coordinate * r.steps[axis]) * inStrides[axis]
            }
            return source
        }]
    }

    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let r = try ranges(n, dims: x.shape.dims)
        guard r.steps.allSatisfy({ $0 == 1 }) else { throw n.unsupported("steps \(r.steps) on a computed value: only step 1 is supported") }
        let cut = (0..<x.shape.rank).filter { r.starts[$0] != 0 || r.ends[$0] != x.shape[$0] }
        guard let first = cut.first else { n.bind(0, .value(x.name)); return }
        guard first >= 1 else { throw n.unsupported("slicing the batch axis") }
        guard cut.allSatisfy({ r.ends[$0] > r.starts[$0] }) else { throw n.unsupported("the slice is empty") }
        let offsets = (first..<x.shape.rank).map { r.starts[$0] }
        let endCrops = (first..<x.shape.rank).map { x.shape[$0] - r.ends[$0] }
        try n.emit(.crop(Crop(axis: first, offsets: offsets, endCrops: endCrops)), inputs: [x.name])
    }
}

/// Nearest-neighbour upsampling by integer factors on H and W: a depthwise transposed
/// convolution whose kernel is the factor and whose weights are ones (frozen for training).
enum ONNXNearestUpsampling {
    static func emit(_ n: ONNXNodeContext, _ x: (name: String, shape: Shape), scales: [Float]) throws(ONNXError) {
        guard x.shape.rank == 4, scales.count == 4, scales[0] == 1, scales[1] == 1 else {
            throw n.unsupported("scales \(scales) for input \(x.shape): only H and W of a 4-D input are supported")
        }
        guard scales[2...].allSatisfy({ $0 >= 1 && $0 <= 256 && $0 == $0.rounded() }) else {
            throw n.unsupported("scales \(scales): only integer factors from 1 to 256 are supported")
        }
        let factors = scales[2...].map { Int($0) }
        if factors == [1, 1] { n.bind(0, .value(x.name)); return }
        let channels = x.shape[1]
        let op = Deconvolution(outputChannels: channels, kernel: factors, stride: factors, groups: channels, hasBias: false)
        let weight = Tensor(shape: [channels, 1, factors[0], factors[1]], repeating: 1)
        let result = try n.emit(.deconvolution(op), inputs: [x.name], parameters: [("weight", weight)])
        if let node = n.builder.nodes.last, node.outputs == [result.name] { n.builder.frozen.insert(node.tensorName("weight")) }
    }
}

enum UpsampleMapper: ONNXOpMapper {
    static let opType = "Upsample"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let mode = try n.string("mode", default: "nearest")
        guard mode == "nearest" else { throw n.unsupported("mode '\(mode)': only nearest is supported") }
        let scales = n.inputCount >= 2 ? try n.constant(1, "scales").floats : (try n.floats("scales") ?? [])
        try ONNXNearestUpsampling.emit(n, x, scales: scales)
    }
}

enum ResizeMapper: ONNXOpMapper {
    static let opType = "Resize"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let mode = try n.string("mode", default: "nearest")
        guard mode == "nearest" else { throw n.unsupported("mode '\(mode)': only nearest is supported") }
        let transform = try n.string("coordinate_transformation_mode", default: n.opset < 11 ? "asymmetric" : "half_pixel")
        let rounding = try n.string("nearest_mode", default: "round_prefer_floor")
        // With an integer factor these pick input floor(i / s), as the transposed convolution does.
        let exact = (transform == "asymmetric" && rounding == "floor") || (n.opset < 11)
            || ((transform == "half_pixel" || transform == "pytorch_half_pixel") && rounding.hasPrefix("round_prefer"))
        guard exact else { throw n.unsupported("coordinate_transformation_mode \(transform) with nearest_mode \(rounding)") }
        var scales: [Float] = []
        if n.opset < 11 {
            scales = try n.constant(1, "scales").floats
        } else if let s = try n.optionalConstant(2, "scales"), s.count > 0 {
            scales = s.floats
        } else if let sizes = try n.integers(3, "sizes") {
            guard sizes.count == x.shape.rank else { throw n.invalid("sizes \(sizes) for input \(x.shape)") }
            scales = zip(sizes, x.shape.dims).map { Float($0) / Float($1) }
        } else {
            throw n.invalid("neither scales nor sizes are given")
        }
        try ONNXNearestUpsampling.emit(n, x, scales: scales)
    }
}
