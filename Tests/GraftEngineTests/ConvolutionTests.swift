import GraftCore
import GraftKernels
import Testing

/// A convolution case checked against the direct 7-loop reference.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: Shape
    let op: Convolution
    var testDescription: String { name }

    static let all: [ConvolutionCase] = [
        .init(name: "plain 3x3", input: [2, 3, 6, 5], op: Convolution(outputChannels: 4, kernel: [3, 3])),
        .init(name: "stride 2, pad 1", input: [1, 2, 7, 7], op: Convolution(outputChannels: 3, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1])),
        .init(name: "stride (2,3), rectangular kernel", input: [1, 2, 8, 9], op: Convolution(outputChannels: 2, kernel: [2, 3], stride: [2, 3])),
        .init(name: "asymmetric padding (TF same, even kernel)", input: [1, 2, 5, 6],
              op: Convolution(outputChannels: 3, kernel: [2, 4], stride: [2, 2], padBegin: [0, 1], padEnd: [1, 2])),
        .init(name: "dilation 2", input: [1, 2, 9, 8], op: Convolution(outputChannels: 3, kernel: [3, 3], padBegin: [2, 2], dilation: [2, 2])),
        .init(name: "dilation (3,1) with stride 2", input: [2, 1, 11, 7], op: Convolution(outputChannels: 2, kernel: [3, 2], stride: [2, 2], dilation: [3, 1])),
        .init(name: "2 groups (CaffeNet conv2 style)", input: [2, 4, 6, 6], op: Convolution(outputChannels: 6, kernel: [3, 3], padBegin: [1, 1], groups: 2)),
        .init(name: "4 groups, stride 2, no bias", input: [1, 8, 5, 5], op: Convolution(outputChannels: 4, kernel: [3, 3], stride: [2, 2], groups: 4, hasBias: false)),
        .init(name: "depthwise 3x3 pad 1", input: [2, 4, 5, 6], op: Convolution(outputChannels: 4, kernel: [3, 3], padBegin: [1, 1], groups: 4)),
        .init(name: "depthwise, multiplier 2, stride 2, asymmetric pad", input: [1, 3, 6, 7],
              op: Convolution(outputChannels: 6, kernel: [3, 3], stride: [2, 2], padBegin: [0, 0], padEnd: [1, 1], groups: 3)),
        .init(name: "depthwise dilated", input: [1, 2, 7, 7], op: Convolution(outputChannels: 2, kernel: [3, 3], padBegin: [2, 2], dilation: [2, 2], groups: 2)),
        .init(name: "1x1 pointwise", input: [2, 5, 4, 3], op: Convolution(outputChannels: 3, kernel: [1, 1])),
        .init(name: "1x1 pointwise, 2 groups", input: [1, 4, 3, 3], op: Convolution(outputChannels: 6, kernel: [1, 1], groups: 2)),
        .init(name: "1x1 with stride 2 (not pointwise)", input: [1, 3, 5, 5], op: Convolution(outputChannels: 2, kernel: [1, 1], stride: [2, 2])),
        .init(name: "kernel covers the whole padded input", input: [1, 2, 3, 3], op: Convolution(outputChannels: 2, kernel: [5, 5], padBegin: [1, 1])),
    ]
}

