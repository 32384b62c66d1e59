/// A height and width (kernel size, strides, dilation, pool size). Keras writes `3` or `[3, 3]`.
public struct KerasSize2D: Hashable, Sendable, CustomStringConvertible {
    /// Rows.
    public var height: Int
    /// Columns.
    public var width: Int

    /// A size of `height` rows by `width` columns.
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    public var description: String { "\(height)x\(width)" }
}

/// Amounts on each side (ZeroPadding2D padding, Cropping2D cropping).
public struct KerasInsets2D: Hashable, Sendable {
    /// Rows at the top.
    public var top: Int
    /// Rows at the bottom.
    public var bottom: Int
    /// Columns on the left.
    public var left: Int
    /// Columns on the right.
    public var right: Int

    /// Amounts on the four sides.
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }
}

/// Keras's two padding modes for 2-D convolution and pooling (Keras 1 `border_mode`).
public enum KerasPadding: String, Sendable, CaseIterable {
    /// `valid`: no padding; `same`: padded so that the output is `ceil(input / stride)`.
    case valid, same
}

/// Where the channel axis is. Keras 1 spells it `dim_ordering`: "tf" = channels last, "th" = first.
public enum KerasDataFormat: String, Sendable, CaseIterable {
    /// `[batch, height, width, channels]` (Keras's default).
    case channelsLast = "channels_last"
    /// `[batch, channels, height, width]`.
    case channelsFirst = "channels_first"
}

/// How a convolution kernel's axes are stored. Keras 2 and 3 always store HWIO (even with
/// `channels_first`); Keras 1 stored OIHW for `dim_ordering: "th"`. The mapper converts.
public enum KerasKernelLayout: String, Sendable, CaseIterable {
    /// `[height, width, input channels, output channels]` (`[h, w, filters, input]` for
    /// Conv2DTranspose, `[h, w, input, depth multiplier]` for depthwise kernels).
    case hwio
    /// Keras 1 `th`: `[output channels, input channels, height, width]`.
    case oihw
}

/// Keras activation functions by their serialized names.
public enum KerasActivation: String, Sendable, CaseIterable {
    /// The function of that name.
    case linear, relu, relu6, sigmoid, softmax, tanh, elu, selu, softplus, softsign, exponential, gelu, mish
    /// `hard_sigmoid`.
    case hardSigmoid = "hard_sigmoid"
    /// Also written "swish".
    case silu
    /// Also written "hard_swish".
    case hardSilu = "hard_silu"
    /// `leaky_relu`.
    case leakyRelu = "leaky_relu"
    /// `log_softmax`.
    case logSoftmax = "log_softmax"

    /// Reads a serialized name, including the aliases Keras accepts.
    public init?(kerasName: String) {
        switch kerasName {
        case "swish": self = .silu
        case "hard_swish": self = .hardSilu
        case "None": self = .linear
        default: self.init(rawValue: kerasName)
        }
    }
}
