/// Output shapes and expected parameter shapes of each op.
///
/// A rule throws `ShapeRuleError` with a reason; ``Graph/inferShapes(inputShapes:)`` attaches the
/// node name.
public struct ShapeRuleError: Error, Sendable {
    /// Why the rule refused the shapes.
    public var reason: String
}

extension Op {
    /// The shapes of the outputs given the input shapes (`outputCount` matters for Slice and Opaque).
    public func outputShapes(for inputs: [Shape], outputCount: Int) throws(ShapeRuleError) -> [Shape] {
        if case .constant(let c) = self {
            guard c.shape.dims.allSatisfy({ $0 >= 1 }) else { throw ShapeRuleError(reason: "constant shape \(c.shape) has an empty dimension") }
            return [c.shape]
        }
        let x = inputs[0]
        switch self {
        case .convolution(let p):
            try require4D(x)
            try requireSpatial(p.kernel, p.stride, p.padBegin, p.padEnd, p.dilation)
            guard p.groups >= 1, x[1] % p.groups == 0, p.outputChannels >= 1, p.outputChannels % p.groups == 0 else {
                throw ShapeRuleError(reason: "\(x[1]) input and \(p.outputChannels) output channels do not divide into \(p.groups) groups")
            }
            var out = [x[0], p.outputChannels, 0, 0]
            for i in 0..<2 {
                let extent = p.dilation[i] * (p.kernel[i] - 1) + 1
                let padded = x[2 + i] + p.padBegin[i] + p.padEnd[i]
                guard padded >= extent else {
                    throw ShapeRuleError(reason: "kernel extent \(extent) exceeds padded input \(padded) on axis \(2 + i)")
                }
                out[2 + i] = (padded - extent) / p.stride[i] + 1
            }
            return [Shape(out)]
        case .deconvolution(let p):
            try require4D(x)
            try requireSpatial(p.kernel, p.stride, p.padBegin, p.padEnd, p.dilation)
            guard p.outputPadding.count == 2, p.outputPadding.allSatisfy({ $0 >= 0 }) else {
                throw ShapeRuleError(reason: "outputPadding must be two non-negative numbers")
            }
            guard p.groups >= 1, x[1] % p.groups == 0, p.outputChannels >= 1, p.outputChannels % p.groups == 0 else {
                throw ShapeRuleError(reason: "\(x[1]) input and \(p.outputChannels) output channels do not divide into \(p.groups) groups")
            }
            var out = [x[0], p.outputChannels, 0, 0]
            for i in 0..<2 {
                let size = p.stride[i] * (x[2 + i] - 1) + p.dilation[i] * (p.kernel[i] - 1) + 1
                    - p.padBegin[i] - p.padEnd[i] + p.outputPadding[i]
                guard size >= 1 else { throw ShapeRuleError(reason: "output size \(size) on axis \(2 + i)") }
                out[2 + i] = size
            }
            return [Shape(out)]
        case .innerProduct(let p):
            guard let axis = x.normalizedAxis(p.axis) else { throw ShapeRuleError(reason: "axis \(p.axis) out of range for \(x)") }
            guard p.outputCount >= 1 else { throw ShapeRuleError(reason: "outputCount must be positive") }
            return [Shape(Array(x.dims[..<axis]) + [p.outputCount])]
        case .pooling(let p):
            try require4D(x)
            if p.global { return [[x[0], x[1], 1, 1]] }
            try requireSpatial(p.kernel, p.stride, p.padBegin, p.padEnd, [1, 1])
            var out = [x[0], x[1], 0, 0]
            for i in 0..<2 {
                let padded = x[2 + i] + p.padBegin[i] + p.padEnd[i]
                guard padded >= p.kernel[i] || p.rounding == .ceil else {
                    throw ShapeRuleError(reason: "kernel \(p.kernel[i]) exceeds padded input \(padded) on axis \(2 + i)")
                }
                out[2 + i] = Pooling.outputSize(input: x[2 + i], kernel: p.kernel[i], stride: p.stride[i],
                                                padBegin: p.padBegin[i], padEnd: p.padEnd[i], rounding: p.rounding)
                guard out[2 + i] >= 1 else { throw ShapeRuleError(reason: "empty output on axis \(2 + i)") }
            }
            return [Shape(out)]
        case .lrn(let p):
            try require4D(x)
            guard p.size >= 1, p.size % 2 == 1 else { throw ShapeRuleError(reason: "LRN size must be odd and positive, got \(p.size)") }
            return [x]
        case .batchNorm, .prelu:
            guard x.rank >= 2 else { throw ShapeRuleError(reason: "needs a channel axis, input is \(x)") }
            return [x]
        case .layerNorm(let p):
            _ = try p.normalizedShape(x)
            guard p.epsilon >= 0, p.epsilon.isFinite else { throw ShapeRuleError(reason: "epsilon \(p.epsilon) must be finite and >= 0") }
            return [x]
        case .l2Norm(let p):
            guard x.rank >= 2 else { throw ShapeRuleError(reason: "needs a channel axis, input is \(x)") }
            guard p.epsilon >= 0, p.epsilon.isFinite else { throw ShapeRuleError(reason: "epsilon \(p.epsilon) must be finite and >= 0") }
            return [x]
        case .scale(let p):
            _ = try sliceShape(x, axis: p.axis, count: p.axisCount)
            if inputs.count == 2 {
                let expected = try sliceShape(x, axis: p.axis, count: p.axisCount)
                guard inputs[1].dims == expected.dims else {
                    throw ShapeRuleError(reason: "second input \(inputs[1]) must have shape \(expected)")
                }
            }
            return [x]
        case .bias(let p):
            _ = try sliceShape(x, axis: p.axis, count: p.axisCount)
            return [x]
        case .relu, .activation, .power, .dropout:
            return [x]
        case .softmax(let p):
            guard x.normalizedAxis(p.axis) != nil else { throw ShapeRuleError(reason: "axis \(p.axis) out of range for \(x)") }
            return [x]
        case .concat(let p):
            guard let axis = x.normalizedAxis(p.axis) else { throw ShapeRuleError(reason: "axis \(p.axis) out of range for \(x)") }
            var out = x
            for other in inputs.dropFirst() {
                guard other.rank == x.rank,
                      (0..<x.rank).allSatisfy({ $0 == axis || other[$0] == x[$0] }) else {
                    throw ShapeRuleError(reason: "cannot concatenate \(other) with \(x) on axis \(axis)")
                }
                out[axis] += other[axis]
            }
            return [out]
        case .eltwise(let p):
            guard let out = Shape.broadcast(inputs) else {
                throw ShapeRuleError(reason: "inputs do not broadcast: \(inputs.map(\.description).joined(separator: " and "))")
            }
            guard p.coefficients.isEmpty || p.coefficients.count == inputs.count else {
                throw ShapeRuleError(reason: "\(p.coefficients.count) coefficients for \(inputs.count) inputs")
            }
            guard p.coefficients.isEmpty || p.operation == .sum else {
                throw ShapeRuleError(reason: "coefficients apply to sum only")
            }
            return [out]
        case .flatten(let p):
            guard let a = x.normalizedAxis(p.axis), let e = x.normalizedAxis(p.endAxis), a <= e else {
                throw ShapeRuleError(reason: "axes \(p.axis)...\(p.endAxis) invalid for \(x)")
            }
            if p.order == .channelsLast {
                guard x.rank == 4, a == 1, e == 3 else {
                    throw ShapeRuleError(reason: "channels-last flatten needs a 4-D input flattened over axes 1...3")
                }
            }
            return [Shape(Array(x.dims[..<a]) + [x.count(from: a, to: e + 1)] + Array(x.dims[(e + 1)...]))]
        case .reshape(let p):
            return [try Reshape.resolve(p.shape, input: x)]
        case .permute(let p):
            guard p.order.sorted() == Array(0..<x.rank) else {
                throw ShapeRuleError(reason: "order \(p.order) is not a permutation of the \(x.rank) axes of \(x)")
            }
            return [Shape(p.order.map { x[$0] })]
        case .crop(let p):
            guard let axis = x.normalizedAxis(p.axis) else { throw ShapeRuleError(reason: "axis \(p.axis) out of range for \(x)") }
            let axes = x.rank - axis
            guard p.offsets.count == 1 || p.offsets.count == axes else {
                throw ShapeRuleError(reason: "\(p.offsets.count) offsets for \(axes) cropped axes")
            }
            var out = x
            for i in 0..<axes {
                let offset = p.offsets.count == 1 ? p.offsets[0] : p.offsets[i]
                let size: Int
                if inputs.count == 2 {
                    guard inputs[1].rank == x.rank else { throw ShapeRuleError(reason: "reference \(inputs[1]) has another rank than \(x)") }
                    size = inputs[1][axis + i]
                } else {
                    let end = p.endCrops.isEmpty ? 0 : (p.endCrops.count == 1 ? p.endCrops[0] : (i < p.endCrops.count ? p.endCrops[i] : -1))
                    guard end >= 0 else { throw ShapeRuleError(reason: "\(p.endCrops.count) end crops for \(axes) axes") }
                    size = x[axis + i] - offset - end
                }
                guard offset >= 0, size >= 1, offset + size <= x[axis + i] else {
                    throw ShapeRuleError(reason: "crop of \(size) at offset \(offset) does not fit axis \(axis + i) of \(x)")
                }
                out[axis + i] = size
            }
            return [out]
        case .slice(let p):
            guard let axis = x.normalizedAxis(p.axis) else { throw ShapeRuleError(reason: "axis \(p.axis) out of range for \(x)") }
            let bounds = try p.bounds(length: x[axis], pieces: outputCount)
            return bounds.map { var s = x; s[axis] = $0.count; return s }
        case .pad(let p):
            try require4D(x)
            guard p.padBegin.count == 2, p.padEnd.count == 2, (p.padBegin + p.padEnd).allSatisfy({ $0 >= 0 }) else {
                throw ShapeRuleError(reason: "pads must be two non-negative numbers before and after")
            }
            return [[x[0], x[1], x[2] + p.padBegin[0] + p.padEnd[0], x[3] + p.padBegin[1] + p.padEnd[1]]]
        case .constant:
            preconditionFailure("handled above")
        case .opaque(let p):
            guard p.outputShapes.count == outputCount else {
                throw ShapeRuleError(reason: "opaque \(p.framework) layer of type '\(p.type)' records no output shapes")
            }
            return p.outputShapes
        }
    }

