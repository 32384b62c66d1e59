public import GraftCore

/// Input gradients of the element-wise functions. Every kernel overwrites `inputGradient`; the
/// input (`x`) and the forward output (`y`) are both available, and each derivative is written
/// from whichever is cheaper and exact.
extension ActivationKernels {
    /// ReLU and its variants: the derivative is 1 above the threshold (0 at or above `maxValue`)
    /// and `negativeSlope` at or below it.
    public static func reluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    inputGradient: UnsafeMutablePointer<Float>, count: Int,
                                    negativeSlope: Float, maxValue: Float?, threshold: Float) {
        Parallel.forEach(count, minimumWork: 1 << 16) { range in
            if let ceiling = maxValue {
                for i in range {
                    let x = input[i]
                    inputGradient[i] = x > threshold ? (x < ceiling ? outputGradient[i] : 0) : negativeSlope * outputGradient[i]
                }
            } else {
                for i in range {
                    inputGradient[i] = input[i] > threshold ? outputGradient[i] : negativeSlope * outputGradient[i]
                }
            }
        }
    }

    /// PReLU: `dx = x > 0 ? dy : slope * dy`, `dslope = Σ_{x <= 0} x * dy` per channel (one sum
    /// when shared). Each requested gradient is overwritten.
    public static func preluBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                     outer: Int, channels: Int, inner: Int,
                                     slope: UnsafePointer<Float>, channelShared: Bool,
                                     inputGradient: UnsafeMutablePointer<Float>?,
                                     slopeGradient: UnsafeMutablePointer<Float>?) {
        slopeGradient?.update(repeating: 0, count: channelShared ? 1 : channels)
        for o in 0..<outer {
            for c in 0..<channels {
                let base = (o * channels + c) * inner
                let x = input + base, dy = outputGradient + base
                let a = channelShared ? slope[0] : slope[c]
                if let slopeGradient {
                    var sum: Float = 0
                    for i in 0..<inner where x[i] <= 0 { sum += x[i] * dy[i] }
                    slopeGradient[channelShared ? 0 : c] += sum
                }
                if let inputGradient {
                    let dx = inputGradient + base
                    for i in 0..<inner { dx[i] = x[i] > 0 ? dy[i] : a * dy[i] }
                }
            }
        }
    }

    /// The derivative of one `Activation` (GraftCore) times the output gradient.
    public static func applyBackward(_ function: Activation, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                     outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                     count: Int) {
        let x = input, y = output, dy = outputGradient, dx = inputGradient
        switch function {
        case .elu(let alpha):
            // x > 0: 1; else alpha * e^x = y + alpha.
            for i in 0..<count { dx[i] = x[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha) }
        case .selu:
            // scale * (x > 0 ? 1 : alpha * e^x); below zero y = scale * alpha * (e^x - 1).
            let sa = seluScale * seluAlpha
            for i in 0..<count { dx[i] = x[i] > 0 ? seluScale * dy[i] : dy[i] * (y[i] + sa) }
        case .sigmoid:
            for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .tanh:
            for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .hardSigmoid:
            for i in 0..<count {
                let z = 0.2 * x[i] + 0.5
                dx[i] = z > 0 && z < 1 ? 0.2 * dy[i] : 0
            }
        case .hardSigmoidOneSixth:
            // relu6(x + 3) / 6: slope 1/6 strictly inside (-3, 3).
            for i in 0..<count { dx[i] = x[i] > -3 && x[i] < 3 ? dy[i] / 6 : 0 }
        case .swish:
            // d/dx x σ(x) = σ + x σ (1 - σ).
            for i in 0..<count {
                let s = sigmoid(x[i])
                dx[i] = dy[i] * (s + x[i] * s * (1 - s))
            }
        case .softplus:
            for i in 0..<count { dx[i] = dy[i] * sigmoid(x[i]) }
        case .hardSwish:
            // 0 below -3, 1 above 3, (2x + 3) / 6 between.
            for i in 0..<count { dx[i] = x[i] <= -3 ? 0 : x[i] >= 3 ? dy[i] : dy[i] * (2 * x[i] + 3) / 6 }
        case .gelu(let approximate):
            if approximate {
                // d/dx 0.5 x (1 + t), t = tanh(u), u = k (x + 0.044715 x³).
                for i in 0..<count {
                    let v = x[i]
                    let t = Elementary.tanh(geluTanhScale * (v + 0.044715 * v * v * v))
                    let du = geluTanhScale * (1 + 3 * 0.044715 * v * v)
                    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
                }
            } else {
                // Φ(x) + x φ(x).
                let invSqrt2: Float = Float(0.5).squareRoot(), invSqrt2Pi: Float = 0.3989422804014327
                for i in 0..<count {
                    let v = x[i]
                    dx[i] = dy[i] * (0.5 * (1 + Elementary.erf(v * invSqrt2)) + v * invSqrt2Pi * Elementary.exp(-0.5 * v * v))
                }
            }
        }
    }

    /// Caffe's Power: `dx = dy * power * scale * (shift + scale * x)^(power - 1)` (0 when `power`
    /// or `scale` is 0).
    public static func powerBackward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                     inputGradient: UnsafeMutablePointer<Float>, count: Int,
                                     power: Float, scale: Float, shift: Float) {
        if power == 0 || scale == 0 {
            inputGradient.update(repeating: 0, count: count)
            return
        }
        switch power {
        case 1:
            for i in 0..<count { inputGradient[i] = outputGradient[i] * scale }
        case 2:
            for i in 0..<count { inputGradient[i] = outputGradient[i] * 2 * scale * (shift + scale * input[i]) }
        default:
            let k = power * scale
            for i in 0..<count {
                inputGradient[i] = outputGradient[i] * k * Elementary.pow(shift + scale * input[i], power - 1)
            }
        }
    }
}

