import GraftCore
import Testing
@testable import GraftKeras

/// The layout conversions against GraftCore's reference transpose, and exact round trips.
struct KerasWeightLayoutTests {
    static func permutations(_ n: Int) -> [[Int]] {
        guard n > 1 else { return [[0]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    @Test(arguments: [[5], [3, 70], [33, 2, 40], [2, 3, 37, 65], [7, 7, 5, 3], [1, 40, 1, 33]])
    func permutedMatchesTheReferenceTranspose(_ shape: [Int]) {
        let values = (0..<shape.reduce(1, *)).map { Float($0) }
        let tensor = Tensor(shape: Shape(shape), scalars: values)
        for order in Self.permutations(shape.count) {
            let fast = KerasWeightLayout.permuted(values, shape: shape, order: order)
            #expect(fast == tensor.transposed(order).scalars, "\(shape) by \(order)")
        }
    }

    @Test func kernelConversionsRoundTripBitForBit() {
        let hwio = (0..<(3 * 2 * 4 * 5)).map { Float(bitPattern: 0x3F80_0000 &+ UInt32($0) &* 7919) }
        let oihw = KerasWeightLayout.oihw(fromHWIO: hwio, shape: [3, 2, 4, 5])
        #expect(oihw.shape == [5, 4, 3, 2])
        #expect(KerasWeightLayout.hwio(fromOIHW: oihw).values.map(\.bitPattern) == hwio.map(\.bitPattern))
        let depthwise = KerasWeightLayout.depthwise(fromKeras: hwio, shape: [3, 2, 4, 5])
        #expect(depthwise.shape == [20, 1, 3, 2])
        // Output channel c * m + j holds input channel c's j-th filter.
        let (c, j, y, x) = (2, 3, 1, 1)
        let graftIndex: Int = ((c * 5 + j) * 3 + y) * 2 + x
        let kerasIndex: Int = ((y * 2 + x) * 4 + c) * 5 + j
        #expect(depthwise.scalars[graftIndex] == hwio[kerasIndex])
        #expect(KerasWeightLayout.depthwiseKeras(from: depthwise, inputChannels: 4).values == hwio)
        let dense = KerasWeightLayout.innerProduct(fromKeras: hwio, shape: [24, 5], flattened: (channels: 4, height: 3, width: 2))
        // Row (c, h, w) of Graft's weight is row (h, w, c) of Keras's kernel.
        let (unit, channel, row, column) = (4, 1, 2, 1)
        let graftRow: Int = unit * 24 + (channel * 3 + row) * 2 + column
        let kerasRow: Int = ((row * 2 + column) * 4 + channel) * 5 + unit
        #expect(dense.scalars[graftRow] == hwio[kerasRow])
        #expect(KerasWeightLayout.denseKernel(from: dense, flattened: (4, 3, 2)).values == hwio)
    }
}
