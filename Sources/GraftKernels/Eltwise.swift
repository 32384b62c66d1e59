/// Element-wise combination of equally shaped tensors, applied one input at a time so that no
/// list of pointers has to be built per call.
public enum EltwiseKernels {
    /// `output = coefficient * input`.
    public static func scaledCopy(_ input: UnsafePointer<Float>, coefficient: Float,
                                  into output: UnsafeMutablePointer<Float>, count: Int) {
        if coefficient == 1 { output.update(from: input, count: count); return }
        for i in 0..<count { output[i] = coefficient * input[i] }
    }

    /// `output += coefficient * input`.
    public static func addScaled(_ input: UnsafePointer<Float>, coefficient: Float,
                                 to output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] += coefficient * input[i] }
    }

    /// `output *= input`.
    public static func multiply(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] *= input[i] }
    }

    /// `output = max(output, input)`.
    public static func maximum(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = max(output[i], input[i]) }
    }
}

extension EltwiseKernels {
    /// The gradient of one factor of a product: `dx = dy * Π_{j ≠ skip} input_j`, computed from
    /// the other factors (not by dividing the output, which fails at zeros).
    public static func productGradient(outputGradient: UnsafePointer<Float>, factors: [UnsafePointer<Float>], skip: Int,
                                       into inputGradient: UnsafeMutablePointer<Float>, count: Int) {
        inputGradient.update(from: outputGradient, count: count)
        for (j, factor) in factors.enumerated() where j != skip { multiply(factor, into: inputGradient, count: count) }
    }

    /// The gradient of input `index` of an element-wise maximum: `dy` where that input is the
    /// first to reach the output value, 0 elsewhere (ties go to the earliest input, as the forward
    /// pass keeps the first maximum, like Caffe).
    public static func maximumGradient(outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                       inputs: [UnsafePointer<Float>], index: Int,
                                       into inputGradient: UnsafeMutablePointer<Float>, count: Int) {
        let x = inputs[index]
        for i in 0..<count {
            var wins = x[i] == output[i]
            if wins {
                for j in 0..<index where inputs[j][i] == output[i] { wins = false; break }
            }
            inputGradient[i] = wins ? outputGradient[i] : 0
        }
    }
}
