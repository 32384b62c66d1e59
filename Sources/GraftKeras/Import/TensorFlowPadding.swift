/// TensorFlow's padding arithmetic, which Keras's `same` and `valid` follow, expressed as the
/// per-side pads Graft's operations take.
enum TensorFlowPadding {
    /// The effective extent of a dilated kernel.
    static func extent(kernel: Int, dilation: Int) -> Int { (kernel - 1) * dilation + 1 }

    /// `same` for a convolution or pooling over `input`: the output is `ceil(input / stride)`,
    /// the total pad is `max((output - 1) * stride + extent - input, 0)`, and the smaller half
    /// goes before (TensorFlow puts the odd pixel at the bottom/right).
    static func same(input: Int, kernel: Int, stride: Int, dilation: Int = 1) -> (begin: Int, end: Int) {
        let output = (input + stride - 1) / stride
        let total = max((output - 1) * stride + extent(kernel: kernel, dilation: dilation) - input, 0)
        return (total / 2, total - total / 2)
    }

    /// Keras's `deconv_output_length`: the output size of a transposed convolution.
    static func transposedOutputLength(input: Int, kernel: Int, padding: KerasPadding, outputPadding: Int?,
                                       stride: Int, dilation: Int) -> Int {
        let k = extent(kernel: kernel, dilation: dilation)
        guard let outputPadding else {
            switch padding {
            case .valid: return input * stride + max(k - stride, 0)
            case .same: return input * stride
            }
        }
        let pad = padding == .same ? k / 2 : 0
        return (input - 1) * stride + k - 2 * pad + outputPadding
    }

    /// A transposed convolution as Graft's Deconvolution takes it. TensorFlow computes it as the
    /// gradient of the forward convolution from an `output`-sized image to the `input`-sized one,
    /// so the forward convolution's begin pad crops the start of the full result; what remains
    /// past the full result's end (when the output is longer) is the output padding.
    static func transposed(input: Int, kernel: Int, padding: KerasPadding, outputPadding: Int?, stride: Int,
                           dilation: Int) -> (begin: Int, end: Int, outputPadding: Int, output: Int) {
        let output = transposedOutputLength(input: input, kernel: kernel, padding: padding,
                                            outputPadding: outputPadding, stride: stride, dilation: dilation)
        let begin = padding == .same ? same(input: output, kernel: kernel, stride: stride, dilation: dilation).begin : 0
        let full = (input - 1) * stride + extent(kernel: kernel, dilation: dilation)
        let end = full - begin - output
        return end >= 0 ? (begin, end, 0, output) : (begin, 0, -end, output)
    }
}
