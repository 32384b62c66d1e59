public import GraftCore

/// How an input of an element-wise op is read against the op's (larger) output: the output
/// walked in rows of its last collapsed dimension, each row reading the input either as a
/// contiguous row or as one repeated element.
///
/// Adjacent dimensions that both broadcast, or both do not, are merged first, so a
/// squeeze-and-excitation scale `[N, C, 1, 1]` against `[N, C, H, W]` is `N·C` rows of `H·W`
/// reading one element each, and a per-position mask `[N, 1, H, W]` is `N` blocks of `C` rows of
/// `H·W` reading the same contiguous row.
public struct BroadcastMap: Sendable {
    /// Collapsed output dimensions (at least one).
    public let dims: [Int]
    /// The input's stride along each collapsed dimension (0 where it broadcasts).
    public let strides: [Int]
    /// Elements of the output and of the input.
    public let outputCount: Int
    /// Elements of the input.
    public let inputCount: Int

    /// - Parameters: `input` must broadcast to `output` (see ``Shape/broadcast(_:)``).
    public init(input: Shape, output: Shape) {
        let padded = [Int](repeating: 1, count: output.rank - input.rank) + input.dims
        var dims: [Int] = []
        var broadcasts: [Bool] = []
        for (o, i) in zip(output.dims, padded) where o != 1 {
            let b = i == 1
            if let last = broadcasts.last, last == b {
                dims[dims.count - 1] *= o
            } else {
                dims.append(o)
                broadcasts.append(b)
            }
        }
        if dims.isEmpty {
            dims = [1]
            broadcasts = [false]
        }
        var strides = [Int](repeating: 0, count: dims.count)
        var step = 1
        for k in (0..<dims.count).reversed() where !broadcasts[k] {
            strides[k] = step
            step *= dims[k]
        }
        self.dims = dims
        self.strides = strides
        outputCount = output.elementCount
        inputCount = input.elementCount
    }

    /// True when the input is as large as the output (read element for element).
    public var isIdentity: Bool { inputCount == outputCount }

    /// Output rows: the output's elements in rows of the last collapsed dimension.
    public var rowCount: Int {
        let length = dims[dims.count - 1]
        return length == 0 ? 0 : outputCount / length
    }

    /// Calls `body(outputOffset, inputOffset, inputStep, length)` for each output row, in order;
    /// `inputStep` is 1 (a contiguous input row) or 0 (one element repeated).
    @inline(__always)
    public func forEachRow(_ body: (Int, Int, Int, Int) -> Void) {
        forEachRow(in: 0..<rowCount, body)
    }

    /// The same for output rows `rows` only (disjoint ranges may run on different threads).
    @inline(__always)
    public func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        guard !rows.isEmpty else { return }
        let length = dims[dims.count - 1]
        let step = strides[strides.count - 1]
        let outer = dims.count - 1
        if outer == 0 {
            body(0, 0, step, length)
            return
        }
        // The first row's index in the outer dimensions (mixed radix), and its input offset.
        var index = [Int](repeating: 0, count: outer)
        var rest = rows.lowerBound
        var inputOffset = 0
        for k in (0..<outer).reversed() {
            index[k] = rest % dims[k]
            rest /= dims[k]
            inputOffset += index[k] * strides[k]
        }
        var outputOffset = rows.lowerBound * length
        for _ in rows {
            body(outputOffset, inputOffset, step, length)
            outputOffset += length
            var k = outer - 1
            while k >= 0 {
                index[k] += 1
                inputOffset += strides[k]
                if index[k] < dims[k] { break }
                inputOffset -= strides[k] * dims[k]
                index[k] = 0
                k -= 1
            }
        }
    }

    /// ``forEachRow(in:_:)`` over all rows, shared out between the workers: for kernels whose
    /// rows write disjoint outputs (squeeze-and-excitation's scale of every plane). A single row
    /// (an input as large as the output, or a scalar) is cut into pieces instead.
    @inline(__always)
    func forEachRowInParallel(_ body: (Int, Int, Int, Int) -> Void) {
        let length = dims[dims.count - 1], step = strides[strides.count - 1]
        if rowCount == 1 {
            Parallel.forEach(length) { piece in body(piece.lowerBound, piece.lowerBound * step, step, piece.count) }
        } else {
            Parallel.forEach(rowCount, workPerItem: length) { rows in forEachRow(in: rows, body) }
        }
    }
}

/// Element-wise kernels whose input is broadcast to the output (see ``BroadcastMap``). Their rows
/// are shared out between the workers, each computed as on one (the same bits), except
/// ``reduce(_:_:into:)``, whose rows add into shared inputs.
public enum BroadcastKernels {
    /// `output = coefficient · input` (broadcast).
    public static func scaledCopy(_ input: UnsafePointer<Float>, _ map: BroadcastMap, coefficient: Float,
                                  into output: UnsafeMutablePointer<Float>) {
        map.forEachRowInParallel { o, i, step, n in
            if step == 0 {
                let v = coefficient * input[i]
                for k in 0..<n { output[o + k] = v }
            } else {
                for k in 0..<n { output[o + k] = coefficient * input[i + k] }
            }
        }
    }

    /// `output += coefficient · input` (broadcast).
    public static func addScaled(_ input: UnsafePointer<Float>, _ map: BroadcastMap, coefficient: Float,
                                 to output: UnsafeMutablePointer<Float>) {
        map.forEachRowInParallel { o, i, step, n in
            if step == 0 {
                let v = coefficient * input[i]
                for k in 0..<n { output[o + k] += v }
            } else {
                for k in 0..<n { output[o + k] += coefficient * input[i + k] }
            }
        }
    }

    /// `output *= input` (broadcast).
    public static func multiply(_ input: UnsafePointer<Float>, _ map: BroadcastMap, into output: UnsafeMutablePointer<Float>) {
        map.forEachRowInParallel { o, i, step, n in
            if step == 0 {
                let v = input[i]
                for k in 0..<n { output[o + k] *= v }
            } else {
                for k in 0..<n { output[o + k] *= input[i + k] }
            }
        }
    }

    /// `output = max(output, input)` (broadcast); the first maximum is kept (NaN in `output` stays).
    public static func maximum(_ input: UnsafePointer<Float>, _ map: BroadcastMap, into output: UnsafeMutablePointer<Float>) {
        map.forEachRowInParallel { o, i, step, n in
            for k in 0..<n { output[o + k] = max(output[o + k], input[i + k * step]) }
        }
    }

    /// `output[i] = Σ full[o]` over the output elements that read input element `i`: the
    /// gradient of a broadcast input from the gradient of its broadcast copy.
    public static func reduce(_ full: UnsafePointer<Float>, _ map: BroadcastMap, into output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: map.inputCount)
        map.forEachRow { o, i, step, n in
            if step == 0 {
                var sum: Float = 0
                for k in 0..<n { sum += full[o + k] }
                output[i] += sum
            } else {
                for k in 0..<n { output[i + k] += full[o + k] }
            }
        }
    }

    /// `output[o] = (input read at o) == value[o]` for the maximum's gradient: 1 or 0.
    public static func equalMask(_ input: UnsafePointer<Float>, _ map: BroadcastMap, value: UnsafePointer<Float>,
                                 into output: UnsafeMutablePointer<Float>) {
        map.forEachRowInParallel { o, i, step, n in
            for k in 0..<n { output[o + k] = input[i + k * step] == value[o + k] ? 1 : 0 }
        }
    }
}
