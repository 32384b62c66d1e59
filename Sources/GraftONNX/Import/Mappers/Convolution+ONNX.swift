import GraftCore

/// Explicit per-side padding of the two spatial axes from `pads` / `auto_pad`, as Conv and the
/// pooling operators define them.
struct ONNXSpatialPadding {
    var begin: [Int]
    var end: [Int]

    /// - Parameters: `input`, `kernel`, `stride`, `dilation`: the two spatial axes (H, W).
    static func resolve(_ n: ONNXNodeContext, input: [Int], kernel: [Int], stride: [Int], dilation: [Int]) throws(ONNXError) -> ONNXSpatialPadding {
        let autoPad = try n.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET", "":
            let pads = try n.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4 else { throw n.unsupported("pads \(pads): only 2-D (four pads) is supported") }
            guard pads.allSatisfy({ $0 >= 0 }) else { throw n.invalidAttribute("pads", "\(pads) must be non-negative") }
            return ONNXSpatialPadding(begin: [pads[0], pads[1]], end: [pads[2], pads[3]])
        case "VALID":
            return ONNXSpatialPadding(begin: [0, 0], end: [0, 0])
        case "SAME_UPPER", "SAME_LOWER":
            var begin = [0, 0], end = [0, 0]
            for i in 0..<2 {
                let out = (input[i] + stride[i] - 1) / stride[i]
                let total = max(0, (out - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - input[i])
                let small = total / 2, large = total - total / 2
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small)
            }
            return ONNXSpatialPadding(begin: begin, end: end)
        default:
            throw n.invalidAttribute("auto_pad", "'\(autoPad)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
    }
}

/// Two positive values for a spatial attribute, `fallback` when absent.
func spatialAttribute(_ n: ONNXNodeContext, _ name: String, fallback: [Int]) throws(ONNXError) -> [Int] {
    let v = try n.ints(name) ?? fallback
    guard v.count == 2 else { throw n.unsupported("\(name) \(v): only 2-D (two values) is supported") }
    guard v.allSatisfy({ $0 >= 1 }) else { throw n.invalidAttribute(name, "\(v) must be positive") }
    return v
}

enum ConvMapper: ONNXOpMapper {
    static let opType = "Conv"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let w = try n.constant(1, "the weight")
        guard x.shape.rank == 4, w.dims.count == 4 else {
            throw n.unsupported("only 2-D convolution (4-D input and weight) is supported; input is \(x.shape), weight \(w.dims)")
        }
        let groups = try n.int("group", default: 1)
        let kernel = try spatialAttribute(n, "kernel_shape", fallback: [w.dims[2], w.dims[3]])
        guard kernel == [w.dims[2], w.dims[3]] else { throw n.invalidAttribute("kernel_shape", "\(kernel) does not match the weight \(w.dims)") }
        let stride = try spatialAttribute(n, "strides", fallback: [1, 1])
        let dilation = try spatialAttribute(n, "dilations", fallback: [1, 1])
        let pads = try ONNXSpatialPadding.resolve(n, input: [x.shape[2], x.shape[3]], kernel: kernel, stride: stride, dilation: dilation)
        guard groups >= 1, x.shape[1] == w.dims[1] * groups else {
            throw n.invalid("input has \(x.shape[1]) channels; weight \(w.dims) with \(groups) group(s) expects \(w.dims[1] * groups)")
        }
        var parameters = [("weight", w.tensor)]
        if let b = try n.optionalConstant(2, "the bias") {
            guard b.count == w.dims[0] else { throw n.invalid("bias has \(b.count) values for \(w.dims[0]) output channels") }
            parameters.append(("bias", Tensor(shape: [w.dims[0]], scalars: b.floats)))
        }
        let op = Convolution(outputChannels: w.dims[0], kernel: kernel, stride: stride, padBegin: pads.begin, padEnd: pads.end,
                             dilation: dilation, groups: groups, hasBias: parameters.count == 2)
        try n.emit(.convolution(op), inputs: [x.name], parameters: parameters)
    }
}