    /// The parameters the op takes for these input shapes, in canonical order. Nil for Opaque
    /// (it keeps whatever parameters the source had).
    public func expectedParameters(for inputs: [Shape]) throws(ShapeRuleError) -> [ParameterSpec]? {
        if case .constant(let c) = self { return [ParameterSpec("value", c.shape)] }
        let x = inputs[0]
        switch self {
        case .convolution(let p):
            var specs = [ParameterSpec("weight", [p.outputChannels, x[1] / p.groups, p.kernel[0], p.kernel[1]])]
            if p.hasBias { specs.append(ParameterSpec("bias", [p.outputChannels])) }
            return specs
        case .deconvolution(let p):
            var specs = [ParameterSpec("weight", [x[1], p.outputChannels / p.groups, p.kernel[0], p.kernel[1]])]
            if p.hasBias { specs.append(ParameterSpec("bias", [p.outputChannels])) }
            return specs
        case .innerProduct(let p):
            let axis = x.normalizedAxis(p.axis)!
            var specs = [ParameterSpec("weight", [p.outputCount, x.count(from: axis)])]
            if p.hasBias { specs.append(ParameterSpec("bias", [p.outputCount])) }
            return specs
        case .batchNorm(let p):
            let c: Shape = [x[1]]
            var specs = [ParameterSpec("mean", c), ParameterSpec("variance", c)]
            if p.hasScale { specs.append(ParameterSpec("scale", c)) }
            if p.hasShift { specs.append(ParameterSpec("shift", c)) }
            return specs
        case .scale(let p):
            let s = try sliceShape(x, axis: p.axis, count: p.axisCount)
            var specs = inputs.count == 2 ? [] : [ParameterSpec("scale", s)]
            if p.hasBias { specs.append(ParameterSpec("bias", s)) }
            return specs
        case .bias(let p):
            return [ParameterSpec("bias", try sliceShape(x, axis: p.axis, count: p.axisCount))]
        case .layerNorm(let p):
            let s = try p.normalizedShape(x)
            return (p.hasScale ? [ParameterSpec("scale", s)] : []) + (p.hasShift ? [ParameterSpec("shift", s)] : [])
        case .prelu(let p):
            return [ParameterSpec("slope", p.channelShared ? [1] : [x[1]])]
        case .l2Norm(let p):
            return [ParameterSpec("scale", p.channelShared ? [1] : [x[1]])]
        case .opaque:
            return nil
        default:
            return []
        }
    }

