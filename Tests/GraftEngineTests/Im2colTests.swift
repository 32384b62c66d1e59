import GraftCore
import GraftKernels
import Testing

@Suite("im2col and col2im")
struct Im2colTests {
    @Test("im2col of a 3x3 image, 2x2 kernel, stride 2, pad 1, by hand")
    func unfoldByHand() {
        let image = iota([1, 1, 3, 3]).scalars
        let g = PatchGeometry(channels: 1, height: 3, width: 3, kernelHeight: 2, kernelWidth: 2,
                              strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, outputHeight: 2, outputWidth: 2)
        var columns = [Float](repeating: -1, count: g.columnCount)
        columns.withUnsafeMutableBufferPointer { Im2col.unfold(image: image, geometry: g, columns: $0.baseAddress!) }
        // Rows are kernel cells (0,0), (0,1), (1,0), (1,1); columns are the 2x2 window positions.
        #expect(columns == [0, 0, 0, 4,
                            0, 0, 3, 5,
                            0, 1, 0, 7,
                            0, 2, 6, 8])
    }

    @Test("im2col with dilation and asymmetric extent matches a direct gather")
    func unfoldMatchesGather() {
        // 2 channels 5x6, kernel 2x3, stride (2,1), pad top 1 left 2, dilation (2,2); outputs 3x4.
        let g = PatchGeometry(channels: 2, height: 5, width: 6, kernelHeight: 2, kernelWidth: 3,
                              strideHeight: 2, strideWidth: 1, padTop: 1, padLeft: 2,
                              dilationHeight: 2, dilationWidth: 2, outputHeight: 3, outputWidth: 4)
        let image = randomTensor([g.imageCount], seed: 7).scalars
        var columns = [Float](repeating: .nan, count: g.columnCount)
        columns.withUnsafeMutableBufferPointer { Im2col.unfold(image: image, geometry: g, columns: $0.baseAddress!) }
        var expected: [Float] = []
        for c in 0..<2 { for i in 0..<2 { for j in 0..<3 { for oh in 0..<3 { for ow in 0..<4 {
            let h = oh * 2 - 1 + i * 2, w = ow - 2 + j * 2
            expected.append(h >= 0 && h < 5 && w >= 0 && w < 6 ? image[(c * 5 + h) * 6 + w] : 0)
        } } } } }
        #expect(columns == expected)
    }

    @Test("col2im of all-ones columns counts how many windows cover each pixel")
    func foldCountsCoverage() {
        let g = PatchGeometry(channels: 1, height: 3, width: 3, kernelHeight: 2, kernelWidth: 2,
                              outputHeight: 2, outputWidth: 2)
        let columns = [Float](repeating: 1, count: g.columnCount)
        var image = [Float](repeating: 99, count: 9)
        image.withUnsafeMutableBufferPointer { Im2col.fold(columns: columns, geometry: g, image: $0.baseAddress!) }
        #expect(image == [1, 2, 1,
                          2, 4, 2,
                          1, 2, 1])
        // accumulate: true adds onto what is there.
        image.withUnsafeMutableBufferPointer {
            Im2col.fold(columns: columns, geometry: g, image: $0.baseAddress!, accumulate: true)
        }
        #expect(image == [2, 4, 2, 4, 8, 4, 2, 4, 2])
    }

    @Test("col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>")
    func foldIsAdjoint() {
        let g = PatchGeometry(channels: 3, height: 7, width: 5, kernelHeight: 3, kernelWidth: 2,
                              strideHeight: 2, strideWidth: 3, padTop: 2, padLeft: 1,
                              dilationHeight: 2, dilationWidth: 1, outputHeight: 4, outputWidth: 2)
        let x = randomTensor([g.imageCount], seed: 11).scalars
        let c = randomTensor([g.columnCount], seed: 12).scalars
        var unfolded = [Float](repeating: 0, count: g.columnCount)
        var folded = [Float](repeating: 0, count: g.imageCount)
        unfolded.withUnsafeMutableBufferPointer { Im2col.unfold(image: x, geometry: g, columns: $0.baseAddress!) }
        folded.withUnsafeMutableBufferPointer { Im2col.fold(columns: c, geometry: g, image: $0.baseAddress!) }
        let left = zip(unfolded, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, folded).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) <= 1e-5 * max(1, abs(left)))
    }
}