/// Softmax's backward pass and the softmax cross-entropy loss.
extension SoftmaxKernels {
    /// `dx = y * (dy - Σ_axis dy * y)` over `[outer, axis, inner]`.
    public static func backward(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int) {
        for o in 0..<outer {
            for i in 0..<inner {
                let y = output + o * axis * inner + i
                let dy = outputGradient + o * axis * inner + i
                let dx = inputGradient + o * axis * inner + i
                var dot: Float = 0
                for a in 0..<axis { dot += dy[a * inner] * y[a * inner] }
                for a in 0..<axis { dx[a * inner] = y[a * inner] * (dy[a * inner] - dot) }
            }
        }
    }

    /// Softmax cross-entropy from logits `[rows, classes]` against class indices, averaged over the
    /// rows (weighted by `classWeights[label]` and divided by the weights' sum when given, as
    /// PyTorch's `CrossEntropyLoss(weight:)` does). Computed as `logsumexp(z) - z[label]`, so large
    /// logits neither overflow nor lose the loss to rounding.
    ///
    /// - Parameters:
    ///   - logits: the scores before softmax, `[rows, classes]` row-major.
    ///   - labels: one class index per row, in `0..<classes`.
    ///   - rows: the number of rows (samples).
    ///   - classes: the number of classes (the length of a row).
    ///   - classWeights: one weight per class, indexed by label; nil weighs every row 1.
    ///   - gradient: receives `∂loss/∂logits = w[label] * (softmax(z) - onehot(label)) / Σ w`.
    ///   - probabilities: receives `softmax(z)` when not nil.
    /// - Returns: the loss (0 when every weight is 0).
    public static func crossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
                                    classWeights: UnsafePointer<Float>?, gradient: UnsafeMutablePointer<Float>?,
                                    probabilities: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        var weightSum = 0.0
        for r in 0..<rows {
            let label = Int(labels[r])
            let w = Double(classWeights?[label] ?? 1)
            weightSum += w
            let z = logits + r * classes
            var largest = -Float.infinity
            for c in 0..<classes { largest = max(largest, z[c]) }
            var sum = 0.0
            for c in 0..<classes { sum += Double(Elementary.exp(z[c] - largest)) }
            let logSum = Double(largest) + Elementary.logDouble(sum)
            total += w * (logSum - Double(z[label]))
            if gradient != nil || probabilities != nil {
                let reciprocal = 1 / sum
                for c in 0..<classes {
                    let p = Float(Double(Elementary.exp(z[c] - largest)) * reciprocal)
                    probabilities?[r * classes + c] = p
                    gradient?[r * classes + c] = p
                }
            }
        }
        guard weightSum > 0 else {
            gradient?.update(repeating: 0, count: rows * classes)
            return 0
        }
        if let gradient {
            for r in 0..<rows {
                let label = Int(labels[r])
                let w = Float(Double(classWeights?[label] ?? 1) / weightSum)
                let g = gradient + r * classes
                g[label] -= 1
                for c in 0..<classes { g[c] *= w }
            }
        }
        return total / weightSum
    }
}
