/// Something about a Keras file that did not stop the import but that a user should know: a
/// missing provenance attribute, a layer that can only be carried along opaquely, ignored data.
public enum KerasWarning: Equatable, Sendable {
    /// The file does not say which backend wrote it (Keras 1 files, `.keras` archives); Theano-era
    /// convolution kernels would be flipped.
    case backendMissing
    /// No `keras_version` anywhere: the config's shape decided the dialect.
    case kerasVersionMissing
    /// A layer kept as `.unsupported` (Lambda and custom layers are never executed).
    case unsupportedLayer(layer: String, className: String, reason: String)
    /// Optimizer state present in the file and not imported.
    case optimizerWeightsIgnored(group: String)
    /// The weight names did not identify the layer's weights, so they were bound in file order
    /// (which is how Keras itself binds them).
    case weightsBoundByPosition(layer: String, names: [String])
    /// A Keras 1 layer with `dim_ordering: "default"`, read as "tf" (channels last).
    case defaultDimOrderingAssumedTF(layer: String)
    /// The model declares no input shape.
    case inputShapeUnknown(input: String)
    /// An architecture was supplied for a file that embeds one; the supplied one was used.
    case embeddedArchitectureOverridden(path: String)
    /// Stored variables that belong to no modelled weight (Keras 3 model-level variables, a
    /// layer's sub-objects) and were not imported.
    case variablesIgnored(group: String, count: Int)

    // Import (Keras model → Graft graph)

    /// An opaque layer's output shape was taken to be its input's (a Lambda without
    /// `output_shape`), so that the layers after it could still be converted.
    case opaqueOutputShapeAssumed(layer: String)
    /// An opaque layer's output shape is unknown; layers that need it were kept opaque too.
    case opaqueOutputShapeUnknown(layer: String)
    /// A layer called more than once (shared weights) became one Graft node per call, each with a
    /// copy of the weights.
    case sharedLayerDuplicated(layer: String, calls: Int)
    /// `hard_sigmoid` changed meaning in Keras 3 (`relu6(x + 3) / 6` instead of `0.2 x + 0.5`);
    /// the file records no Keras version, so the Keras 2 meaning was used.
    case hardSigmoidVersionAssumed(layer: String)
    /// The model is not a recognised `keras.applications` model and no preprocessing was given:
    /// a neutral default (raw pixels, no steps) was recorded.
    case preprocessingUnknown(model: String)
    /// Kernels were flipped spatially because the weights come from Theano (a true convolution).
    case kernelsFlippedForTheano(layers: Int)
}

extension KerasWarning: CustomStringConvertible {
    public var description: String {
        switch self {
        case .backendMissing:
            "the file does not name the backend that wrote it (assume TensorFlow-style kernels)"
        case .kerasVersionMissing: "no keras_version recorded; the config format decided the dialect"
        case .unsupportedLayer(let layer, let className, let reason):
            "layer '\(layer)' (\(className)) is not supported and is kept opaque: \(reason)"
        case .optimizerWeightsIgnored(let group): "optimizer state in '\(group)' was ignored"
        case .weightsBoundByPosition(let layer, let names):
            "layer '\(layer)': weight names \(names) were not recognised, bound in file order"
        case .defaultDimOrderingAssumedTF(let layer): "layer '\(layer)': dim_ordering 'default' read as 'tf'"
        case .inputShapeUnknown(let input): "input '\(input)' has no declared shape"
        case .embeddedArchitectureOverridden(let path): "\(path): its own architecture was replaced by the supplied one"
        case .variablesIgnored(let group, let count): "\(count) variable(s) in '\(group)' belong to no layer weight and were ignored"
        case .opaqueOutputShapeAssumed(let layer):
            "layer '\(layer)' is opaque; its output shape was assumed equal to its input shape"
        case .opaqueOutputShapeUnknown(let layer):
            "layer '\(layer)' is opaque and its output shape is unknown; layers needing it were kept opaque too"
        case .sharedLayerDuplicated(let layer, let calls):
            "layer '\(layer)' is called \(calls) times; each call became its own node with a copy of the weights"
        case .hardSigmoidVersionAssumed(let layer):
            "layer '\(layer)': no Keras version recorded, hard_sigmoid read as Keras 2's clip(0.2x + 0.5, 0, 1)"
        case .preprocessingUnknown(let model):
            "model '\(model)' is not a recognised keras.applications model: preprocessing recorded as raw 0...255 "
                + "pixels without steps; give the preprocessing (caffe, tf, torch) if it is known"
        case .kernelsFlippedForTheano(let layers):
            "\(layers) convolution kernel(s) flipped spatially: Theano convolves, Graft correlates"
        }
    }
}
