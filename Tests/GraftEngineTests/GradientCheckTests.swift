import GraftCore
@testable import GraftEngine
import GraftKernels
import Testing

/// A convolution or deconvolution case for the gradient check.
struct BackwardConvolutionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: Shape
    let op: Op
    /// The convolution strategy the case pins (nil: whatever the engine prefers for it).
    var strategy: ConvolutionKernels.Strategy? = nil
    var testDescription: String { name }

    static let convolutions: [BackwardConvolutionCase] = [
        .init(name: "plain 3x3, batch 1 (one GEMM per image)", input: [1, 2, 5, 4],
              op: .convolution(Convolution(outputChannels: 3, kernel: [3, 3]))),
        .init(name: "stride 2, pad 1, batch 3 (images side by side)", input: [3, 2, 5, 5],
              op: .convolution(Convolution(outputChannels: 2, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1]))),
        .init(name: "asymmetric padding, rectangular kernel", input: [2, 2, 4, 5],
              op: .convolution(Convolution(outputChannels: 2, kernel: [2, 3], stride: [2, 1], padBegin: [0, 1], padEnd: [1, 2]))),
        .init(name: "dilation 2", input: [2, 1, 6, 6],
              op: .convolution(Convolution(outputChannels: 2, kernel: [3, 3], padBegin: [2, 1], dilation: [2, 2]))),
        .init(name: "2 groups, no bias", input: [2, 4, 4, 4],
              op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1], groups: 2, hasBias: false))),
        .init(name: "depthwise", input: [2, 3, 5, 5],
              op: .convolution(Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1], groups: 3))),
        .init(name: "depthwise, multiplier 2, stride 2, dilation, asymmetric pad", input: [1, 2, 6, 7],
              op: .convolution(Convolution(outputChannels: 4, kernel: [3, 2], stride: [2, 2], padBegin: [1, 0], padEnd: [0, 1],
                                           dilation: [1, 2], groups: 2))),
        .init(name: "1x1 pointwise, batch 1", input: [1, 3, 3, 4], op: .convolution(Convolution(outputChannels: 2, kernel: [1, 1]))),
        .init(name: "1x1 pointwise, 2 groups, batch 2 (side by side)", input: [2, 4, 3, 3],
              op: .convolution(Convolution(outputChannels: 4, kernel: [1, 1], groups: 2))),
        .init(name: "5x5 pad 2, batch 3 (image-parallel: SIMD panels, input gradient as a flipped convolution)",
              input: [3, 4, 6, 5], op: .convolution(Convolution(outputChannels: 5, kernel: [5, 5], padBegin: [2, 2]))),
        .init(name: "5x5 pad 2 on rows of 8, batch 2 (image-parallel: direct SIMD convolution, no im2col)",
              input: [2, 3, 5, 8], op: .convolution(Convolution(outputChannels: 4, kernel: [5, 5], padBegin: [2, 2]))),
        .init(name: "Winograd F(2,3): 16 channels, 3x3 pad 1, batch 2", input: [2, 16, 3, 4],
              op: .convolution(Convolution(outputChannels: 16, kernel: [3, 3], padBegin: [1, 1])), strategy: .winograd),
    ]

    static let deconvolutions: [BackwardConvolutionCase] = [
        .init(name: "stride 2 kernel 3", input: [2, 2, 3, 3], op: .deconvolution(Deconvolution(outputChannels: 2, kernel: [3, 3], stride: [2, 2]))),
        .init(name: "groups 2, pad 1, output padding, no bias", input: [1, 4, 3, 2],
              op: .deconvolution(Deconvolution(outputChannels: 2, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], groups: 2,
                                               hasBias: false, outputPadding: [1, 1]))),
        .init(name: "asymmetric pad, dilation", input: [1, 2, 3, 3],
              op: .deconvolution(Deconvolution(outputChannels: 3, kernel: [2, 3], padBegin: [0, 1], padEnd: [1, 0], dilation: [2, 1]))),
    ]

    var parameters: [String: Tensor] {
        switch op {
        case .convolution(let p):
            var result = ["weight": randomTensor([p.outputChannels, input[1] / p.groups, p.kernel[0], p.kernel[1]], seed: 31)]
            if p.hasBias { result["bias"] = randomTensor([p.outputChannels], seed: 32) }
            return result
        case .deconvolution(let p):
            var result = ["weight": randomTensor([input[1], p.outputChannels / p.groups, p.kernel[0], p.kernel[1]], seed: 33)]
            if p.hasBias { result["bias"] = randomTensor([p.outputChannels], seed: 34) }
            return result
        default: return [:]
        }
    }
}