@Suite("Convolution")
struct ConvolutionTests {
    @Test("2x2 ones kernel over a 3x3 ramp, by hand")
    func byHand() throws {
        let y = try run1(.convolution(Convolution(outputChannels: 1, kernel: [2, 2])), iota([1, 1, 3, 3]),
                         parameters: ["weight": Tensor(shape: [1, 1, 2, 2], repeating: 1), "bias": Tensor(shape: [1], scalars: [1])])
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [9, 13, 21, 25])
    }

    @Test("zero padding of 1 with a 3x3 ones kernel sums each neighbourhood")
    func paddedByHand() throws {
        let y = try run1(.convolution(Convolution(outputChannels: 1, kernel: [3, 3], padBegin: [1, 1], hasBias: false)),
                         Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]),
                         parameters: ["weight": Tensor(shape: [1, 1, 3, 3], repeating: 1)])
        #expect(y.scalars == [10, 10, 10, 10])
    }

    @Test("matches the direct reference", arguments: ConvolutionCase.all)
    func matchesReference(_ c: ConvolutionCase) throws {
        let x = randomTensor(c.input, seed: 21)
        let weight = randomTensor([c.op.outputChannels, c.input[1] / c.op.groups, c.op.kernel[0], c.op.kernel[1]], seed: 22)
        let bias = c.op.hasBias ? randomTensor([c.op.outputChannels], seed: 23) : nil
        var parameters = ["weight": weight]
        if let bias { parameters["bias"] = bias }
        let y = try run1(.convolution(c.op), x, parameters: parameters)
        expectClose(y, naiveConvolution(x, weight: weight, bias: bias, c.op))
    }

    /// Runs the kernel directly with a chosen strategy.
    func kernelForward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor, _ g: ConvolutionGeometry,
                       _ strategy: ConvolutionKernels.Strategy) -> [Float] {
        let batch = x.shape[0]
        var output = [Float](repeating: .nan, count: batch * g.outputImageCount)
        var scratch = [Float](repeating: 0, count: max(ConvolutionKernels.scratchCount(for: g, strategy: strategy), 1))
        output.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { s in
                ConvolutionKernels.forward(input: x.scalars, weight: weight.scalars, bias: bias.scalars,
                                           output: out.baseAddress!, batch: batch, geometry: g, strategy: strategy,
                                           scratch: s.baseAddress!)
            }
        }
        return output
    }

    @Test("1x1 fast path (GEMM on the input) and the im2col path agree")
    func pointwiseAgreesWithIm2col() {
        let g = ConvolutionGeometry(patches: PatchGeometry(channels: 6, height: 4, width: 5, kernelHeight: 1, kernelWidth: 1,
                                                           outputHeight: 4, outputWidth: 5),
                                    outputChannels: 4, groups: 2)
        #expect(g.isPointwise)
        #expect(ConvolutionKernels.preferredStrategy(for: g) == .pointwiseGEMM)
        #expect(ConvolutionKernels.scratchCount(for: g, strategy: .pointwiseGEMM) == 0)
        let x = randomTensor([2, 6, 4, 5], seed: 31), w = randomTensor([4, 3, 1, 1], seed: 32), b = randomTensor([4], seed: 33)
        let fast = kernelForward(x, w, b, g, .pointwiseGEMM)
        let general = kernelForward(x, w, b, g, .im2colGEMM)
        expectClose(fast, general)
        let reference = naiveConvolution(x, weight: w, bias: b, Convolution(outputChannels: 4, kernel: [1, 1], groups: 2))
        expectClose(fast, reference.scalars)
    }

    @Test("depthwise direct loop and the im2col path agree")
    func depthwiseAgreesWithIm2col() {
        let g = ConvolutionGeometry(patches: PatchGeometry(channels: 3, height: 7, width: 6, kernelHeight: 3, kernelWidth: 3,
                                                           strideHeight: 2, strideWidth: 1, padTop: 1, padLeft: 2,
                                                           dilationHeight: 1, dilationWidth: 2, outputHeight: 4, outputWidth: 4),
                                    outputChannels: 6, groups: 3)
        #expect(g.isDepthwise)
        #expect(ConvolutionKernels.preferredStrategy(for: g) == .depthwiseDirect)
        let x = randomTensor([2, 3, 7, 6], seed: 41), w = randomTensor([6, 1, 3, 3], seed: 42), b = randomTensor([6], seed: 43)
        expectClose(kernelForward(x, w, b, g, .depthwiseDirect), kernelForward(x, w, b, g, .im2colGEMM))
    }

    @Test("strategy selection")
    func strategySelection() {
        func geometry(kernel: Int, stride: Int = 1, pad: Int = 0, channels: Int = 4, groups: Int = 1) -> ConvolutionGeometry {
            let out = (8 + 2 * pad - kernel) / stride + 1
            return ConvolutionGeometry(patches: PatchGeometry(channels: channels, height: 8, width: 8, kernelHeight: kernel,
                                                              kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                                                              padTop: pad, padLeft: pad, outputHeight: out, outputWidth: out),
                                       outputChannels: 4, groups: groups)
        }
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 1)) == .pointwiseGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 1, stride: 2)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 1, pad: 1)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 3)) == .im2colGEMM)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 3, groups: 4)) == .depthwiseDirect)
        #expect(ConvolutionKernels.preferredStrategy(for: geometry(kernel: 3, groups: 2)) == .im2colGEMM)
        #expect(!ConvolutionKernels.supports(.depthwiseDirect, geometry(kernel: 3, groups: 2)))
    }
}

/// A deconvolution case checked against the scatter reference.
struct DeconvolutionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: Shape
    let op: Deconvolution
    var testDescription: String { name }

    static let all: [DeconvolutionCase] = [
        .init(name: "stride 2, kernel 4, pad 1 (FCN upsampling)", input: [1, 2, 3, 4],
              op: Deconvolution(outputChannels: 3, kernel: [4, 4], stride: [2, 2], padBegin: [1, 1])),
        .init(name: "stride 1, kernel 3", input: [2, 3, 4, 3], op: Deconvolution(outputChannels: 2, kernel: [3, 3])),
        .init(name: "2 groups, no bias", input: [1, 4, 3, 3],
              op: Deconvolution(outputChannels: 6, kernel: [2, 2], stride: [2, 2], groups: 2, hasBias: false)),
        .init(name: "depthwise upsampling (Caffe bilinear style)", input: [1, 3, 3, 3],
              op: Deconvolution(outputChannels: 3, kernel: [4, 4], stride: [2, 2], padBegin: [1, 1], groups: 3)),
        .init(name: "dilation 2, asymmetric pads", input: [1, 2, 4, 5],
              op: Deconvolution(outputChannels: 2, kernel: [3, 2], stride: [1, 2], padBegin: [0, 1], padEnd: [2, 0], dilation: [2, 2])),
        .init(name: "output padding (Keras)", input: [1, 2, 3, 3],
              op: Deconvolution(outputChannels: 2, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], outputPadding: [1, 1])),
    ]
}

