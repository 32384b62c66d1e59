/// A Caffe net read from a `.prototxt` or a `.caffemodel`, in V2 form whatever the file's
/// generation. Both readers produce this same value, so weights and architecture can be
/// matched layer by layer by name.
public struct CaffeNet: Equatable, Sendable {
    /// How the file stored its layers.
    public enum Generation: String, Equatable, Sendable {
        /// `layer` (field 100), string types: Caffe from 2015 on.
        case v2
        /// `layers` (field 2), enum types: 2014 Caffe; upgraded by ``CaffeUpgrade``.
        case v1
    }

    /// A net input: from net-level `input` with `input_shape` or `input_dim`, or an Input layer's top.
    public struct Input: Equatable, Sendable {
        /// The input's name.
        public var name: String
        /// nil when the file declares the input without a shape.
        public var shape: [Int]?

        /// An input called `name`.
        public init(name: String, shape: [Int]?) {
            self.name = name
            self.shape = shape
        }
    }

    /// The net's `name`.
    public var name: String
    /// The net's inputs, in order.
    public var inputs: [Input]
    /// The layers, in file order.
    public var layers: [CaffeLayer]
    /// Which kind of layer list the file used.
    public var generation: Generation
    /// `force_backward`.
    public var forceBackward = false
    /// `state`: the net's phase, level and stages, nil when absent.
    public var state: CaffeNetState?
    /// Net-level fields Graft's schema does not know, as their original text.
    public var rawUnknown: [String] = []
    /// What the reader tolerated: unknown fields and blocks, fork layer types it kept as text.
    public var warnings: [CaffeWarning] = []

    /// A net of these layers.
    public init(name: String, inputs: [Input] = [], layers: [CaffeLayer] = [], generation: Generation = .v2) {
        self.name = name
        self.inputs = inputs
        self.layers = layers
        self.generation = generation
    }

    /// The layer called `name`, if any (the first one: training nets may repeat names across phases).
    public func layer(named name: String) -> CaffeLayer? {
        layers.first { $0.name == name }
    }
}

/// Something a reader accepted but the caller should know about. `line`/`column` are set for
/// prototxt input.
public struct CaffeWarning: Equatable, Sendable, CustomStringConvertible {
    /// The file concerned.
    public var file: String
    /// The prototxt line, 1 up; nil for a caffemodel.
    public var line: Int?
    /// The prototxt column, 1 up; nil for a caffemodel.
    public var column: Int?
    /// What was tolerated.
    public var message: String

    /// A warning about `file`, at a position when there is one.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let line, let column { return "\(file):\(line):\(column): warning: \(message)" }
        return "\(file): warning: \(message)"
    }
}