    /// Parameter names that hold statistics rather than trained weights (never given gradients).
    public var statisticsParameters: Set<String> {
        if case .batchNorm = self { return ["mean", "variance"] }
        return []
    }
}

private func require4D(_ x: Shape) throws(ShapeRuleError) {
    guard x.rank == 4 else { throw ShapeRuleError(reason: "needs a 4-D NCHW input, got \(x)") }
}

private func requireSpatial(_ kernel: [Int], _ stride: [Int], _ padBegin: [Int], _ padEnd: [Int],
                            _ dilation: [Int]) throws(ShapeRuleError) {
    guard kernel.count == 2, stride.count == 2, padBegin.count == 2, padEnd.count == 2, dilation.count == 2 else {
        throw ShapeRuleError(reason: "kernel, stride, pads and dilation need two values each (height, width)")
    }
    guard kernel.allSatisfy({ $0 >= 1 }), stride.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }),
          (padBegin + padEnd).allSatisfy({ $0 >= 0 }) else {
        throw ShapeRuleError(reason: "kernel \(kernel), stride \(stride), dilation \(dilation) must be positive and pads \(padBegin)/\(padEnd) non-negative")
    }
}

extension LayerNormalization {
    /// The normalised dims `axis ... endAxis` of `x` (the parameters' shape), checked.
    public func normalizedShape(_ x: Shape) throws(ShapeRuleError) -> Shape {
        guard let a = x.normalizedAxis(axis), let e = x.normalizedAxis(endAxis), a >= 1, a <= e else {
            throw ShapeRuleError(reason: "axes \(axis)...\(endAxis) invalid for \(x) (the batch axis is never normalised)")
        }
        return Shape(Array(x.dims[a...e]))
    }
}