@Suite("Deconvolution")
struct DeconvolutionTests {
    @Test("stride 2, 2x2 ones kernel spreads each input over its own 2x2 block, by hand")
    func byHand() throws {
        let y = try run1(.deconvolution(Deconvolution(outputChannels: 1, kernel: [2, 2], stride: [2, 2])),
                         Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]),
                         parameters: ["weight": Tensor(shape: [1, 1, 2, 2], repeating: 1), "bias": Tensor(shape: [1], scalars: [0.5])])
        #expect(y.shape == [1, 1, 4, 4])
        #expect(y.scalars == [1.5, 1.5, 2.5, 2.5,
                              1.5, 1.5, 2.5, 2.5,
                              3.5, 3.5, 4.5, 4.5,
                              3.5, 3.5, 4.5, 4.5])
    }

    @Test("stride 1 overlapping windows add up, by hand")
    func overlapByHand() throws {
        // 1-D along width: x = [1, 2], kernel [1, 10, 100] → y = [1, 12, 120, 200].
        let y = try run1(.deconvolution(Deconvolution(outputChannels: 1, kernel: [1, 3], hasBias: false)),
                         Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]),
                         parameters: ["weight": Tensor(shape: [1, 1, 1, 3], scalars: [1, 10, 100])])
        #expect(y.scalars == [1, 12, 120, 200])
    }

    @Test("matches the scatter reference", arguments: DeconvolutionCase.all)
    func matchesReference(_ c: DeconvolutionCase) throws {
        let x = randomTensor(c.input, seed: 51)
        let weight = randomTensor([c.input[1], c.op.outputChannels / c.op.groups, c.op.kernel[0], c.op.kernel[1]], seed: 52)
        let bias = c.op.hasBias ? randomTensor([c.op.outputChannels], seed: 53) : nil
        var parameters = ["weight": weight]
        if let bias { parameters["bias"] = bias }
        let y = try run1(.deconvolution(c.op), x, parameters: parameters)
        expectClose(y, naiveDeconvolution(x, weight: weight, bias: bias, c.op))
    }
}

@Suite("InnerProduct")
struct InnerProductTests {
    @Test("2 rows, 3 inputs, 2 outputs, by hand")
    func byHand() throws {
        let y = try run1(.innerProduct(InnerProduct(outputCount: 2)), Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
                         parameters: ["weight": Tensor(shape: [2, 3], scalars: [1, 0, -1, 0.5, 0.5, 0.5]),
                                      "bias": Tensor(shape: [2], scalars: [10, 0])])
        #expect(y.shape == [2, 2])
        #expect(y.scalars == [8, 3, 8, 7.5])
    }

    @Test("axis 1 flattens C, H, W of a 4-D input")
    func flattensFromAxis1() throws {
        let x = randomTensor([3, 2, 3, 4], seed: 61), w = randomTensor([5, 24], seed: 62), b = randomTensor([5], seed: 63)
        let y = try run1(.innerProduct(InnerProduct(outputCount: 5)), x, parameters: ["weight": w, "bias": b])
        #expect(y.shape == [3, 5])
        expectClose(y, naiveInnerProduct(x, weight: w, bias: b, axis: 1))
    }

    @Test("axis 2 keeps the first two dims as rows; axis -1 works like the last axis", arguments: [2, -1])
    func laterAxis(_ axis: Int) throws {
        let x = randomTensor([2, 3, 4], seed: 64), w = randomTensor([6, 4], seed: 65)
        let y = try run1(.innerProduct(InnerProduct(outputCount: 6, hasBias: false, axis: axis)), x, parameters: ["weight": w])
        #expect(y.shape == [2, 3, 6])
        expectClose(y, naiveInnerProduct(x, weight: w, bias: nil, axis: axis))
    }

    @Test("a large layer (K = 2048) stays within tolerance")
    func largeReduction() throws {
        let x = randomTensor([4, 2048], seed: 66), w = randomTensor([300, 2048], seed: 67), b = randomTensor([300], seed: 68)
        let y = try run1(.innerProduct(InnerProduct(outputCount: 300)), x, parameters: ["weight": w, "bias": b])
        // 2048 products of size up to 1 per output: fp32 rounding scales with the terms summed, so
        // the one cross-check rule (an absolute part of 1e-4 times the outputs' rms) applies.
        let agreement = TensorComparison(y.scalars, naiveInnerProduct(x, weight: w, bias: b, axis: 1).scalars)
        #expect(agreement.passed, "\(agreement)")
    }
}
