/// The one N-dimensional axis permutation behind every transpose in Graft: tensors
/// (``Tensor/transposed(_:)``), the engine's Permute layer, Keras and ONNX weight layouts, and
/// Fortran-ordered NumPy arrays.
///
/// Output axis `i` is source axis `order[i]`. When the source's contiguous axis stays last, rows are
/// copied whole; otherwise the two axes that are contiguous on either side are copied in 32 x 32
/// tiles, so that neither the reads nor the writes leave the cache (a 3x3x512x512 kernel moved from
/// HWIO to OIHW would otherwise miss on every element).
public enum AxisPermutation {
    /// Writes `destination` (shape `order.map { shape[$0] }`, row-major) from `source` (shape
    /// `shape`, row-major). Both hold `shape.reduce(1, *)` elements.
    @inlinable
    public static func permute<T: BitwiseCopyable>(_ source: UnsafePointer<T>, shape: [Int], order: [Int],
                                                   into destination: UnsafeMutablePointer<T>) {
        let rank = shape.count
        precondition(order.count == rank && order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of rank \(rank)")
        let total = shape.reduce(1, *)
        guard total > 0 else { return }
        guard rank > 1 else { destination.update(from: source, count: total); return }
        let sourceStrides = rowMajorStrides(shape)
        let outputShape = order.map { shape[$0] }
        let outputStrides = rowMajorStrides(outputShape)
        let strides = order.map { sourceStrides[$0] }  // source stride of each output axis
        let last = rank - 1
        // The output axis that reads the source contiguously (source axis rank-1), unless it has
        // one element or is already last.
        let contiguous = order.firstIndex(of: last)!
        if contiguous == last || outputShape[contiguous] == 1 || outputShape[last] == 1 {
            copyRows(source, destination, outputShape: outputShape, strides: strides, total: total)
            return
        }
        // Tiles of (contiguous, last): the odometer runs over every other axis.
        let outer = (0..<last).filter { $0 != contiguous }
        let tile = 32
        let kCount = outputShape[contiguous], jCount = outputShape[last]
        let kOut = outputStrides[contiguous], jIn = strides[last]
        var index = [Int](repeating: 0, count: outer.count)
        var sBase = 0, dBase = 0
        while true {
            for k0 in stride(from: 0, to: kCount, by: tile) {
                let k1 = min(k0 + tile, kCount)
                for j0 in stride(from: 0, to: jCount, by: tile) {
                    let j1 = min(j0 + tile, jCount)
                    for k in k0..<k1 {
                        var s = sBase + k + j0 * jIn
                        var d = dBase + k * kOut + j0
                        for _ in j0..<j1 {
                            destination[d] = source[s]
                            d += 1
                            s += jIn
                        }
                    }
                }
            }
            var position = outer.count - 1
            while position >= 0 {
                let axis = outer[position]
                index[position] += 1
                sBase += strides[axis]
                dBase += outputStrides[axis]
                if index[position] < outputShape[axis] { break }
                sBase -= strides[axis] * index[position]
                dBase -= outputStrides[axis] * index[position]
                index[position] = 0
                position -= 1
            }
            if position < 0 { return }
        }
    }

    /// `values` (row-major, `shape`) with its axes permuted.
    @inlinable
    public static func permuted<T: BitwiseCopyable>(_ values: [T], shape: [Int], order: [Int]) -> [T] {
        precondition(values.count == shape.reduce(1, *), "permuted: \(values.count) values for shape \(shape)")
        if order == Array(0..<shape.count) || values.isEmpty { return values }
        return [T](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { permute($0.baseAddress!, shape: shape, order: order, into: buffer.baseAddress!) }
            count = values.count
        }
    }

    /// Row-major (C order) strides of `shape`.
    @inlinable
    public static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= shape[i]
        }
        return strides
    }

    /// The case where the output's last axis is read with one stride: whole rows at a time
    /// (a plain copy when that stride is 1).
    @inlinable @usableFromInline
    static func copyRows<T: BitwiseCopyable>(_ source: UnsafePointer<T>, _ destination: UnsafeMutablePointer<T>,
                                             outputShape: [Int], strides: [Int], total: Int) {
        let rank = outputShape.count
        let innerCount = outputShape[rank - 1]
        let innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        var written = 0
        while written < total {
            let row = destination + written
            if innerStride == 1 {
                row.update(from: source + offset, count: innerCount)
            } else {
                for i in 0..<innerCount { row[i] = source[offset + i * innerStride] }
            }
            written += innerCount
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < outputShape[axis] { break }
                offset -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
