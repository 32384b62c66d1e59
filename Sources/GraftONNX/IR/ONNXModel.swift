/// An ONNX model as plain Swift values: what `onnx.proto`'s `ModelProto` holds that Graft reads
/// or writes. The interop layer (``ONNXReader``, ``ONNXWriter``) is the only code that touches
/// protobuf-c; importer and exporter work on these values.
public struct ONNXModel: Equatable, Sendable {
    /// `ir_version`: the version of the ONNX file format.
    public var irVersion: Int64
    /// Operator sets by domain ("" is the default `ai.onnx` domain).
    public var opsets: [ONNXOperatorSet]
    /// The tool that wrote the model.
    public var producerName: String
    /// That tool's version.
    public var producerVersion: String
    /// The model's namespace (reverse-DNS by convention).
    public var domain: String
    /// The model's own version number.
    public var modelVersion: Int64
    /// Free-form documentation.
    public var docString: String
    /// The main graph.
    public var graph: ONNXGraph
    /// `metadata_props`, in file order.
    public var metadata: [ONNXKeyValue]

    /// A model of these parts.
    public init(irVersion: Int64, opsets: [ONNXOperatorSet], producerName: String = "", producerVersion: String = "",
                domain: String = "", modelVersion: Int64 = 0, docString: String = "", graph: ONNXGraph,
                metadata: [ONNXKeyValue] = []) {
        self.irVersion = irVersion
        self.opsets = opsets
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.graph = graph
        self.metadata = metadata
    }

    /// The version of the default domain's operator set (`""` or `"ai.onnx"`), nil when absent.
    public var defaultOpset: Int? {
        opsets.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int($0.version) }
    }

    /// The value of metadata entry `key`.
    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// An `OperatorSetIdProto`: the operator set version a model uses from one domain.
public struct ONNXOperatorSet: Equatable, Sendable {
    /// The domain ("" is the default `ai.onnx` domain).
    public var domain: String
    /// The operator set version.
    public var version: Int64
    /// Version `version` of `domain`'s operator set.
    public init(domain: String = "", version: Int64) {
        self.domain = domain
        self.version = version
    }
}

/// A `StringStringEntryProto`: one metadata entry.
public struct ONNXKeyValue: Equatable, Sendable {
    /// The entry's key.
    public var key: String
    /// The entry's value.
    public var value: String
    /// The entry `key` = `value`.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A `GraphProto`: nodes in file order (the standard requires a topological order; the importer
/// checks it), initializers (weights and constants), typed inputs and outputs.
public struct ONNXGraph: Equatable, Sendable {
    /// The graph's name.
    public var name: String
    /// The nodes, in file order.
    public var nodes: [ONNXNode]
    /// Tensors stored in the model (weights, constants).
    public var initializers: [ONNXTensor]
    /// Graph inputs; before IR version 4 the initializers are listed here too.
    public var inputs: [ONNXValueInfo]
    /// The values the graph produces.
    public var outputs: [ONNXValueInfo]
    /// Declared types of intermediate values.
    public var valueInfo: [ONNXValueInfo]
    /// Free-form documentation.
    public var docString: String

    /// A graph of these parts.
    public init(name: String = "", nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [], inputs: [ONNXValueInfo] = [],
                outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = [], docString: String = "") {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
    }
}

/// A `NodeProto`: one operator application.
public struct ONNXNode: Equatable, Sendable {
    /// The node's name (may be empty).
    public var name: String
    /// The operator, e.g. "Conv".
    public var opType: String
    /// The operator's domain ("" is `ai.onnx`).
    public var domain: String
    /// Value names; an empty name is an omitted optional input.
    public var inputs: [String]
    /// The value names the node writes.
    public var outputs: [String]
    /// The node's attributes, in file order.
    public var attributes: [ONNXAttribute]

    /// A node applying `opType`.
    public init(name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [ONNXAttribute] = []) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// The value of the attribute called `name`, if the node has one.
    public func attribute(_ name: String) -> ONNXAttribute.Value? { attributes.first { $0.name == name }?.value }
}

/// An `AttributeProto`, its value typed by the attribute's declared type.
public struct ONNXAttribute: Equatable, Sendable {
    /// The attribute's value, one case per `AttributeType`.
    public indirect enum Value: Equatable, Sendable {
        /// `FLOAT`.
        case float(Float)
        /// `INT`.
        case int(Int64)
        /// `STRING`, as bytes.
        case string([UInt8])
        /// `TENSOR`.
        case tensor(ONNXTensor)
        /// `GRAPH` (a subgraph).
        case graph(ONNXGraph)
        /// `FLOATS`.
        case floats([Float])
        /// `INTS`.
        case ints([Int64])
        /// `STRINGS`, as bytes.
        case strings([[UInt8]])
        /// `TENSORS`.
        case tensors([ONNXTensor])
        /// `GRAPHS`.
        case graphs([ONNXGraph])
        /// A type Graft does not read (sparse tensors, type protos), by its `AttributeType` number.
        case unsupported(type: Int32)
    }

    /// The attribute's name.
    public var name: String
    /// Its typed value.
    public var value: Value

    /// An attribute `name` holding `value`.
    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// A graph input, output or intermediate value's declared type.
public struct ONNXValueInfo: Equatable, Sendable {
    /// One dimension of a declared shape.
    public enum Dimension: Equatable, Sendable {
        /// A fixed size.
        case value(Int)
        /// A symbolic dimension such as "batch_size".
        case parameter(String)
        /// Neither a size nor a symbol.
        case unknown
    }

    /// The value's name.
    public var name: String
    /// The tensor's element type; nil when the value is not a tensor (sequence, map...).
    public var elementType: ONNXDataType?
    /// The shape when declared (nil: rank unknown).
    public var shape: [Dimension]?

    /// A declared value; a float tensor of unknown shape unless told otherwise.
    public init(name: String, elementType: ONNXDataType? = .float, shape: [Dimension]? = nil) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}
