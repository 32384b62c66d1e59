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
        public var name: String
        /// nil when the file declares the input without a shape.
        public var shape: [Int]?

        public init(name: String, shape: [Int]?) {
            self.name = name
            self.shape = shape
        }
    }

    public var name: String
    public var inputs: [Input]
    public var layers: [CaffeLayer]
    public var generation: Generation
    public var forceBackward = false
    public var state: CaffeNetState?
    /// Net-level fields Graft's schema does not know, as their original text.
    public var rawUnknown: [String] = []
    /// What the reader tolerated: unknown fields and blocks, fork layer types it kept as text.
    public var warnings: [CaffeWarning] = []

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
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

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
