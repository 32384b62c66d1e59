import GraftCore
import Testing
@testable import GraftKeras

/// The layout conversions element by element, and exact round trips (the permutation itself is
/// checked against its definition by GraftCoreTests' AxisPermutationTests).
struct KerasWeightLayoutTests {
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
