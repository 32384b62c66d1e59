/// How a Keras file stores its model. Decides where the architecture comes from and how weights
/// are matched to layers.
public enum KerasFileLayout: String, Equatable, Sendable, CustomStringConvertible {
    /// `model.save('x.h5')`: root attribute `model_config` (JSON) and group `model_weights/`.
    case legacyFull
    /// `save_weights('x.h5')` before Keras 3: root attribute `layer_names`, one group per layer
    /// with a `weight_names` attribute. The architecture comes from elsewhere.
    case legacyWeights
    /// Keras 3 `.weights.h5`: `layers/<class name + counter>/vars/<index>`. The architecture
    /// comes from elsewhere.
    case keras3Weights
    /// Keras 3 `.keras` zip: `config.json`, `metadata.json`, `model.weights.h5`.
    case keras3Archive
    /// A config JSON parsed without any weights.
    case architectureOnly

    public var description: String { rawValue }
}

/// A model input as the model declares it.
public struct KerasInput: Equatable, Sendable {
    /// The input layer's name.
    public var name: String
    /// Dimensions after the batch dimension, as Keras declares them (height, width, channels for
    /// channels-last image models); nil entries are free (`None`). Nil when undeclared.
    public var shape: [Int?]?
    /// The declared batch size, usually nil (`None`).
    public var batchSize: Int?
    /// `dtype` as declared, e.g. "float32".
    public var dtype: String?

    /// An input called `name` of `shape`.
    public init(name: String, shape: [Int?]?, batchSize: Int? = nil, dtype: String? = nil) {
        self.name = name
        self.shape = shape
        self.batchSize = batchSize
        self.dtype = dtype
    }
}

/// A faithful, typed image of a Keras model: what the file says, in Keras's own terms and layouts
/// (HWIO kernels, NHWC shapes). Mapping to Graft's graph is a later step.
public struct KerasModel: Equatable, Sendable {
    /// The model's name.
    public var name: String
    /// `Sequential`, `Functional` or `Model` (Keras 1/2 functional).
    public var modelClass: String
    /// `keras_version` as recorded (e.g. "2.0.5", "2.11.0", "3.15.1"), nil when absent.
    public var kerasVersion: String?
    /// The backend recorded by the writer ("tensorflow", "jax", "theano"), nil when absent (which
    /// adds ``KerasWarning/backendMissing``).
    public var backend: String?
    /// How the file stores the model.
    public var layout: KerasFileLayout
    /// The model's inputs, in order.
    public var inputs: [KerasInput]
    /// Every layer, inputs first, each after the layers it reads (topological order; ties keep
    /// the config's order).
    public var layers: [KerasLayer]
    /// The tensors the model returns.
    public var outputs: [KerasConnection]
    /// What the reader tolerated.
    public var warnings: [KerasWarning]

    /// A model of these parts.
    public init(name: String, modelClass: String, kerasVersion: String?, backend: String?, layout: KerasFileLayout,
                inputs: [KerasInput], layers: [KerasLayer], outputs: [KerasConnection], warnings: [KerasWarning]) {
        self.name = name
        self.modelClass = modelClass
        self.kerasVersion = kerasVersion
        self.backend = backend
        self.layout = layout
        self.inputs = inputs
        self.layers = layers
        self.outputs = outputs
        self.warnings = warnings
    }

    /// The layer called `name`.
    public func layer(named name: String) -> KerasLayer? {
        layers.first { $0.name == name }
    }

    /// The number of weight elements over all layers.
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.weights.reduce(0) { $0 + $1.values.count } }
    }
}
