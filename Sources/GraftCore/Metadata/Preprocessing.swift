/// How raw images become the tensor a model expects, recorded so that fine-tuning and inference
/// feed the model what it was trained on.
///
/// A pixel is decoded into `valueRange` (e.g. 0...255) in `channelOrder`, then `steps` apply in
/// order, per channel. Caffe's default is BGR, 0...255, subtract the mean; Keras "tf" mode is RGB,
/// 0...255, multiply by 1/127.5, subtract 1.
public struct Preprocessing: Codable, Equatable, Sendable {
    /// The order of the colour channels in the input.
    public enum ChannelOrder: String, Codable, Sendable {
        /// Red, green, blue (Keras, PyTorch).
        case rgb = "RGB"
        /// Blue, green, red (Caffe, OpenCV).
        case bgr = "BGR"
        /// One grey channel.
        case grey = "GREY"
    }

    /// One per-channel arithmetic step; a single value applies to every channel.
    public enum Step: Codable, Equatable, Sendable {
        /// Subtracts the value (e.g. a mean pixel).
        case subtract([Float])
        /// Multiplies by the value (e.g. 1/255).
        case multiply([Float])
        /// Divides by the value (e.g. a standard deviation).
        case divide([Float])

        private enum CodingKeys: String, CodingKey { case op, values }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let values = try c.decode([Float].self, forKey: .values)
            switch try c.decode(String.self, forKey: .op) {
            case "subtract": self = .subtract(values)
            case "multiply": self = .multiply(values)
            case "divide": self = .divide(values)
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "unknown preprocessing step '\(other)'")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let (op, values): (String, [Float]) = switch self {
            case .subtract(let v): ("subtract", v)
            case .multiply(let v): ("multiply", v)
            case .divide(let v): ("divide", v)
            }
            try c.encode(op, forKey: .op)
            try c.encode(values, forKey: .values)
        }

        /// Applies the step to one channel's value.
        public func apply(_ x: Float, channel: Int) -> Float {
            func pick(_ v: [Float]) -> Float { v.count == 1 ? v[0] : v[channel] }
            return switch self {
            case .subtract(let v): x - pick(v)
            case .multiply(let v): x * pick(v)
            case .divide(let v): x / pick(v)
            }
        }
    }

    /// The graph input this describes.
    public var input: String
    /// The input shape the model was built for, batch first (NCHW).
    public var inputShape: Shape
    /// The order the channels are fed in.
    public var channelOrder: ChannelOrder
    /// The range raw pixel values are scaled into before `steps`, e.g. [0, 255] or [0, 1].
    public var valueRange: [Float]
    /// The arithmetic after scaling, in order.
    public var steps: [Step]
    /// For medical images (DICOM, NIfTI): the intensity windows that turn physical values (HU for
    /// CT) into the model's input channels, one per channel in the model's channel order (one
    /// window for a grey input, or copied to all three). Each window's 0...1 becomes 0...255,
    /// then `valueRange` and `steps` apply as for a photograph. Nil for photographs.
    public var windows: [IntensityWindow]?

    /// A description of how `input` is fed (and, for medical images, through which windows).
    public init(input: String, inputShape: Shape, channelOrder: ChannelOrder, valueRange: [Float], steps: [Step],
                windows: [IntensityWindow]? = nil) {
        self.input = input
        self.inputShape = inputShape
        self.channelOrder = channelOrder
        self.valueRange = valueRange
        self.steps = steps
        self.windows = windows
    }

    /// What Graft assumes for a model that records no preprocessing: RGB scaled to 0...1, no steps.
    public static func neutral(for input: GraphInput) -> Preprocessing {
        Preprocessing(input: input.name, inputShape: input.shape, channelOrder: .rgb, valueRange: [0, 1], steps: [])
    }

    /// A one-line human summary, e.g. "BGR 0...255, subtract (104, 117, 123)".
    public var summary: String {
        func list(_ v: [Float]) -> String { v.count == 1 ? fmt(v[0]) : "(" + v.map(fmt).joined(separator: ", ") + ")" }
        var parts = ["\(channelOrder.rawValue) \(valueRange.map(fmt).joined(separator: "..."))"]
        if let windows, !windows.isEmpty {
            parts.insert("windows " + windows.map(\.description).joined(separator: " | "), at: 0)
        }
        for step in steps {
            switch step {
            case .subtract(let v): parts.append("subtract \(list(v))")
            case .multiply(let v): parts.append("multiply \(list(v))")
            case .divide(let v): parts.append("divide \(list(v))")
            }
        }
        return parts.joined(separator: ", then ")
    }
}

private func fmt(_ x: Float) -> String {
    x == x.rounded() && abs(x) < 1e7 ? String(Int(x)) : String(x)
}