/// dims[axis ..< axis+count] of x, checked.
private func sliceShape(_ x: Shape, axis: Int, count: Int) throws(ShapeRuleError) -> Shape {
    guard let a = x.normalizedAxis(axis), count >= 0, a + count <= x.rank else {
        throw ShapeRuleError(reason: "axes \(axis)..<\(axis + count) out of range for \(x)")
    }
    return Shape(Array(x.dims[a..<(a + count)]))
}

extension Pooling {
    /// One spatial output size under a rounding rule (see ``Rounding``).
    public static func outputSize(input: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int,
                                  rounding: Rounding) -> Int {
        let span = input + padBegin + padEnd - kernel
        switch rounding {
        case .floor:
            return span >= 0 ? span / stride + 1 : 0
        case .ceil:
            var out = (span + stride - 1).quotientRoundingDown(stride) + 1
            // Caffe: the last window must start inside the image or its begin padding.
            if padBegin > 0 || padEnd > 0, (out - 1) * stride >= input + padBegin { out -= 1 }
            return out
        }
    }
}

private extension Int {
    func quotientRoundingDown(_ d: Int) -> Int {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

extension Reshape {
    /// Resolves `0` (copy) and `-1` (infer) against the input shape.
    static func resolve(_ spec: [Int], input x: Shape) throws(ShapeRuleError) -> Shape {
        var dims = [Int]()
        var inferAt: Int?
        for (i, d) in spec.enumerated() {
            switch d {
            case 0:
                guard i < x.rank else { throw ShapeRuleError(reason: "0 at position \(i) copies a dim \(x) does not have") }
                dims.append(x[i])
            case -1:
                guard inferAt == nil else { throw ShapeRuleError(reason: "more than one -1 in \(spec)") }
                inferAt = i
                dims.append(1)
            case 1...: dims.append(d)
            default: throw ShapeRuleError(reason: "invalid dim \(d) in \(spec)")
            }
        }
        let total = x.count(from: 0)
        let known = dims.reduce(1, *)
        if let i = inferAt {
            guard known > 0, total % known == 0 else { throw ShapeRuleError(reason: "cannot reshape \(x) to \(spec)") }
            dims[i] = total / known
        }
        guard dims.reduce(1, *) == total else { throw ShapeRuleError(reason: "cannot reshape \(x) (\(total) elements) to \(spec)") }
        return Shape(dims)
    }
}

extension Slice {
    /// The half-open ranges along the axis, one per output.
    public func bounds(length: Int, pieces: Int) throws(ShapeRuleError) -> [Range<Int>] {
        if points.isEmpty {
            guard pieces >= 1, length % pieces == 0 else {
                throw ShapeRuleError(reason: "axis of \(length) does not split into \(pieces) equal parts")
            }
            let step = length / pieces
            return (0..<pieces).map { $0 * step ..< ($0 + 1) * step }
        }
        guard points.count + 1 == pieces else {
            throw ShapeRuleError(reason: "\(points.count) slice points make \(points.count + 1) pieces, but the node has \(pieces) outputs")
        }
        let cuts = [0] + points + [length]
        for i in 1..<cuts.count where cuts[i] <= cuts[i - 1] {
            throw ShapeRuleError(reason: "slice points \(points) are not increasing within 0..<\(length)")
        }
        return (1..<cuts.count).map { cuts[$0 - 1]..<cuts[$0] }
    }
}
