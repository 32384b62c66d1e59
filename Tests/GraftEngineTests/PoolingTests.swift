import GraftCore
import GraftKernels
import Testing

/// A row of `values` as a 1x1x1xW tensor: pooling along the width only keeps cases readable.
func row(_ values: [Float]) -> Tensor { Tensor(shape: [1, 1, 1, values.count], scalars: values) }

/// Pooling along the width with a 1-row kernel.
func rowPooling(_ method: Pooling.Method, kernel: Int, stride: Int, pad: Int = 0, padEnd: Int? = nil,
                rounding: Pooling.Rounding = .ceil, divisor: Pooling.AverageDivisor = .includePadding) -> Op {
    .pooling(Pooling(method: method, kernel: [1, kernel], stride: [1, stride], padBegin: [0, pad],
                     padEnd: [0, padEnd ?? pad], rounding: rounding, averageDivisor: divisor))
}

struct PoolingCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: Shape
    let op: Pooling
    var testDescription: String { name }

    static let all: [PoolingCase] = {
        var cases: [PoolingCase] = []
        let geometries: [(String, Shape, [Int], [Int], [Int], [Int])] = [
            ("CaffeNet pool1 3/2", [1, 2, 13, 13], [3, 3], [2, 2], [0, 0], [0, 0]),
            ("3/2 pad 1", [2, 2, 6, 7], [3, 3], [2, 2], [1, 1], [1, 1]),
            ("2/2 asymmetric pad (TF same)", [1, 3, 5, 6], [2, 2], [2, 2], [0, 0], [1, 0]),
            ("3/1 pad (1,2)", [1, 1, 5, 5], [3, 3], [1, 1], [1, 2], [1, 2]),
            ("rectangular 2x3 stride (1,2)", [1, 2, 4, 7], [2, 3], [1, 2], [0, 1], [0, 1]),
        ]
        for (name, input, kernel, stride, padBegin, padEnd) in geometries {
            for rounding in [Pooling.Rounding.ceil, .floor] {
                cases.append(.init(name: "max \(name) \(rounding)", input: input,
                                   op: Pooling(method: .max, kernel: kernel, stride: stride, padBegin: padBegin,
                                               padEnd: padEnd, rounding: rounding)))
                for divisor in [Pooling.AverageDivisor.includePadding, .excludePadding] {
                    cases.append(.init(name: "average \(name) \(rounding) \(divisor)", input: input,
                                       op: Pooling(method: .average, kernel: kernel, stride: stride, padBegin: padBegin,
                                                   padEnd: padEnd, rounding: rounding, averageDivisor: divisor)))
                }
            }
        }
        return cases
    }()
}

@Suite("Pooling")
struct PoolingTests {
    @Test("Caffe ceil, input 6, kernel 3, stride 2, pad 1: 4 outputs; borders by hand")
    func caffeCeilWithPadding() throws {
        let x = row([1, 2, 3, 4, 5, 6])
        // Windows (padded coordinates): [-1,2) [1,4) [3,6) [5,8)→clipped to the padded end 7.
        let maximum = try run1(rowPooling(.max, kernel: 3, stride: 2, pad: 1), x)
        #expect(maximum.shape == [1, 1, 1, 4])
        #expect(maximum.scalars == [2, 4, 6, 6])
        // Caffe divides by the window clipped to the padded input: 3, 3, 3, 2.
        let caffe = try run1(rowPooling(.average, kernel: 3, stride: 2, pad: 1), x)
        expectClose(caffe.scalars, [3.0 / 3, 9.0 / 3, 15.0 / 3, 6.0 / 2])
        // TensorFlow divides by the in-image part: 2, 3, 3, 1.
        let tf = try run1(rowPooling(.average, kernel: 3, stride: 2, pad: 1, divisor: .excludePadding), x)
        expectClose(tf.scalars, [3.0 / 2, 9.0 / 3, 15.0 / 3, 6.0 / 1])
        // Floor rounding keeps only the 3 windows that fit the padded input.
        let floor = try run1(rowPooling(.max, kernel: 3, stride: 2, pad: 1, rounding: .floor), x)
        #expect(floor.scalars == [2, 4, 6])
    }

    @Test("Caffe drops a last window that would start in the end padding")
    func lastWindowStartingInPaddingIsDropped() throws {
        // Input 3, kernel 2, stride 2, pad 1: ceil((3+2-2)/2)+1 = 3, but window 3 would start at 3
        // (inside the end padding), so Caffe keeps 2: [-1,1) and [1,3).
        let x = row([1, 2, 3])
        let maximum = try run1(rowPooling(.max, kernel: 2, stride: 2, pad: 1), x)
        #expect(maximum.shape == [1, 1, 1, 2])
        #expect(maximum.scalars == [1, 3])
        let caffe = try run1(rowPooling(.average, kernel: 2, stride: 2, pad: 1), x)
        expectClose(caffe.scalars, [0.5, 2.5])
        let tf = try run1(rowPooling(.average, kernel: 2, stride: 2, pad: 1, divisor: .excludePadding), x)
        expectClose(tf.scalars, [1, 2.5])
    }

    @Test("ceil without padding: the overhang past the input does not count in the divisor")
    func ceilOverhangWithoutPadding() throws {
        let x = row([1, 2, 3, 4, 5, 6])
        // Windows [0,3) [2,5) [4,7)→[4,6): the last averages 2 elements.
        let ceil = try run1(rowPooling(.average, kernel: 3, stride: 2), x)
        expectClose(ceil.scalars, [2, 4, 5.5])
        let floor = try run1(rowPooling(.average, kernel: 3, stride: 2, rounding: .floor), x)
        expectClose(floor.scalars, [2, 4])
    }

