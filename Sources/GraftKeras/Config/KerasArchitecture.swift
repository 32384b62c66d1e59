/// A model config decoded into typed layers, before any weights are attached. Understands the
/// three dialects:
///
/// - Keras 1: `{"class_name": "Sequential", "config": [layer, ...]}` or functional `Model` with
///   inbound nodes `[[["name", 0, 0]]]`;
/// - Keras 2 / tf.keras: Sequential `{"config": {"name": ..., "layers": [...]}}`, functional
///   `Model`/`Functional` with inbound nodes `[[["name", 0, 0, {}]]]`;
/// - Keras 3: `module`/`registered_name` everywhere, dtype policies as objects, inbound nodes
///   `[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["name", 0, 0]}}],
///   "kwargs": {}}]`, single `input_layers` written flat.
struct KerasArchitecture: Sendable {
    /// One decoded layer and the weights its config says it has (nil: unknown, unsupported layer).
    struct Entry: Sendable {
        var layer: KerasLayer
        var weightSpecs: [KerasWeightSpec]?
        /// Present in the config (false for the input Graft adds to a Sequential model without one).
        var inConfig: Bool
        /// What the decoder noticed (unsupported settings, assumed defaults).
        var warnings: [KerasWarning] = []
        /// A model used as a layer, decoded (and itself flattened); nil for ordinary layers. Such
        /// entries exist only until ``inlineNestedModels(_:outputs:keras3Dialect:source:limits:)``
        /// replaces them by their layers.
        var nested: KerasNestedModel? = nil
        /// The original names from the outermost model down to this layer: where the file keeps
        /// its weights (`["mobilenetv2_1.00_96", "block_1_expand"]`). Every copy of a layer of a
        /// nested model called more than once has the same path, so all copies share weights.
        var weightPath: [String] = []
    }

    var source: String
    var name: String
    var modelClass: String
    var kerasVersion: String?
    var backend: String?
    /// In topological order.
    var entries: [Entry]
    /// The layers in the order Keras 3 saves them (`model.layers`: the config's order, without
    /// the leading InputLayer of a Sequential model), nested models as subtrees.
    var keras3SaveOrder: [KerasSaveNode]
    var inputs: [KerasInput]
    var outputs: [KerasConnection]
    var warnings: [KerasWarning]

    static let functionalClasses: Set<String> = ["Model", "Functional"]

    /// Parses config JSON text.
    static func parse(json bytes: [UInt8], source: String, limits: KerasLimits) throws(KerasError) -> KerasArchitecture {
        try parse(JSONReader.parse(bytes, source: source, limits: limits), source: source, limits: limits)
    }

