import GraftCore

/// Copies that rearrange elements without arithmetic: rectangular regions between tensors (concat,
/// slice, crop and pad are all region copies). Permutations go through GraftCore's
/// `AxisPermutation`, matrix transposes through ``BLAS/transpose(_:rows:columns:into:)``.
public enum LayoutKernels {
    /// Copies the box of size `extent` starting at `sourceOrigin` in a tensor of `sourceShape`
    /// to `destinationOrigin` in a tensor of `destinationShape` (all of the same rank).
    public static func copyRegion(from source: UnsafePointer<Float>, shape sourceShape: [Int], origin sourceOrigin: [Int],
                                  to destination: UnsafeMutablePointer<Float>, shape destinationShape: [Int],
                                  origin destinationOrigin: [Int], extent: [Int]) {
        let rank = extent.count
        precondition(sourceShape.count == rank && destinationShape.count == rank
                     && sourceOrigin.count == rank && destinationOrigin.count == rank, "copyRegion: rank mismatch")
        for axis in 0..<rank {
            precondition(extent[axis] >= 0 && sourceOrigin[axis] >= 0 && destinationOrigin[axis] >= 0
                         && sourceOrigin[axis] + extent[axis] <= sourceShape[axis]
                         && destinationOrigin[axis] + extent[axis] <= destinationShape[axis],
                         "copyRegion: box \(extent) does not fit on axis \(axis)")
        }
        guard rank > 0 else { destination[0] = source[0]; return }
        guard !extent.contains(0) else { return }
        let sourceStrides = AxisPermutation.rowMajorStrides(sourceShape)
        let destinationStrides = AxisPermutation.rowMajorStrides(destinationShape)
        var sourceOffset = zip(sourceOrigin, sourceStrides).reduce(0) { $0 + $1.0 * $1.1 }
        var destinationOffset = zip(destinationOrigin, destinationStrides).reduce(0) { $0 + $1.0 * $1.1 }
        let run = extent[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        while true {
            (destination + destinationOffset).update(from: source + sourceOffset, count: run)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                sourceOffset += sourceStrides[axis]
                destinationOffset += destinationStrides[axis]
                if index[axis] < extent[axis] { break }
                sourceOffset -= sourceStrides[axis] * index[axis]
                destinationOffset -= destinationStrides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// Copies `[outer, sourceAxis, inner]` into the slab `axisOffset ..< axisOffset + sourceAxis`
    /// of `[outer, destinationAxis, inner]` (one concat input).
    public static func insertSlab(_ source: UnsafePointer<Float>, outer: Int, sourceAxis: Int, inner: Int,
                                  into destination: UnsafeMutablePointer<Float>, destinationAxis: Int, axisOffset: Int) {
        precondition(axisOffset >= 0 && axisOffset + sourceAxis <= destinationAxis, "insertSlab: slab out of range")
        let block = sourceAxis * inner
        for o in 0..<outer {
            (destination + (o * destinationAxis + axisOffset) * inner).update(from: source + o * block, count: block)
        }
    }

    /// Copies the slab `axisOffset ..< axisOffset + destinationAxis` of `[outer, sourceAxis, inner]`
    /// into `[outer, destinationAxis, inner]` (one slice output).
    public static func extractSlab(_ source: UnsafePointer<Float>, outer: Int, sourceAxis: Int, inner: Int,
                                   axisOffset: Int, into destination: UnsafeMutablePointer<Float>, destinationAxis: Int) {
        precondition(axisOffset >= 0 && axisOffset + destinationAxis <= sourceAxis, "extractSlab: slab out of range")
        let block = destinationAxis * inner
        for o in 0..<outer {
            (destination + o * block).update(from: source + (o * sourceAxis + axisOffset) * inner, count: block)
        }
    }

}
