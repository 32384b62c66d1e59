/// Parameter updates of the optimizers, one tensor at a time.
public enum OptimizerKernels {
    /// Floats per block of ``sumOfSquares(_:count:)``: summed in single precision (sixteen lanes),
    /// the blocks' sums added in double precision in order.
    static let sumOfSquaresBlock = 1 << 14

    /// `Σ x[i]²` in blocks over the cores; the same value for any number of cores (every block
    /// is summed the same way, and the blocks in order). A serial double-precision loop took
    /// ~35 ms per CaffeNet step (57 M gradients, one dependent add each).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let block = sumOfSquaresBlock
        let blocks = (count + block - 1) / block
        guard blocks > 0 else { return 0 }
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: blocks)
        defer { sums.deallocate() }
        Parallel.forEach(blocks, workPerItem: block, minimumWork: 1 << 18) { range in
            for b in range {
                let start = b * block, end = min(count, start + block)
                var lanes = SIMD16<Float>()
                var i = start
                while i + 16 <= end {
                    let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                    lanes.addProduct(v, v)
                    i += 16
                }
                var tail: Float = 0
                while i < end { tail += x[i] * x[i]; i += 1 }
                sums[b] = Double(lanes.sum()) + Double(tail)
            }
        }
        var total = 0.0
        for b in 0..<blocks { total += sums[b] }
        return total
    }

    /// Caffe's SGD with momentum and L2 weight decay (SGDSolver::Regularize, ComputeUpdateValue and
    /// Blob::Update):
    ///
    ///     history = momentum * history + rate * (gradient + decay * weight)
    ///     weight -= history
    public static func sgd(weight: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                           history: UnsafeMutablePointer<Float>, count: Int,
                           rate: Float, momentum: Float, decay: Float) {
        // Memory-bound: both cores' bandwidth helps for the large fully connected weights.
        Parallel.forEach(count, minimumWork: 1 << 17) { range in
            sgdSerial(weight: weight + range.lowerBound, gradient: gradient + range.lowerBound,
                      history: history + range.lowerBound, count: range.count, rate: rate, momentum: momentum, decay: decay)
        }
    }

    /// ``sgd(weight:gradient:history:count:rate:momentum:decay:)`` on the calling thread (the same
    /// operations in the same order: the same bits).
    @inline(__always)
    static func sgdSerial(weight: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                          history: UnsafeMutablePointer<Float>, count: Int, rate: Float, momentum: Float, decay: Float) {
        for i in 0..<count {
            let h = momentum * history[i] + rate * (gradient[i] + decay * weight[i])
            history[i] = h
            weight[i] -= h
        }
    }

    /// Adam with L2 weight decay added to the gradient (PyTorch's `Adam(weight_decay:)`, Caffe's
    /// AdamSolver through Regularize):
    ///
    ///     g = gradient + decay * weight
    ///     m = beta1 * m + (1 - beta1) * g
    ///     v = beta2 * v + (1 - beta2) * g²
    ///     weight -= stepSize * m / (sqrt(v) * sqrtScale + epsilon)
    ///
    /// PyTorch: `stepSize = rate / (1 - beta1^t)`, `sqrtScale = 1 / sqrt(1 - beta2^t)`.
    /// Caffe: `stepSize = rate * sqrt(1 - beta2^t) / (1 - beta1^t)`, `sqrtScale = 1`.
    public static func adam(weight: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
                            stepSize: Float, sqrtScale: Float, beta1: Float, beta2: Float, epsilon: Float, decay: Float) {
        let c1 = 1 - beta1, c2 = 1 - beta2
        Parallel.forEach(count, minimumWork: 1 << 17) { range in
            for i in range {
                let g = gradient[i] + decay * weight[i]
                let mi = beta1 * m[i] + c1 * g
                let vi = beta2 * v[i] + c2 * g * g
                m[i] = mi
                v[i] = vi
                weight[i] -= stepSize * mi / (vi.squareRoot() * sqrtScale + epsilon)
            }
        }
    }
}
