import GraftCore

/// A value known at import time: an initializer, a `Constant`, or the result of folding
/// (`Shape` of a value whose shape is static, `Gather`, `Concat`, `Unsqueeze`... over such
/// values), as exporters emit for `x.view(x.size(0), -1)`. Floating-point tensors keep `Float`
/// data, integer and boolean tensors `Int64`.
struct ONNXConstant: Equatable, Sendable {
    enum Storage: Equatable, Sendable {
        case floats([Float])
        case integers([Int64])
    }

    var dims: [Int]
    var storage: Storage

    init(dims: [Int], floats: [Float]) {
        self.dims = dims
        storage = .floats(floats)
    }

    init(dims: [Int], integers: [Int64]) {
        self.dims = dims
        storage = .integers(integers)
    }

    var count: Int {
        switch storage {
        case .floats(let v): v.count
        case .integers(let v): v.count
        }
    }

    var isInteger: Bool { if case .integers = storage { true } else { false } }

    var floats: [Float] {
        switch storage {
        case .floats(let v): v
        case .integers(let v): v.map(Float.init)
        }
    }

    /// The values as integers; nil when a float is not integral.
    var integers: [Int64]? {
        switch storage {
        case .integers(let v): return v
        case .floats(let v):
            guard v.allSatisfy({ $0.rounded(.towardZero) == $0 && abs($0) < 9.2e18 }) else { return nil }
            return v.map { Int64($0) }
        }
    }

    /// A Graft tensor of these values; a scalar becomes shape `[1]`.
    var tensor: Tensor { Tensor(shape: Shape(dims.isEmpty ? [1] : dims), scalars: floats) }

    /// The same storage kind with other values.
    func with(dims: [Int], _ transform: (Int) -> Int) -> ONNXConstant {
        switch storage {
        case .floats(let v): ONNXConstant(dims: dims, floats: (0..<ONNXConstant.product(dims)).map { v[transform($0)] })
        case .integers(let v): ONNXConstant(dims: dims, integers: (0..<ONNXConstant.product(dims)).map { v[transform($0)] })
        }
    }

    static func product(_ dims: [Int]) -> Int { dims.reduce(1, *) }

    /// The tensor transposed: output axis `i` is input axis `permutation[i]`.
    func transposed(_ permutation: [Int]) -> ONNXConstant {
        let outDims = permutation.map { dims[$0] }
        switch storage {
        case .floats(let v): return ONNXConstant(dims: outDims, floats: AxisPermutation.permuted(v, shape: dims, order: permutation))
        case .integers(let v): return ONNXConstant(dims: outDims, integers: AxisPermutation.permuted(v, shape: dims, order: permutation))
        }
    }

    /// Element-wise combination with NumPy broadcasting (nil when the dims do not broadcast).
    static func broadcast(_ a: ONNXConstant, _ b: ONNXConstant, floats f: (Float, Float) -> Float,
                          integers i: (Int64, Int64) -> Int64) -> ONNXConstant? {
        guard let shape = Shape.broadcast([Shape(a.dims), Shape(b.dims)]) else { return nil }
        let out = shape.dims
        func source(_ dims: [Int]) -> (Int) -> Int {
            let padded = [Int](repeating: 1, count: out.count - dims.count) + dims
            let inStrides = AxisPermutation.rowMajorStrides(padded), outStrides = AxisPermutation.rowMajorStrides(out)
            return { index in
                var rest = index, offset = 0
                for axis in 0..<out.count {
                    let c = rest / outStrides[axis]
                    rest %= outStrides[axis]
                    if padded[axis] != 1 { offset += c * inStrides[axis] }
                }
                return offset
            }
        }
        let sa = source(a.dims), sb = source(b.dims)
        let n = product(out)
        if case .integers(let x) = a.storage, case .integers(let y) = b.storage {
            return ONNXConstant(dims: out, integers: (0..<n).map { i(x[sa($0)], y[sb($0)]) })
        }
        let x = a.floats, y = b.floats
        return ONNXConstant(dims: out, floats: (0..<n).map { f(x[sa($0)], y[sb($0)]) })
    }
}