@Suite("Backward passes: finite-difference gradient checks")
struct GradientCheckTests {
    @Test("convolution", arguments: BackwardConvolutionCase.convolutions)
    func convolution(_ c: BackwardConvolutionCase) throws {
        try ConvolutionKernels.$forcedStrategy.withValue(c.strategy) {
            try checkOp(c.op, inputs: [randomTensor(c.input, seed: 30)], parameters: c.parameters)
        }
    }

    @Test("deconvolution", arguments: BackwardConvolutionCase.deconvolutions)
    func deconvolution(_ c: BackwardConvolutionCase) throws {
        try checkOp(c.op, inputs: [randomTensor(c.input, seed: 35)], parameters: c.parameters)
    }

    @Test("inner product on axis 1 and on axis 2, with and without bias", arguments: [(1, true), (2, false)])
    func innerProduct(axis: Int, bias: Bool) throws {
        let x = randomTensor([2, 3, 4], seed: 40)
        let k = axis == 1 ? 12 : 4
        var parameters = ["weight": randomTensor([5, k], seed: 41)]
        if bias { parameters["bias"] = randomTensor([5], seed: 42) }
        try checkOp(.innerProduct(InnerProduct(outputCount: 5, hasBias: bias, axis: axis)), inputs: [x], parameters: parameters)
    }

