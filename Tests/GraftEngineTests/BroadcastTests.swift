import GraftCore
@testable import GraftKernels
import Testing

/// ``BroadcastMap``'s rows taken in pieces (as the workers take them) against all at once, and
/// the broadcast kernels against a plain index loop.
@Suite("Broadcast rows")
struct BroadcastTests {
    static let cases: [(input: Shape, output: Shape)] = [
        ([2, 6, 1, 1], [2, 6, 5, 7]),   // squeeze-and-excitation's scale
        ([2, 1, 5, 7], [2, 6, 5, 7]),   // a per-position mask
        ([6, 1, 1], [3, 6, 4, 4]),      // a per-channel constant without batch
        ([1], [4, 3, 2]),               // a scalar
        ([2, 6, 5, 7], [2, 6, 5, 7]),   // no broadcast
        ([1, 3, 1, 2], [5, 3, 4, 2]),   // alternating
    ]

    @Test("rows taken in any pieces are the rows taken at once", arguments: 0..<6)
    func rowsInPieces(index: Int) {
        let map = BroadcastMap(input: Self.cases[index].input, output: Self.cases[index].output)
        var whole: [[Int]] = []
        map.forEachRow { whole.append([$0, $1, $2, $3]) }
        #expect(whole.count == map.rowCount)
        for pieces in 1...4 {
            var joined: [[Int]] = []
            for p in 0..<pieces {
                map.forEachRow(in: map.rowCount * p / pieces ..< map.rowCount * (p + 1) / pieces) { joined.append([$0, $1, $2, $3]) }
            }
            #expect(joined == whole, "\(pieces) pieces")
        }
    }

    @Test("the kernels shared out between workers equal a plain index loop", arguments: 0..<6)
    func kernelsMatchIndexLoop(index: Int) {
        let (inputShape, outputShape) = Self.cases[index]
        let map = BroadcastMap(input: inputShape, output: outputShape)
        let x = randomTensor(inputShape, seed: 950).scalars, y = randomTensor(outputShape, seed: 951).scalars
        // The input element each output element reads: its index with broadcast axes at 0.
        let padded = [Int](repeating: 1, count: outputShape.rank - inputShape.rank) + inputShape.dims
        func source(_ o: Int) -> Int {
            var rest = o, i = 0, scale = 1
            for k in (0..<outputShape.rank).reversed() {
                let coordinate = rest % outputShape[k]
                rest /= outputShape[k]
                if padded[k] != 1 { i += coordinate * scale }
                scale *= padded[k]
            }
            return i
        }
        var product = y, sum = y, copy = y
        Parallel.$minimumWorkOverride.withValue(0) {
            BroadcastKernels.multiply(x, map, into: &product)
            BroadcastKernels.addScaled(x, map, coefficient: 0.5, to: &sum)
            BroadcastKernels.scaledCopy(x, map, coefficient: -2, into: &copy)
        }
        #expect(product == y.indices.map { y[$0] * x[source($0)] })
        #expect(sum == y.indices.map { y[$0] + 0.5 * x[source($0)] })
        #expect(copy == y.indices.map { -2 * x[source($0)] })
    }
}
