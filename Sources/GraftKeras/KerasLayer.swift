import GraftCore

/// One tensor flowing into a layer: the producing layer, which of its calls (node), and which of
/// that call's outputs (tensor). Keras writes it `["conv1", 0, 0, {}]` (Keras 1/2) or
/// `{"keras_history": ["conv1", 0, 0]}` (Keras 3).
public struct KerasConnection: Hashable, Sendable, CustomStringConvertible {
    /// The producing layer's name.
    public var layer: String
    /// Which call of that layer.
    public var nodeIndex: Int
    /// Which output of that call.
    public var tensorIndex: Int

    /// A connection to output `tensorIndex` of call `nodeIndex` of `layer`.
    public init(layer: String, nodeIndex: Int = 0, tensorIndex: Int = 0) {
        self.layer = layer
        self.nodeIndex = nodeIndex
        self.tensorIndex = tensorIndex
    }

    public var description: String { "\(layer)[\(nodeIndex)][\(tensorIndex)]" }
}

/// One call of a layer and the tensors it was called on. A layer shared between several places
/// in the model has several.
public struct KerasInboundNode: Hashable, Sendable {
    /// The tensors the layer was called on.
    public var inputs: [KerasConnection]
    /// The call's positional operands in order, for operations (``KerasLayerConfiguration/operation(_:)``)
    /// whose operands may be constants: `x + 3.0` is `[.tensor, .number(3)]`, `1 - x`
    /// `[.number(1), .tensor]`. Empty for ordinary layers.
    public var arguments: [KerasCallArgument]

    /// A call on `inputs`, with its operands when it is an operation.
    public init(inputs: [KerasConnection], arguments: [KerasCallArgument] = []) {
        self.inputs = inputs
        self.arguments = arguments
    }
}

/// One operand of an operation call.
public enum KerasCallArgument: Hashable, Sendable {
    /// The next of the call's input tensors.
    case tensor
    /// A numeric constant.
    case number(Double)
    /// Anything else (a list, a string, `None`): the call cannot be mapped.
    case other
}

/// An arithmetic operation recorded as a node (see ``KerasLayerConfiguration/operation(_:)``).
public struct KerasOperation: Equatable, Sendable {
    /// The operations Graft maps.
    public enum Function: String, Sendable {
        /// `a + b`, `a - b`, `a * b`, `a / b`, `max(a, b)`, `min(a, b)`, `relu6(a)`, `-a`.
        case add, subtract, multiply, divide, maximum, minimum, relu6, negative
    }
    /// What it computes; nil when Graft does not know the function (kept opaque).
    public var function: Function?
    /// As the file names it: `Add` (Keras 3), `__operators__.add`, `math.multiply` (tf.keras).
    public var recordedName: String

    /// An operation computing `function`, as the file named it.
    public init(function: Function?, recordedName: String) {
        self.function = function
        self.recordedName = recordedName
    }

    /// The function a Keras 3 operation class or a tf.keras `TFOpLambda` function names.
    public static func function(named name: String) -> Function? {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        switch last.lowercased() {
        case "add", "add_v2", "addv2": return .add
        case "subtract", "sub": return .subtract
        case "multiply", "mul", "multiply_no_nan": return .multiply
        case "divide", "truediv", "true_divide", "truedivide", "div", "realdiv": return .divide
        case "maximum": return .maximum
        case "minimum": return .minimum
        case "relu6": return .relu6
        case "negative", "neg": return .negative
        default: return nil
        }
    }
}

/// One weight array, exactly as Keras stores it (HWIO kernels, `[input, units]` dense kernels),
/// named by its role in the layer.
public struct KerasWeight: Equatable, Sendable {
    /// The role: `kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`,
    /// `depthwise_kernel`, `pointwise_kernel`, `alpha`, ... (Keras 1 `W`/`b` and Keras 3's
    /// `kernel` for DepthwiseConv2D are given the Keras 2 role names). Unsupported layers keep the
    /// stored names without `:0` (`dense_1/kernel` inside a nested model; Keras 3's
    /// `layers/dense/vars/0`).
    public var name: String
    /// Its shape as stored (Keras's layout).
    public var shape: Shape
    /// Its values converted to Float, in stored order.
    public var values: [Float]
    /// The HDF5 path it was read from (`/model_weights/conv1/conv1/kernel:0`).
    public var sourcePath: String
    /// The stored element type before conversion to Float ("float32", "float16", "int64", ...).
    public var storedType: String

    /// A weight with its role, values and where it came from.
    public init(name: String, shape: Shape, values: [Float], sourcePath: String, storedType: String = "float32") {
        self.name = name
        self.shape = shape
        self.values = values
        self.sourcePath = sourcePath
        self.storedType = storedType
    }
}

/// One Keras layer: its name and class, a typed configuration, its connections, and its weights
/// in Keras's own order.
public struct KerasLayer: Equatable, Sendable {
    /// The layer's name, unique in the model.
    public var name: String
    /// The class name as written in the config (`Conv2D`, Keras 1 `Convolution2D`, `Lambda`, ...).
    public var className: String
    /// What the layer computes, typed.
    public var configuration: KerasLayerConfiguration
    /// The calls of this layer; empty for input layers.
    public var inboundNodes: [KerasInboundNode]
    /// Its weights in Keras's order.
    public var weights: [KerasWeight]
    /// `trainable` as saved; false freezes the weights.
    public var trainable: Bool
    /// The layer's dtype policy name ("float32", "mixed_float16"), when recorded.
    public var dtype: String?

    /// A layer of these parts; trainable, without calls or weights unless given.
    public init(name: String, className: String, configuration: KerasLayerConfiguration,
                inboundNodes: [KerasInboundNode] = [], weights: [KerasWeight] = [], trainable: Bool = true,
                dtype: String? = nil) {
        self.name = name
        self.className = className
        self.configuration = configuration
        self.inboundNodes = inboundNodes
        self.weights = weights
        self.trainable = trainable
        self.dtype = dtype
    }

    /// The inputs of the first call (the only one for layers that are not shared).
    public var inputs: [KerasConnection] { inboundNodes.first?.inputs ?? [] }

    /// The weight with the given role name.
    public func weight(named name: String) -> KerasWeight? {
        weights.first { $0.name == name }
    }

    /// Whether Graft models the layer: its configuration is not
    /// ``KerasLayerConfiguration/unsupported(className:rawJSON:)``.
    public var isSupported: Bool {
        if case .unsupported = configuration { return false }
        return true
    }
}