    static let poolings: [Pooling] = [
        Pooling(method: .max, kernel: [2, 2]),
        Pooling(method: .max, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil),
        Pooling(method: .max, kernel: [3, 2], stride: [2, 1], padBegin: [0, 1], padEnd: [1, 0]),
        Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil, averageDivisor: .includePadding),
        Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil, averageDivisor: .excludePadding),
        Pooling(method: .average, kernel: [2, 3], stride: [2, 2], padBegin: [0, 1], padEnd: [1, 1], rounding: .floor),
        Pooling(method: .max, global: true),
        Pooling(method: .average, global: true),
    ]

    @Test("max pooling on rows wide enough for the 8-column SIMD path", arguments: [
        Pooling(method: .max, kernel: [3, 3], stride: [2, 2], rounding: .ceil),
        Pooling(method: .max, kernel: [2, 3], stride: [1, 1], padBegin: [1, 1]),
    ])
    func widePooling(_ p: Pooling) throws {
        try checkOp(.pooling(p), inputs: [kinkFreeTensor([1, 2, 4, 21], seed: 51, gap: 0.02, in: -2...2)])
    }

    @Test("pooling: max (argmax routing) and average (both divisors, both roundings), windowed and global",
          arguments: poolings)
    func pooling(_ p: Pooling) throws {
        // Distinct values 0.05 apart: a step of 0.01 never changes which element is the maximum.
        try checkOp(.pooling(p), inputs: [kinkFreeTensor([2, 2, 5, 6], seed: 50, gap: 0.05, in: -3...3)])
    }

    @Test("LRN across channels and within a channel (Caffe's formulas)",
          arguments: [LRN(region: .acrossChannels, size: 3, alpha: 0.5, beta: 0.75, k: 1.5),
                      LRN(region: .acrossChannels, size: 5, alpha: 1e-1, beta: 0.6, k: 2),
                      LRN(region: .withinChannel, size: 3, alpha: 0.8, beta: 0.75)])
    func lrn(_ p: LRN) throws {
        try checkOp(.lrn(p), inputs: [randomTensor([2, 6, 3, 4], seed: 60, in: -2...2)])
    }

    @Test("BatchNorm in training (batch statistics), with and without scale and shift", arguments: [true, false])
    func batchNormTraining(affine: Bool) throws {
        var parameters = ["mean": randomTensor([3], seed: 70), "variance": randomTensor([3], seed: 71, in: 0.5...2)]
        if affine {
            parameters["scale"] = randomTensor([3], seed: 72, in: 0.5...1.5)
            parameters["shift"] = randomTensor([3], seed: 73)
        }
        try checkOp(.batchNorm(BatchNorm(epsilon: 1e-3, hasScale: affine, hasShift: affine)),
                    inputs: [randomTensor([3, 3, 2, 2], seed: 74, in: -2...2)], parameters: parameters)
    }

    @Test("BatchNorm with frozen statistics is a per-channel affine map")
    func batchNormFrozen() throws {
        let parameters = ["mean": randomTensor([3], seed: 75), "variance": randomTensor([3], seed: 76, in: 0.5...2),
                          "scale": randomTensor([3], seed: 77), "shift": randomTensor([3], seed: 78)]
        try checkOp(.batchNorm(BatchNorm(hasScale: true, hasShift: true)), inputs: [randomTensor([2, 3, 2, 3], seed: 79)],
                    parameters: parameters, configure: { $0.plan.batchNormStatistics = .frozen })
    }

    @Test("Scale with a parameter and bias, Scale with a second input, Bias")
    func scaleAndBias() throws {
        try checkOp(.scale(Scale(axis: 1, axisCount: 1, hasBias: true)), inputs: [randomTensor([2, 3, 2, 2], seed: 80)],
                    parameters: ["scale": randomTensor([3], seed: 81), "bias": randomTensor([3], seed: 82)])
        try checkOp(.scale(Scale(axis: 1, axisCount: 2)), inputs: [randomTensor([2, 3, 2, 2], seed: 83), randomTensor([3, 2], seed: 84)])
        try checkOp(.bias(Bias(axis: 1, axisCount: 1)), inputs: [randomTensor([2, 3, 4], seed: 85)],
                    parameters: ["bias": randomTensor([3], seed: 86)])
    }

    @Test("ReLU: plain, leaky, ReLU6, with threshold",
          arguments: [ReLU(), ReLU(negativeSlope: 0.1), ReLU(maxValue: 1), ReLU(negativeSlope: 0.2, threshold: 0.5)])
    func relu(_ p: ReLU) throws {
        let avoid = [p.threshold] + (p.maxValue.map { [$0] } ?? [])
        try checkOp(.relu(p), inputs: [kinkFreeTensor([2, 3, 4], seed: 90, avoid: avoid)])
    }

    @Test("PReLU per channel and shared: input and slope gradients", arguments: [false, true])
    func prelu(shared: Bool) throws {
        try checkOp(.prelu(PReLU(channelShared: shared)), inputs: [kinkFreeTensor([2, 3, 2, 2], seed: 91)],
                    parameters: ["slope": randomTensor(shared ? [1] : [3], seed: 92, in: 0.1...0.5)])
    }

    @Test("every Activation",
          arguments: [Activation.elu(alpha: 0.7), .selu, .sigmoid, .tanh, .hardSigmoid, .hardSigmoidOneSixth, .swish, .softplus,
                      .hardSwish, .gelu(approximate: false), .gelu(approximate: true)])
    func activation(_ f: Activation) throws {
        // Away from 0 (ELU/SELU derivative jumps there), ±2.5 and ±3 (the hard sigmoids' corners).
        try checkOp(.activation(f), inputs: [kinkFreeTensor([2, 3, 4], seed: 93, avoid: [0, -2.5, 2.5, -3, 3], in: -3...3)])
    }

    @Test("Power", arguments: [Power(power: 1, scale: 2, shift: 1), Power(power: 2, scale: -1.5, shift: 0.5),
                               Power(power: 0.5, scale: 0.5, shift: 2), Power(power: 3, scale: 1, shift: 0)])
    func power(_ p: Power) throws {
        try checkOp(.power(p), inputs: [randomTensor([2, 5], seed: 94)])
    }

    @Test("Softmax on axis 1 and on the last axis", arguments: [1, -1])
    func softmax(axis: Int) throws {
        try checkOp(.softmax(Softmax(axis: axis)), inputs: [randomTensor([2, 4, 3], seed: 95, in: -2...2)])
    }

    @Test("Eltwise: sum with coefficients, product of three, max")
    func eltwise() throws {
        let shape: Shape = [2, 3, 2]
        try checkOp(.eltwise(Eltwise(operation: .sum, coefficients: [1, -2, 0.5])),
                    inputs: [randomTensor(shape, seed: 100), randomTensor(shape, seed: 101), randomTensor(shape, seed: 102)])
        try checkOp(.eltwise(Eltwise(operation: .product)),
                    inputs: [randomTensor(shape, seed: 103), randomTensor(shape, seed: 104), randomTensor(shape, seed: 105)])
        // Inputs drawn from one shuffled grid: never within 0.05 of each other.
        let all = kinkFreeTensor([24], seed: 106).scalars
        try checkOp(.eltwise(Eltwise(operation: .max)),
                    inputs: [Tensor(shape: shape, scalars: Array(all[0..<12])), Tensor(shape: shape, scalars: Array(all[12..<24]))])
    }

    /// Broadcast inputs (squeeze-and-excitation scales, per-position masks, a scalar, lower rank):
    /// their gradients are the broadcast copy's gradient summed back.
    @Test("Eltwise with broadcasting: sum, product, max", arguments: [
        [Shape([2, 3, 4, 5]), Shape([2, 3, 1, 1])],
        [Shape([2, 3, 4, 5]), Shape([2, 1, 4, 5]), Shape([1])],
        [Shape([2, 1, 4, 1]), Shape([3, 1, 5])],
    ])
    func eltwiseBroadcast(shapes: [Shape]) throws {
        var seed: UInt64 = 120
        func next() -> UInt64 { seed += 1; return seed }
        try checkOp(.eltwise(Eltwise(operation: .sum, coefficients: shapes.indices.map { [1, -2, 0.5][$0] })),
                    inputs: shapes.map { randomTensor($0, seed: next()) })
        try checkOp(.eltwise(Eltwise(operation: .product)), inputs: shapes.map { randomTensor($0, seed: next()) })
        // Distinct values from one shuffled grid, so that no two inputs tie near the output.
        let total = shapes.reduce(0) { $0 + $1.elementCount }
        let grid = kinkFreeTensor([total], seed: next(), in: -6...6).scalars
        var offset = 0
        let inputs = shapes.map { shape in
            defer { offset += shape.elementCount }
            return Tensor(shape: shape, scalars: Array(grid[offset..<(offset + shape.elementCount)]))
        }
        try checkOp(.eltwise(Eltwise(operation: .max)), inputs: inputs)
    }

    /// Stored tensors as operands (ONNX `Mul(x, S)`, `Add(x, B)`): the constants' gradients are
    /// the broadcast gradients summed back, and the forward pass computes `x * s + b`.
    @Test("Constant operands of broadcast Eltwise")
    func constantOperands() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 140)
        let s = randomTensor([3, 1, 1], seed: 141), b = randomTensor([1], seed: 142)
        let graph = Graph(inputs: [GraphInput(name: "x", shape: x.shape)], nodes: [
            Node(name: "s", op: .constant(Constant(shape: s.shape)), inputs: [], parameters: [ParameterSpec("value", s.shape)]),
            Node(name: "b", op: .constant(Constant(shape: b.shape)), inputs: [], parameters: [ParameterSpec("value", b.shape)]),
            Node(name: "mul", op: .eltwise(Eltwise(operation: .product)), inputs: ["x", "s"]),
            Node(name: "y", op: .eltwise(Eltwise(operation: .sum)), inputs: ["mul", "b"]),
        ], outputs: ["y"])
        let weights = ["s.value": s, "b.value": b]
        let y = try #require(try ForwardExecutor(graph: graph, weights: weights).run(inputs: ["x": x])["y"])
        for i in 0..<x.shape.elementCount {
            let c = (i / 4) % 3
            #expect(abs(y.scalars[i] - (x.scalars[i] * s.scalars[c] + b.scalars[0])) < 1e-6)
        }
        var check = GradientCheck()
        check.plan.trainableFrom = "s"
        try check.run(graph: graph, weights: weights, inputs: ["x": x])
        #expect(Set(check.checkedTensors).isSuperset(of: ["x", "s.value", "b.value"]), "checked \(check.checkedTensors)")
        check.expectPassed()
    }

    /// Over the channels of an NCHW tensor (ConvNeXt), the last axis, several axes, and without
    /// its own scale and shift.
    @Test("Layer normalisation", arguments: [
        LayerNormalization(axis: 1, epsilon: 1e-3), LayerNormalization(axis: -1, epsilon: 1e-5),
        LayerNormalization(axis: 1, endAxis: 3, epsilon: 1e-6), LayerNormalization(axis: 2, epsilon: 1e-3, hasScale: false, hasShift: false),
    ])
    func layerNorm(_ p: LayerNormalization) throws {
        let x = randomTensor([2, 4, 3, 5], seed: 130, in: -2...2)
        let s = try p.normalizedShape(x.shape)
        var parameters: [String: Tensor] = [:]
        if p.hasScale { parameters["scale"] = randomTensor(s, seed: 131, in: 0.5...1.5) }
        if p.hasShift { parameters["shift"] = randomTensor(s, seed: 132) }
        try checkOp(.layerNorm(p), inputs: [x], parameters: parameters)
    }

    /// SSD's Normalize over the channels at each position and over the whole sample, with a
    /// per-channel and a shared scale; a large epsilon is part of the function too.
    @Test("L2 normalisation", arguments: [
        L2Normalization(acrossSpatial: false, channelShared: false, epsilon: 1e-10),
        L2Normalization(acrossSpatial: true, channelShared: true, epsilon: 1e-10),
        L2Normalization(acrossSpatial: true, channelShared: false, epsilon: 0.5),
        L2Normalization(acrossSpatial: false, channelShared: true, epsilon: 0.5),
    ])
    func l2Norm(_ p: L2Normalization) throws {
        let x = randomTensor([2, 4, 3, 5], seed: 150, in: -2...2)
        let scale = randomTensor(p.channelShared ? [1] : [4], seed: 151, in: 0.5...1.5)
        try checkOp(.l2Norm(p), inputs: [x], parameters: ["scale": scale])
    }

    @Test("Concat and Slice (two and three pieces)")
    func concatAndSlice() throws {
        try checkOp(.concat(Concat(axis: 1)), inputs: [randomTensor([2, 2, 3], seed: 110), randomTensor([2, 3, 3], seed: 111)])
        try checkOp(.concat(Concat(axis: 2)), inputs: [randomTensor([2, 2, 1], seed: 112), randomTensor([2, 2, 3], seed: 113)])
        try checkOp(.slice(Slice(axis: 1)), inputs: [randomTensor([2, 4, 3], seed: 114)], outputs: ["a", "b"])
        try checkOp(.slice(Slice(axis: 2, points: [1, 3])), inputs: [randomTensor([2, 2, 5], seed: 115)], outputs: ["a", "b", "c"])
    }

    @Test("Crop with a reference input and with end crops, Pad")
    func cropAndPad() throws {
        try checkOp(.crop(Crop(axis: 2, offsets: [1, 2])), inputs: [randomTensor([2, 2, 5, 6], seed: 120), randomTensor([1, 1, 3, 3], seed: 121)],
                    allowingZero: ["x1"])
        try checkOp(.crop(Crop(axis: 2, offsets: [1, 0], endCrops: [0, 2])), inputs: [randomTensor([1, 2, 4, 5], seed: 122)])
        try checkOp(.pad(Pad(padBegin: [1, 0], padEnd: [2, 1], value: 0.5)), inputs: [randomTensor([2, 2, 3, 3], seed: 123)])
    }

    @Test("Flatten (both orders), Reshape, Permute")
    func layout() throws {
        let x = randomTensor([2, 3, 2, 4], seed: 130)
        try checkOp(.flatten(Flatten()), inputs: [x])
        try checkOp(.flatten(Flatten(order: .channelsLast)), inputs: [x])
        try checkOp(.reshape(Reshape(shape: [0, -1, 4])), inputs: [x])
        try checkOp(.permute(Permute(order: [0, 2, 3, 1])), inputs: [x])
        try checkOp(.permute(Permute(order: [3, 1, 0, 2])), inputs: [x])
    }

    @Test("Dropout in training: gradient through the same seeded mask")
    func dropout() throws {
        try checkOp(.dropout(Dropout(ratio: 0.4)), inputs: [randomTensor([4, 16], seed: 140)],
                    afterFirstForward: { engine in
                        for case let layer as DropoutLayer in engine.execution.layers { layer.reusesMask = true }
                    })
    }

    @Test("a small network end to end: fan-out (one value read by three layers, one reading it twice) accumulates")
    func fanOut() throws {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [2, 2, 4, 4])], nodes: [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [1, 1])), inputs: ["x"]),
            Node(name: "act", op: .activation(.tanh), inputs: ["conv"]),
            Node(name: "twice", op: .eltwise(Eltwise(operation: .sum, coefficients: [1, 0.5])), inputs: ["act", "act"]),
            Node(name: "squared", op: .eltwise(Eltwise(operation: .product)), inputs: ["act", "conv"]),
            Node(name: "cat", op: .concat(Concat()), inputs: ["twice", "squared", "act"]),
            Node(name: "pool", op: .pooling(Pooling(method: .average, kernel: [2, 2])), inputs: ["cat"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 3)), inputs: ["pool"]),
        ], outputs: ["fc"])
        try graph.deriveParameterSpecs()
        var check = GradientCheck()
        try check.run(graph: graph, weights: graph.randomWeights(seed: 141), inputs: ["x": randomTensor([2, 2, 4, 4], seed: 142)])
        #expect(Set(check.checkedTensors) == ["x", "conv.weight", "conv.bias", "fc.weight", "fc.bias"])
        check.expectPassed()
    }

    @Test("a residual network end to end: gradients correct with their buffers shared by liveness")
    func residualSharing() throws {
        var graph = Graph(inputs: [GraphInput(name: "x", shape: [2, 3, 6, 6])], nodes: [
            Node(name: "stem", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1])), inputs: ["x"]),
            // No bias before a BatchNorm (its gradient is zero there), as in ResNets.
            Node(name: "conv1", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1], hasBias: false)), inputs: ["stem"]),
            Node(name: "bn1", op: .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)), inputs: ["conv1"]),
            Node(name: "act1", op: .activation(.tanh), inputs: ["bn1"]),
            Node(name: "conv2", op: .convolution(Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1], hasBias: false)), inputs: ["act1"]),
            Node(name: "bn2", op: .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)), inputs: ["conv2"]),
            Node(name: "sum", op: .eltwise(Eltwise(operation: .sum)), inputs: ["bn2", "stem"]),
            Node(name: "act2", op: .activation(.tanh), inputs: ["sum"]),
            Node(name: "conv3", op: .convolution(Convolution(outputChannels: 5, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1])), inputs: ["act2"]),
            Node(name: "pool", op: .pooling(Pooling(method: .average, kernel: [3, 3])), inputs: ["conv3"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 3)), inputs: ["pool"]),
        ], outputs: ["fc"])
        try graph.deriveParameterSpecs()
        var weights = graph.randomWeights(seed: 151)
        for bn in ["bn1", "bn2"] { weights["\(bn).variance"] = randomTensor([4], seed: 152, in: 0.5...2) }
        var check = GradientCheck()
        var sharing: (values: Int, buffers: Int)?
        try check.run(graph: graph, weights: weights, inputs: ["x": randomTensor([2, 3, 6, 6], seed: 153)],
                      afterFirstForward: { engine in
                          let buffers = engine.gradients.compactMap { $0 }
                          sharing = (buffers.count, Set(buffers.map { ObjectIdentifier($0) }).count)
                      })
        // Every value from x to fc has a gradient; far fewer buffers hold them.
        let (values, buffers) = try #require(sharing)
        #expect(values == 12 && buffers <= 4, "\(values) values, \(buffers) buffers")
        #expect(check.checkedTensors.contains("x") && check.checkedTensors.contains("bn1.scale"))
        check.expectPassed()
    }
}