enum ConvTransposeMapper: ONNXOpMapper {
    static let opType = "ConvTranspose"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let w = try n.constant(1, "the weight")
        guard x.shape.rank == 4, w.dims.count == 4 else {
            throw n.unsupported("only 2-D transposed convolution is supported; input is \(x.shape), weight \(w.dims)")
        }
        let groups = try n.int("group", default: 1)
        guard groups >= 1, x.shape[1] == w.dims[0] else { throw n.invalid("input has \(x.shape[1]) channels; the weight \(w.dims) expects \(w.dims[0])") }
        let kernel = try spatialAttribute(n, "kernel_shape", fallback: [w.dims[2], w.dims[3]])
        let stride = try spatialAttribute(n, "strides", fallback: [1, 1])
        let dilation = try spatialAttribute(n, "dilations", fallback: [1, 1])
        var outputPadding = try n.ints("output_padding") ?? [0, 0]
        guard outputPadding.count == 2, outputPadding.allSatisfy({ $0 >= 0 }) else { throw n.invalidAttribute("output_padding", "\(outputPadding)") }
        let autoPad = try n.string("auto_pad", default: "NOTSET")
        var begin = [0, 0], end = [0, 0]
        var outputShape = try n.ints("output_shape").map { Array($0.suffix(2)) }
        if outputShape == nil, autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            outputShape = [x.shape[2] * stride[0], x.shape[3] * stride[1]]
        }
        if let target = outputShape {
            guard target.count == 2 else { throw n.invalidAttribute("output_shape", "needs two spatial sizes") }
            for i in 0..<2 {
                let total = stride[i] * (x.shape[2 + i] - 1) + outputPadding[i] + dilation[i] * (kernel[i] - 1) + 1 - target[i]
                if total < 0 {
                    outputPadding[i] += -total
                } else if autoPad == "SAME_UPPER" {
                    (begin[i], end[i]) = (total / 2, total - total / 2)
                } else {
                    (begin[i], end[i]) = (total - total / 2, total / 2)
                }
            }
        } else if autoPad == "NOTSET" || autoPad.isEmpty {
            let pads = try n.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw n.unsupported("pads \(pads): only four non-negative 2-D pads are supported") }
            (begin, end) = ([pads[0], pads[1]], [pads[2], pads[3]])
        }
        let outputs = w.dims[1] * groups
        var parameters = [("weight", w.tensor)]
        if let b = try n.optionalConstant(2, "the bias") {
            guard b.count == outputs else { throw n.invalid("bias has \(b.count) values for \(outputs) output channels") }
            parameters.append(("bias", Tensor(shape: [outputs], scalars: b.floats)))
        }
        let op = Deconvolution(outputChannels: outputs, kernel: kernel, stride: stride, padBegin: begin, padEnd: end,
                               dilation: dilation, groups: groups, hasBias: parameters.count == 2, outputPadding: outputPadding)
        try n.emit(.deconvolution(op), inputs: [x.name], parameters: parameters)
    }
}

/// `Y = alpha * A' * B' + beta * C` with B (and C) constant: an InnerProduct whose weight is B
/// (transposed to Graft's `[outputs, inputs]` when `transB` is 0) times alpha, bias beta * C.
enum GemmMapper: ONNXOpMapper {
    static let opType = "Gemm"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let a = try n.value(0)
        let b = try n.constant(1, "B")
        guard try n.int("transA", default: 0) == 0 else { throw n.unsupported("transA = 1 (a transposed computed input) is not supported") }
        guard a.shape.rank == 2, b.dims.count == 2 else { throw n.unsupported("Gemm of \(a.shape) and \(b.dims): both must be 2-D") }
        let alpha = try n.float("alpha", default: 1), beta = try n.float("beta", default: 1)
        var weight = try n.int("transB", default: 0) != 0 ? b : b.transposed([1, 0])
        let (outputs, inputs) = (weight.dims[0], weight.dims[1])
        guard inputs == a.shape[1] else { throw n.invalid("A \(a.shape) and B \(b.dims) do not multiply") }
        if alpha != 1 { weight = ONNXConstant(dims: weight.dims, floats: weight.floats.map { $0 * alpha }) }
        var parameters = [("weight", Tensor(shape: [outputs, inputs], scalars: weight.floats))]
        var addLater: String?
        switch n.operand(2) {
        case nil: break
        case .constant(let c)?:
            guard c.count == 1 || (c.count == outputs && c.dims.last == outputs) else {
                throw n.unsupported("C of dims \(c.dims) varies along the batch; only [N], [1, N] or a scalar is supported")
            }
            let values = c.count == 1 ? [Float](repeating: c.floats[0], count: outputs) : c.floats
            parameters.append(("bias", Tensor(shape: [outputs], scalars: values.map { $0 * beta })))
        case .value?:
            guard beta == 1 else { throw n.unsupported("beta \(beta) with a computed C") }
            addLater = try n.value(2).name
        }
        let op = InnerProduct(outputCount: outputs, hasBias: parameters.count == 2, axis: 1)
        if let c = addLater {
            let product = try n.emit(.innerProduct(op), inputs: [a.name], parameters: parameters, suffix: "matmul")
            try n.emit(.eltwise(Eltwise(operation: .sum)), inputs: [product.name, c])
        } else {
            try n.emit(.innerProduct(op), inputs: [a.name], parameters: parameters)
        }
    }
}

/// `MatMul(x, W)` with W a 2-D constant `[K, N]`: an InnerProduct over x's last axis.
enum MatMulMapper: ONNXOpMapper {
    static let opType = "MatMul"
    static func map(_ n: ONNXNodeContext) throws(ONNXError) {
        let x = try n.value(0)
        let w = try n.constant(1, "the second operand")
        guard x.shape.rank >= 2, w.dims.count == 2, w.dims[0] == x.shape.dims.last else {
            throw n.unsupported("MatMul of \(x.shape) by constant \(w.dims): only [.., K] x [K, N] is supported")
        }
        let weight = w.transposed([1, 0])
        try n.emit(.innerProduct(InnerProduct(outputCount: w.dims[1], hasBias: false, axis: x.shape.rank - 1)), inputs: [x.name],
                   parameters: [("weight", Tensor(shape: Shape(weight.dims), scalars: weight.floats))])
    }
}
