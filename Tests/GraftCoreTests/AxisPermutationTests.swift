import GraftCore
import Testing

/// The one permutation routine against the definition, element by element: every order of ranks
/// 1 to 5, unit axes, and sides above the 32-element tile with ragged edges.
struct AxisPermutationTests {
    /// out[i0, ..., ir] = in[j] where j's axis order[k] coordinate is i_k.
    static func naive<T>(_ values: [T], shape: [Int], order: [Int]) -> [T] {
        let outShape = order.map { shape[$0] }
        let inStrides = AxisPermutation.rowMajorStrides(shape), outStrides = AxisPermutation.rowMajorStrides(outShape)
        return (0..<values.count).map { o in
            var source = 0
            for (k, axis) in order.enumerated() { source += (o / outStrides[k]) % outShape[k] * inStrides[axis] }
            return values[source]
        }
    }

    static func permutations(_ n: Int) -> [[Int]] {
        guard n > 0 else { return [[]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    @Test(arguments: [[7], [3, 5], [1, 4, 6], [2, 1, 3, 5], [2, 3, 1, 2, 4], [37, 70], [3, 45, 33], [2, 40, 3, 65]])
    func everyOrderMatchesTheDefinition(_ shape: [Int]) {
        let count = shape.reduce(1, *)
        let floats = (0..<count).map { Float($0) * 0.5 - 3 }
        let integers = (0..<count).map { Int64($0) * 7 - 11 }
        for order in Self.permutations(shape.count) {
            #expect(AxisPermutation.permuted(floats, shape: shape, order: order) == Self.naive(floats, shape: shape, order: order),
                    "\(shape) by \(order)")
            #expect(AxisPermutation.permuted(integers, shape: shape, order: order) == Self.naive(integers, shape: shape, order: order),
                    "\(shape) by \(order)")
        }
    }

    @Test func tensorTransposeUsesIt() {
        let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.transposed([1, 0]) == Tensor(shape: [3, 2], scalars: [1, 4, 2, 5, 3, 6]))
        #expect(t.transposed([0, 1]) == t)
        #expect(AxisPermutation.permuted([Float](), shape: [0, 3], order: [1, 0]).isEmpty)
    }
}
