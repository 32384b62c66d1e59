import GraftCore
import Testing

@Suite("Structure and layout")
struct StructureTests {
    @Test("Concat on axis 1 (channels)")
    func concatChannels() throws {
        let a = iota([2, 1, 1, 2]), b = iota([2, 2, 1, 2], start: 100)
        let y = try #require(try run(.concat(Concat(axis: 1)), [a, b])["y"])
        #expect(y.shape == [2, 3, 1, 2])
        #expect(y.scalars == [0, 1, 100, 101, 102, 103,
                              2, 3, 104, 105, 106, 107])
    }

    @Test("Concat on axis 0 (batch) of three inputs")
    func concatBatch() throws {
        let y = try #require(try run(.concat(Concat(axis: 0)), [iota([1, 2]), iota([2, 2], start: 10), iota([1, 2], start: 20)])["y"])
        #expect(y.shape == [4, 2])
        #expect(y.scalars == [0, 1, 10, 11, 12, 13, 20, 21])
    }

    @Test("Slice at points [1, 3] of 4 channels into 3 outputs")
    func sliceAtPoints() throws {
        let x = iota([2, 4, 1, 1])
        let result = try run(.slice(Slice(axis: 1, points: [1, 3])), [x], outputs: ["a", "b", "c"])
        #expect(result["a"]?.shape == [2, 1, 1, 1])
        #expect(result["a"]?.scalars == [0, 4])
        #expect(result["b"]?.shape == [2, 2, 1, 1])
        #expect(result["b"]?.scalars == [1, 2, 5, 6])
        #expect(result["c"]?.scalars == [3, 7])
    }

    @Test("Slice into equal parts along the last axis")
    func sliceEqual() throws {
        let result = try run(.slice(Slice(axis: -1)), [iota([2, 6])], outputs: ["a", "b"])
        #expect(result["a"]?.scalars == [0, 1, 2, 6, 7, 8])
        #expect(result["b"]?.scalars == [3, 4, 5, 9, 10, 11])
    }

    @Test("Eltwise sum with coefficients, product and max")
    func eltwise() throws {
        let a = Tensor(shape: [1, 4], scalars: [1, -2, 3, 0.5])
        let b = Tensor(shape: [1, 4], scalars: [2, 5, -1, 0.5])
        let c = Tensor(shape: [1, 4], scalars: [0, 1, 10, -3])
        let sum = try #require(try run(.eltwise(Eltwise(operation: .sum)), [a, b, c])["y"])
        #expect(sum.scalars == [3, 4, 12, -2])
        let weighted = try #require(try run(.eltwise(Eltwise(operation: .sum, coefficients: [1, -1, 0.5])), [a, b, c])["y"])
        #expect(weighted.scalars == [-1, -6.5, 9, -1.5])
        let product = try #require(try run(.eltwise(Eltwise(operation: .product)), [a, b, c])["y"])
        #expect(product.scalars == [0, -10, -30, -0.75])
        let maximum = try #require(try run(.eltwise(Eltwise(operation: .max)), [a, b, c])["y"])
        #expect(maximum.scalars == [2, 5, 10, 0.5])
    }

    /// Broadcasting against a plain loop over NumPy's rule, for the shapes real networks use
    /// (squeeze-and-excitation, per-position masks, scalars, lower rank, both sides stretched).
    @Test("Eltwise broadcasting matches NumPy's rule", arguments: [
        [Shape([2, 3, 4, 5]), Shape([2, 3, 1, 1])], [Shape([2, 3, 1, 1]), Shape([2, 3, 4, 5])],
        [Shape([2, 3, 4, 5]), Shape([2, 1, 4, 5])], [Shape([2, 3, 4, 5]), Shape([1])], [Shape([2, 3, 4, 5]), Shape([5])],
        [Shape([2, 1, 4, 1]), Shape([3, 1, 5])], [Shape([1, 3, 1, 5]), Shape([2, 1, 4, 1]), Shape([3, 4, 5])],
    ])
    func eltwiseBroadcast(shapes: [Shape]) throws {
        let inputs = shapes.enumerated().map { randomTensor($1, seed: 200 + UInt64($0)) }
        let out = try #require(Shape.broadcast(shapes))
        func read(_ t: Tensor, _ index: [Int]) -> Float {
            let offset = out.rank - t.shape.rank
            var flat = 0
            for (k, d) in t.shape.dims.enumerated() { flat = flat * d + (d == 1 ? 0 : index[offset + k]) }
            return t.scalars[flat]
        }
        for operation in [Eltwise.Operation.sum, .product, .max] {
            let coefficients: [Float] = operation == .sum ? inputs.indices.map { [2, -1, 0.5][$0] } : []
            let y = try #require(try run(.eltwise(Eltwise(operation: operation, coefficients: coefficients)), inputs)["y"])
            #expect(y.shape == out)
            var index = [Int](repeating: 0, count: out.rank)
            for flat in 0..<out.elementCount {
                var rest = flat
                for k in (0..<out.rank).reversed() { index[k] = rest % out[k]; rest /= out[k] }
                let values = inputs.map { read($0, index) }
                let expected: Float = switch operation {
                case .sum: zip(values, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
                case .product: values.reduce(1, *)
                case .max: values.max()!
                }
                #expect(abs(y.scalars[flat] - expected) <= 1e-5 * max(1, abs(expected)), "\(operation) \(shapes) at \(index)")
                if abs(y.scalars[flat] - expected) > 1e-5 * max(1, abs(expected)) { break }
            }
        }
        #expect(Shape.broadcast([Shape([2, 3]), Shape([4])]) == nil)
    }

    /// Against the definition in Double, over the channels at each position of an NCHW tensor.
    @Test("Layer normalisation over channels matches its formula")
    func layerNorm() throws {
        let x = randomTensor([2, 3, 2, 4], seed: 140, in: -3...3)
        let scale = Tensor(shape: [3], scalars: [0.5, 1, 2]), shift = Tensor(shape: [3], scalars: [0, 1, -1])
        let y = try run1(.layerNorm(LayerNormalization(axis: 1, epsilon: 1e-3)), x, parameters: ["scale": scale, "shift": shift])
        for n in 0..<2 {
            for p in 0..<8 {
                let values = (0..<3).map { Double(x.scalars[(n * 3 + $0) * 8 + p]) }
                let mean = values.reduce(0, +) / 3
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3
                for c in 0..<3 {
                    let expected = (values[c] - mean) / (variance + 1e-3).squareRoot() * Double(scale.scalars[c]) + Double(shift.scalars[c])
                    #expect(abs(Double(y.scalars[(n * 3 + c) * 8 + p]) - expected) < 1e-5)
                }
            }
        }
    }

    @Test("Flatten channels-first keeps NCHW order; channels-last reads it as NHWC")
    func flatten() throws {
        // x[0, c, h, w] = 100c + 10h + w for C=2, H=2, W=3.
        var x = Tensor(shape: [1, 2, 2, 3])
        for c in 0..<2 { for h in 0..<2 { for w in 0..<3 { x.scalars[(c * 2 + h) * 3 + w] = Float(100 * c + 10 * h + w) } } }
        let first = try run1(.flatten(Flatten()), x)
        #expect(first.shape == [1, 12])
        #expect(first.scalars == x.scalars)
        let last = try run1(.flatten(Flatten(order: .channelsLast)), x)
        #expect(last.shape == [1, 12])
        #expect(last.scalars == [0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112])
    }

    @Test("Flatten channels-last of a batch of 2")
    func flattenChannelsLastBatch() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 101)
        let y = try run1(.flatten(Flatten(order: .channelsLast)), x)
        var expected: [Float] = []
        for n in 0..<2 { for h in 0..<2 { for w in 0..<2 { for c in 0..<3 { expected.append(x.scalars[at(x.shape, n, c, h, w)]) } } } }
        #expect(y.scalars == expected)
    }

    @Test("Reshape with 0 (copy) and -1 (infer) keeps the elements")
    func reshape() throws {
        let x = iota([2, 3, 4])
        let y = try run1(.reshape(Reshape(shape: [0, -1, 2])), x)
        #expect(y.shape == [2, 6, 2])
        #expect(y.scalars == x.scalars)
    }

    @Test("Permute NCHW → NHWC and a 3-D transpose")
    func permute() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 102)
        let y = try run1(.permute(Permute(order: [0, 2, 3, 1])), x)
        #expect(y.shape == [2, 4, 5, 3])
        var expected: [Float] = []
        for n in 0..<2 { for h in 0..<4 { for w in 0..<5 { for c in 0..<3 { expected.append(x.scalars[at(x.shape, n, c, h, w)]) } } } }
        #expect(y.scalars == expected)

        let z = try run1(.permute(Permute(order: [2, 0, 1])), iota([2, 3, 2]))
        #expect(z.shape == [2, 2, 3])
        #expect(z.scalars == [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11])
    }

    @Test("Crop with a reference input (Caffe): spatial offsets (1, 2)")
    func cropToReference() throws {
        let x = iota([1, 2, 4, 5]), reference = Tensor(shape: [1, 2, 2, 3])
        let y = try #require(try run(.crop(Crop(axis: 2, offsets: [1, 2])), [x, reference])["y"])
        #expect(y.shape == [1, 2, 2, 3])
        #expect(y.scalars == [7, 8, 9, 12, 13, 14,
                              27, 28, 29, 32, 33, 34])
    }

    @Test("Crop with a reference input from axis 1 and one offset for all axes")
    func cropFromAxis1() throws {
        let x = iota([1, 3, 3, 3]), reference = Tensor(shape: [1, 2, 2, 2])
        let y = try #require(try run(.crop(Crop(axis: 1, offsets: [1])), [x, reference])["y"])
        #expect(y.scalars == [13, 14, 16, 17, 22, 23, 25, 26])
    }

    @Test("Crop with one input (Keras Cropping2D): start and end crops per axis")
    func cropOneInput() throws {
        let x = iota([1, 1, 4, 5])
        let y = try run1(.crop(Crop(axis: 2, offsets: [1, 0], endCrops: [0, 2])), x)
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.scalars == [5, 6, 7, 10, 11, 12, 15, 16, 17])
    }

    @Test("Pad fills a border with the pad value, asymmetric sides")
    func pad() throws {
        let y = try run1(.pad(Pad(padBegin: [1, 0], padEnd: [0, 2], value: -1)), Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(y.shape == [1, 1, 3, 4])
        #expect(y.scalars == [-1, -1, -1, -1,
                              1, 2, -1, -1,
                              3, 4, -1, -1])
    }

    @Test("Dropout is the identity at inference")
    func dropout() throws {
        let x = randomTensor([2, 3, 2, 2], seed: 103)
        #expect(try run1(.dropout(Dropout(ratio: 0.5)), x) == x)
    }
}
