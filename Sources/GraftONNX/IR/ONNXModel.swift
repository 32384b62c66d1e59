/// An ONNX model as plain Swift values: what `onnx.proto`'s `ModelProto` holds that Graft reads
/// or writes. The interop layer (``ONNXReader``, ``ONNXWriter``) is the only code that touches
/// protobuf-c; importer and exporter work on these values.
public struct ONNXModel: Equatable, Sendable {
    public var irVersion: Int64
    /// Operator sets by domain ("" is the default `ai.onnx` domain).
    public var opsets: [ONNXOperatorSet]
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int64
    public var docString: String
    public var graph: ONNXGraph
    /// `metadata_props`, in file order.
    public var metadata: [ONNXKeyValue]

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

public struct ONNXOperatorSet: Equatable, Sendable {
    public var domain: String
    public var version: Int64
    public init(domain: String = "", version: Int64) {
        self.domain = domain
        self.version = version
    }
}

public struct ONNXKeyValue: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A `GraphProto`: nodes in file order (the standard requires a topological order; the importer
/// checks it), initializers (weights and constants), typed inputs and outputs.
public struct ONNXGraph: Equatable, Sendable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    /// Graph inputs; before IR version 4 the initializers are listed here too.
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    public var valueInfo: [ONNXValueInfo]
    public var docString: String

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
    public var name: String
    public var opType: String
    public var domain: String
    /// Value names; an empty name is an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    public init(name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [ONNXAttribute] = []) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    public func attribute(_ name: String) -> ONNXAttribute.Value? { attributes.first { $0.name == name }?.value }
}

/// An `AttributeProto`, its value typed by the attribute's declared type.
public struct ONNXAttribute: Equatable, Sendable {
    public indirect enum Value: Equatable, Sendable {
        case float(Float)
        case int(Int64)
        case string([UInt8])
        case tensor(ONNXTensor)
        case graph(ONNXGraph)
        case floats([Float])
        case ints([Int64])
        case strings([[UInt8]])
        case tensors([ONNXTensor])
        case graphs([ONNXGraph])
        /// A type Graft does not read (sparse tensors, type protos), by its `AttributeType` number.
        case unsupported(type: Int32)
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// A graph input, output or intermediate value's declared type.
public struct ONNXValueInfo: Equatable, Sendable {
    public enum Dimension: Equatable, Sendable {
        case value(Int)
        /// A symbolic dimension such as "batch_size".
        case parameter(String)
        case unknown
    }

    public var name: String
    /// The tensor's element type; nil when the value is not a tensor (sequence, map...).
    public var elementType: ONNXDataType?
    /// The shape when declared (nil: rank unknown).
    public var shape: [Dimension]?

    public init(name: String, elementType: ONNXDataType? = .float, shape: [Dimension]? = nil) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}