    /// Decodes a parsed config (the whole `model_config` / `config.json` / `to_json()` object, or
    /// the entry of a model used as a layer, at `depth` > 0).
    static func parse(_ root: KerasJSON, source: String, limits: KerasLimits,
                      depth: Int = 0) throws(KerasError) -> KerasArchitecture {
        func fail(_ reason: String) -> KerasError { .invalidModelConfig(source: source, reason: reason) }
        guard depth <= limits.maxModelNesting else {
            throw .limitExceeded(path: source, what: "models nested in models", value: "\(depth)", limit: limits.maxModelNesting)
        }
        guard let rootObject = root.objectValue else { throw fail("the top level is \(root.kindName), expected an object") }
        guard let modelClass = rootObject["class_name"]?.stringValue else { throw fail("no class_name at the top level") }
        guard let config = rootObject["config"], !config.isNull else { throw fail("no config at the top level") }

        let layerList: [KerasJSON]
        let isSequential: Bool
        if let list = config.arrayValue {                           // Keras 1 / early Keras 2 Sequential
            guard modelClass == "Sequential" else { throw fail("\(modelClass) config is a list; only Sequential's may be") }
            layerList = list
            isSequential = true
        } else if let object = config.objectValue {
            guard let list = object["layers"]?.arrayValue else { throw fail("config has no 'layers' list") }
            layerList = list
            if modelClass == "Sequential" {
                isSequential = true
            } else if functionalClasses.contains(modelClass) || object["input_layers"] != nil {
                isSequential = false
            } else {
                throw fail("model class '\(modelClass)' is neither Sequential nor functional")
            }
        } else {
            throw fail("config is \(config.kindName), expected an object or a list")
        }
        guard layerList.count <= limits.maxLayers else {
            throw .limitExceeded(path: source, what: "layer count", value: "\(layerList.count)", limit: limits.maxLayers)
        }
        let name = config["name"]?.stringValue ?? rootObject["name"]?.stringValue ?? (isSequential ? "sequential" : "model")
        // Keras 3 (calls written as objects with `args`) numbers a nested model's calls from 0;
        // Keras 1/2 count the nested model's own construction as its node 0. (tf.keras 2.13+
        // writes `module` too, so that key does not tell them apart.)
        let keras3Dialect = layerList.contains { $0["inbound_nodes"]?.arrayValue?.first?.objectValue != nil }

        var warnings: [KerasWarning] = []
        var entries: [Entry] = []
        var names = Set<String>()
        for (index, item) in layerList.enumerated() {
            let entry = try decodeLayer(item, index: index, functional: !isSequential, source: source, limits: limits,
                                        depth: depth)
            guard names.insert(entry.layer.name).inserted else {
                throw .duplicateLayerName(source: source, layer: entry.layer.name)
            }
            warnings += entry.warnings
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw fail("the model has no layers") }

        var inputs: [KerasInput] = []
        var outputs: [KerasConnection] = []
        var saveOrder = entries.map(\.layer.name)
        var outerOutputs: [KerasConnection] = []
        if isSequential {
            if case .inputLayer = entries[0].layer.configuration {
                saveOrder.removeFirst()
            } else {
                let synthesized = try sequentialInput(first: layerList[0], firstName: entries[0].layer.name,
                                                      root: rootObject, taken: names, source: source)
                entries.insert(synthesized, at: 0)
            }
            for i in 1..<entries.count {
                entries[i].layer.inboundNodes = [KerasInboundNode(inputs: [KerasConnection(layer: entries[i - 1].layer.name)])]
            }
            inputs = [input(of: entries[0].layer)]
            outerOutputs = [KerasConnection(layer: entries[entries.count - 1].layer.name)]
        } else {
            let object = config.objectValue ?? [:]
            let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.layer.name, $0.layer) })
            for connection in try connections(object["input_layers"], what: "input_layers", source: source) {
                guard let layer = byName[connection.layer] else {
                    throw fail("input_layers names unknown layer '\(connection.layer)'")
                }
                inputs.append(input(of: layer))
            }
            outerOutputs = try connections(object["output_layers"], what: "output_layers", source: source)
            for output in outerOutputs where byName[output.layer] == nil {
                throw fail("output_layers names unknown layer '\(output.layer)'")
            }
            guard !outerOutputs.isEmpty else { throw fail("output_layers is empty") }
        }
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.layer.name, $0) })
        // Keras 3 saves `model.layers`, which holds layers only: operations are not in it.
        let saveTree = saveOrder.compactMap { name -> KerasSaveNode? in
            let entry = byName[name]!
            if case .operation = entry.layer.configuration, entry.layer.className != "TFOpLambda" { return nil }
            return entry.saveNode
        }
        outputs = outerOutputs
        for entry in entries { warnings += entry.nested?.architecture.warnings ?? [] }
        entries = try inlineNestedModels(entries, outputs: &outputs, keras3Dialect: keras3Dialect, source: source,
                                         limits: limits)
        for input in inputs where input.shape == nil {
            warnings.append(.inputShapeUnknown(input: input.name))
        }

        let ordered = try topologicalOrder(entries, source: source)
        return KerasArchitecture(
            source: source, name: name, modelClass: modelClass,
            kerasVersion: rootObject["keras_version"]?.stringValue, backend: rootObject["backend"]?.stringValue,
            entries: ordered, keras3SaveOrder: saveTree, inputs: inputs, outputs: outputs,
            warnings: warnings)
    }

    // MARK: - Layers

    private static func decodeLayer(_ item: KerasJSON, index: Int, functional: Bool, source: String,
                                    limits: KerasLimits, depth: Int) throws(KerasError) -> Entry {
        func fail(_ reason: String) -> KerasError {
            .invalidModelConfig(source: source, reason: "layer #\(index): \(reason)")
        }
        guard let object = item.objectValue else { throw fail("is \(item.kindName), expected an object") }
        guard let className = object["class_name"]?.stringValue else { throw fail("has no class_name") }
        let config = object["config"]?.objectValue ?? [:]
        guard let name = object["name"]?.stringValue ?? config["name"]?.stringValue, !name.isEmpty else {
            throw fail("\(className) has no name")
        }
        var trainable = true
        if let value = config["trainable"], !value.isNull {
            guard case .bool(let flag) = value else {
                throw .invalidLayerConfig(source: source, layer: name, field: "trainable", reason: "expected true or false")
            }
            trainable = flag
        }
        let inbound = functional ? try inboundNodes(object["inbound_nodes"], layer: name,
                                                      tfOperation: className == "TFOpLambda", source: source) : []
        let keras3Call = object["inbound_nodes"]?.arrayValue?.first?.objectValue != nil
        if let operation = operation(className: className, module: object["module"]?.stringValue, config: config,
                                     keras3Call: keras3Call) {
            let layer = KerasLayer(name: name, className: className, configuration: .operation(operation),
                                   inboundNodes: inbound, trainable: trainable)
            return Entry(layer: layer, weightSpecs: [], inConfig: true, weightPath: [name])
        }
        if isModel(className: className, config: config) {
            let inner = try parse(item, source: "\(source) > \(name)", limits: limits, depth: depth + 1)
            let layer = KerasLayer(name: name, className: className,
                                   configuration: .unsupported(className: className, rawJSON: "{}"),
                                   inboundNodes: inbound, trainable: trainable)
            return Entry(layer: layer, weightSpecs: nil, inConfig: true, nested: KerasNestedModel(inner), weightPath: [name])
        }
        let decoded = try KerasLayerDecoders.decode(className: className, layerName: name, config: config,
                                                    rawJSON: object["config"] ?? .null, source: source)
        let layer = KerasLayer(name: name, className: className, configuration: decoded.configuration,
                               inboundNodes: inbound, weights: [], trainable: trainable, dtype: dtypeName(config["dtype"]))
        return Entry(layer: layer, weightSpecs: layer.isSupported ? decoded.weights : nil, inConfig: true,
                     warnings: decoded.warnings, weightPath: [name])
    }

    /// An operation recorded as a node: a Keras 3 op (`module` `keras.src.ops.numpy`, class `Add`)
    /// or a tf.keras `TFOpLambda` (`function` `__operators__.add`, `math.multiply`, `nn.relu6`).
    private static func operation(className: String, module: String?, config: [String: KerasJSON],
                                  keras3Call: Bool) -> KerasOperation? {
        if let module, module.hasPrefix("keras.src.ops") || module.hasPrefix("keras.ops") {
            return KerasOperation(function: KerasOperation.function(named: className), recordedName: className)
        }
        // Keras 3's legacy `.h5` drops `module`; an operation's config is then its name alone,
        // where every layer's has `trainable` and `dtype` too.
        if module == nil, !config.isEmpty, config.keys.allSatisfy({ $0 == "name" }), keras3Call {
            return KerasOperation(function: KerasOperation.function(named: className), recordedName: className)
        }
        if className == "TFOpLambda", let function = config["function"]?.stringValue {
            return KerasOperation(function: KerasOperation.function(named: function), recordedName: function)
        }
        return nil
    }

    /// A model used as a layer: Sequential, Functional, Keras 1/2 `Model`, or a subclass that
    /// saved a functional config (a `layers` list with `input_layers`).
    private static func isModel(className: String, config: [String: KerasJSON]) -> Bool {
        if ["Sequential", "Functional", "Model"].contains(className) { return true }
        return config["layers"]?.arrayValue != nil && config["input_layers"] != nil && config["output_layers"] != nil
    }

    /// "float32" from `"float32"` or from a dtype policy object `{"config": {"name": "float32"}}`.
    private static func dtypeName(_ value: KerasJSON?) -> String? {
        guard let value else { return nil }
        if let name = value.stringValue { return name }
        return value["config"]?["name"]?.stringValue
    }

    /// The input a Sequential model without an InputLayer gets: named like Keras 2 names it, shaped
    /// from the first layer's `batch_input_shape` or Keras 3's root `build_config`.
    private static func sequentialInput(first: KerasJSON, firstName: String, root: [String: KerasJSON],
                                        taken: Set<String>, source: String) throws(KerasError) -> Entry {
        var fields: [String: KerasJSON] = [:]
        var firstConfig = first["config"]?.objectValue ?? [:]
        // A model as the first layer (`Sequential([base, pooling, dense])`): its input's shape.
        if let className = first["class_name"]?.stringValue, isModel(className: className, config: firstConfig),
           let innerFirst = firstConfig["layers"]?.arrayValue?.first?["config"]?.objectValue {
            firstConfig = innerFirst
        }
        for key in ["batch_input_shape", "batch_shape", "dtype", "input_dtype"] {
            if let value = firstConfig[key] { fields[key] = value }
        }
        if fields["batch_input_shape"] == nil, fields["batch_shape"] == nil,
           let shape = root["build_config"]?["input_shape"], !shape.isNull {
            fields["batch_shape"] = shape
        }
        if let dtype = fields["dtype"], dtype.stringValue == nil { fields["dtype"] = dtypeName(dtype).map { .string($0) } }
        var name = "\(firstName)_input"
        while taken.contains(name) { name += "_" }
        let decoded = try KerasLayerDecoders.decode(className: "InputLayer", layerName: name, config: fields,
                                                    rawJSON: .object(fields), source: source)
        let layer = KerasLayer(name: name, className: "InputLayer", configuration: decoded.configuration,
                               dtype: fields["dtype"]?.stringValue)
        return Entry(layer: layer, weightSpecs: [], inConfig: false, weightPath: [name])
    }

    private static func input(of layer: KerasLayer) -> KerasInput {
        guard case .inputLayer(let config) = layer.configuration else {
            return KerasInput(name: layer.name, shape: nil)
        }
        return KerasInput(name: layer.name, shape: config.shape, batchSize: config.batchSize, dtype: config.dtype)
    }

    // MARK: - Connections

    /// Inbound nodes in any of the three dialects.
    /// - Parameter tfOperation: The layer is a tf.keras `TFOpLambda`, whose second operand is in
    ///   the call's kwargs.
    private static func inboundNodes(_ value: KerasJSON?, layer: String, tfOperation: Bool,
                                     source: String) throws(KerasError) -> [KerasInboundNode] {
        func fail(_ reason: String) -> KerasError {
            .invalidModelConfig(source: source, reason: "layer '\(layer)' inbound_nodes: \(reason)")
        }
        guard let value, !value.isNull else { return [] }
        guard let nodes = value.arrayValue else { throw fail("is \(value.kindName), expected a list") }
        var result: [KerasInboundNode] = []
        for node in nodes {
            if node.objectValue != nil {                            // Keras 3
                var found: [KerasConnection] = []
                try collectKerasTensors(node["args"], into: &found, fail: fail)
                try collectKerasTensors(node["kwargs"], into: &found, fail: fail)
                let arguments: [KerasCallArgument] = (node["args"]?.arrayValue ?? []).map { argument in
                    if argument["class_name"]?.stringValue == "__keras_tensor__" { return .tensor }
                    if case .number(let value) = argument { return .number(value) }
                    return .other
                }
                result.append(KerasInboundNode(inputs: found, arguments: arguments))
            } else if let entries = node.arrayValue {              // Keras 1/2
                if tfOperation, let call = try tfOpCall(node, fail: fail) {
                    result.append(call)
                } else if tfOperation, entries.count == 1, let call = try tfOpCall(entries[0], fail: fail) {
                    result.append(call)
                } else if entries.first?.stringValue != nil {      // a single connection written flat
                    result.append(KerasInboundNode(inputs: [try connection(node, fail: fail)]))
                } else {
                    var inputs: [KerasConnection] = []
                    for entry in entries { inputs.append(try connection(entry, fail: fail)) }
                    result.append(KerasInboundNode(inputs: inputs))
                }
            } else {
                throw fail("a node is \(node.kindName), expected a list or an object")
            }
        }
        return result
    }

    /// A tf.keras `TFOpLambda` call with a second operand in its kwargs: `["x", 0, 0, {"y": 3.0}]`,
    /// `{"y": ["b", 0, 0]}`, or a constant first operand `["_CONSTANT_VALUE", -1, 2.0, {"y": ...}]`.
    /// Nil for anything else.
    private static func tfOpCall(_ value: KerasJSON, fail: (String) -> KerasError) throws(KerasError) -> KerasInboundNode? {
        guard let call = value.arrayValue, call.count >= 4, call[0].stringValue != nil,
              let kwargs = call[3].objectValue, let y = kwargs["y"] else { return nil }
        var inputs: [KerasConnection] = []
        var arguments: [KerasCallArgument] = []
        if call[0].stringValue == "_CONSTANT_VALUE" {
            guard case .number(let constant) = call[2] else { throw fail("a constant operand that is not a number") }
            arguments.append(.number(constant))
        } else {
            inputs.append(try connection(value, fail: fail))
            arguments.append(.tensor)
        }
        if case .number(let constant) = y {
            arguments.append(.number(constant))
        } else if y.arrayValue?.first?.stringValue != nil {
            inputs.append(try connection(y, fail: fail))
            arguments.append(.tensor)
        } else if !y.isNull {
            arguments.append(.other)
        }
        return KerasInboundNode(inputs: inputs, arguments: arguments)
    }

    /// `["name", node, tensor, {kwargs}?]` (extra elements are call arguments, ignored).
    private static func connection(_ value: KerasJSON, fail: (String) -> KerasError) throws(KerasError) -> KerasConnection {
        guard let items = value.arrayValue, items.count >= 3, let name = items[0].stringValue,
              let node = items[1].intValue, let tensor = items[2].intValue, node >= 0, tensor >= 0 else {
            throw fail("expected [\"layer\", node, tensor], found \(value.compactText.prefix(80))")
        }
        return KerasConnection(layer: name, nodeIndex: node, tensorIndex: tensor)
    }

    /// Every `__keras_tensor__` in a Keras 3 call's arguments, depth first, in order.
    private static func collectKerasTensors(_ value: KerasJSON?, into found: inout [KerasConnection],
                                            fail: (String) -> KerasError) throws(KerasError) {
        guard let value else { return }
        switch value {
        case .array(let items):
            for item in items { try collectKerasTensors(item, into: &found, fail: fail) }
        case .object(let object):
            if object["class_name"]?.stringValue == "__keras_tensor__" {
                guard let history = object["config"]?["keras_history"] else { throw fail("a tensor without keras_history") }
                found.append(try connection(history, fail: fail))
            } else {
                for key in object.keys.sorted() { try collectKerasTensors(object[key], into: &found, fail: fail) }
            }
        default: break
        }
    }

    /// `input_layers` / `output_layers`: a list of `[name, node, tensor]`, or (Keras 3, one
    /// tensor) a single one written flat.
    private static func connections(_ value: KerasJSON?, what: String, source: String) throws(KerasError) -> [KerasConnection] {
        func fail(_ reason: String) -> KerasError { .invalidModelConfig(source: source, reason: "\(what): \(reason)") }
        guard let value, let items = value.arrayValue else { throw fail("missing or not a list") }
        if items.first?.stringValue != nil { return [try connection(value, fail: fail)] }
        var result: [KerasConnection] = []
        for item in items { result.append(try connection(item, fail: fail)) }
        return result
    }

    // MARK: - Order

    /// Orders layers so that each comes after every layer it reads, keeping the config's order
    /// where the connections allow (depth-first, iterative: no recursion on deep models).
    private static func topologicalOrder(_ entries: [Entry], source: String) throws(KerasError) -> [Entry] {
        let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.layer.name, $0) })
        var dependencies: [[Int]] = []
        for entry in entries {
            var deps: [Int] = []
            for node in entry.layer.inboundNodes {
                for input in node.inputs {
                    guard let i = index[input.layer] else {
                        throw .unknownInboundLayer(source: source, layer: entry.layer.name, inbound: input.layer)
                    }
                    deps.append(i)
                }
            }
            dependencies.append(deps)
        }
        enum Mark { case unvisited, inProgress, done }
        var marks = [Mark](repeating: .unvisited, count: entries.count)
        var order: [Int] = []
        for start in entries.indices where marks[start] == .unvisited {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            marks[start] = .inProgress
            while let (node, next) = stack.last {
                if next < dependencies[node].count {
                    stack[stack.count - 1].next += 1
                    let dep = dependencies[node][next]
                    switch marks[dep] {
                    case .unvisited:
                        marks[dep] = .inProgress
                        stack.append((dep, 0))
                    case .inProgress:
                        let cycle = stack.map(\.node).drop { $0 != dep }.map { entries[$0].layer.name }
                        throw .cycle(source: source, layers: cycle)
                    case .done: break
                    }
                } else {
                    marks[node] = .done
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        return order.map { entries[$0] }
    }
}
