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
