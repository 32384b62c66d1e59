/// A height and width (kernel size, strides, dilation, pool size). Keras writes `3` or `[3, 3]`.
public struct KerasSize2D: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    public var description: String { "\(height)x\(width)" }
}

/// Amounts on each side (ZeroPadding2D padding, Cropping2D cropping).
public struct KerasInsets2D: Hashable, Sendable {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }
}

/// Keras's two padding modes for 2-D convolution and pooling (Keras 1 `border_mode`).
public enum KerasPadding: String, Sendable, CaseIterable {
    case valid, same
}

/// Where the channel axis is. Keras 1 spells it `dim_ordering`: "tf" = channels last, "th" = first.
public enum KerasDataFormat: String, Sendable, CaseIterable {
    case channelsLast = "channels_last"
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
    case linear, relu, relu6, sigmoid, softmax, tanh, elu, selu, softplus, softsign, exponential, gelu, mish
    case hardSigmoid = "hard_sigmoid"
    /// Also written "swish".
    case silu
    /// Also written "hard_swish".
    case hardSilu = "hard_silu"
    case leakyRelu = "leaky_relu"
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
