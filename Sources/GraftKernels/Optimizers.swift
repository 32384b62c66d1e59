/// Parameter updates of the optimizers, one tensor at a time.
public enum OptimizerKernels {
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
            for i in range {
                let h = momentum * history[i] + rate * (gradient[i] + decay * weight[i])
                history[i] = h
                weight[i] -= h
            }
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