    @Test("max pooling ignores padding even when all values are negative")
    func maxIgnoresPadding() throws {
        let y = try run1(rowPooling(.max, kernel: 3, stride: 1, pad: 1), row([-3, -1, -2]))
        #expect(y.scalars == [-1, -1, -1])
    }

    @Test("2x2 max and average over a 4x4 ramp, by hand")
    func twoDimensionalByHand() throws {
        let x = iota([1, 1, 4, 4])
        let maximum = try run1(.pooling(Pooling(method: .max, kernel: [2, 2])), x)
        #expect(maximum.scalars == [5, 7, 13, 15])
        let average = try run1(.pooling(Pooling(method: .average, kernel: [2, 2])), x)
        #expect(average.scalars == [2.5, 4.5, 10.5, 12.5])
    }

    @Test("matches the cell-by-cell reference", arguments: PoolingCase.all)
    func matchesReference(_ c: PoolingCase) throws {
        let x = randomTensor(c.input, seed: 71)
        let size = (0..<2).map {
            Pooling.outputSize(input: c.input[2 + $0], kernel: c.op.kernel[$0], stride: c.op.stride[$0],
                               padBegin: c.op.padBegin[$0], padEnd: c.op.padEnd[$0], rounding: c.op.rounding)
        }
        let y = try run1(.pooling(c.op), x)
        expectClose(y, naivePooling(x, c.op, outputSize: (size[0], size[1])))
    }

    @Test("global max and average pool each plane to one value")
    func global() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 72)
        var maxima: [Float] = [], means: [Float] = []
        for plane in 0..<6 {
            let values = x.scalars[(plane * 20)..<((plane + 1) * 20)]
            maxima.append(values.max()!)
            means.append(Float(values.reduce(0.0) { $0 + Double($1) } / 20))
        }
        let maximum = try run1(.pooling(Pooling(method: .max, global: true)), x)
        #expect(maximum.shape == [2, 3, 1, 1])
        #expect(maximum.scalars == maxima)
        let average = try run1(.pooling(Pooling(method: .average, global: true)), x)
        expectClose(average.scalars, means)
    }
}

@Suite("Max pooling argmax")
struct MaxPoolingArgmaxTests {
    /// The index (h * width + w) of the first maximum of each window in row-major order.
    static func naiveArgmax(_ x: [Float], height: Int, width: Int, _ g: PoolingGeometry) -> [Int32] {
        var result: [Int32] = []
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                var best = -Float.infinity, index: Int32 = -1
                for a in 0..<g.kernelHeight {
                    for b in 0..<g.kernelWidth {
                        let h = oh * g.strideHeight - g.padTop + a, w = ow * g.strideWidth - g.padLeft + b
                        guard h >= 0, h < height, w >= 0, w < width, h < height + g.padBottom, w < width + g.padRight else { continue }
                        if x[h * width + w] > best || index < 0 { best = x[h * width + w]; index = Int32(h * width + w) }
                    }
                }
                result.append(index)
            }
        }
        return result
    }

    @Test("values equal the window kernel's; the argmax is the first maximum even with many ties (wide rows use SIMD)",
          arguments: [(5, 6, 2, 2, 2, 0), (9, 40, 3, 3, 2, 1), (12, 37, 3, 2, 1, 0), (6, 21, 2, 3, 3, 1), (13, 13, 3, 3, 2, 0)])
    func argmax(height: Int, width: Int, kh: Int, kw: Int, stride: Int, pad: Int) {
        for rounding in [Pooling.Rounding.floor, .ceil] {
            let oh = Pooling.outputSize(input: height, kernel: kh, stride: stride, padBegin: pad, padEnd: pad, rounding: rounding)
            let ow = Pooling.outputSize(input: width, kernel: kw, stride: stride, padBegin: pad, padEnd: pad, rounding: rounding)
            let g = PoolingGeometry(height: height, width: width, outputHeight: oh, outputWidth: ow, kernelHeight: kh, kernelWidth: kw,
                                    strideHeight: stride, strideWidth: stride, padTop: pad, padLeft: pad, padBottom: pad, padRight: pad)
            // Small integers: most windows hold their maximum more than once.
            let x = randomTensor([2, height * width], seed: UInt64(height * width + kh), in: 0...3).scalars.map { $0.rounded() }
            var reference = [Float](repeating: 0, count: 2 * oh * ow)
            var values = [Float](repeating: 0, count: 2 * oh * ow)
            var indices = [Int32](repeating: 0, count: 2 * oh * ow)
            PoolingKernels.forward(input: x, output: &reference, planes: 2, geometry: g, method: .max, divisor: .includePadding)
            PoolingKernels.maxForward(input: x, output: &values, argmax: &indices, planes: 2, geometry: g)
            #expect(values == reference)
            var plain = [Float](repeating: 0, count: 2 * oh * ow)
            PoolingKernels.maxForward(input: x, output: &plain, argmax: nil, planes: 2, geometry: g)
            #expect(plain == reference)
            for p in 0..<2 {
                let plane = Array(x[(p * height * width)..<((p + 1) * height * width)])
                #expect(Array(indices[(p * oh * ow)..<((p + 1) * oh * ow)]) == Self.naiveArgmax(plane, height: height, width: width, g))
            }
        }
    }
}
