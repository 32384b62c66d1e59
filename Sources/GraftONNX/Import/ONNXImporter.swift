import Foundation
public import GraftCore
import GraftIO

/// An ONNX model imported into Graft: the model, and what the import tolerated.
public struct ONNXImport: Sendable {
    /// The imported model.
    public var model: Model
    /// Everything the caller should hear about (also in the model's provenance notes).
    public var warnings: [String]
    /// Nodes kept opaque, as "name (OpType)".
    public var opaqueNodes: [String]
}

/// Turns ONNX models into Graft models.
///
/// ```swift
/// let imported = try ONNXImporter.importModel(path: "resnet18.onnx")
/// try NativeWriter.write(imported.model, to: "resnet18.graft")
/// ```
///
/// - The graph is **checked** first: every value a node reads is a graph input, an initializer
///   or another node's output; no value is produced twice; no cycle. Nodes out of topological
///   order are reordered (a warning).
/// - **Constants are folded**: initializers, `Constant`, `ConstantOfShape`, and the
///   `Shape → Gather → Unsqueeze → Concat → Reshape` chains exporters emit, evaluated from the
///   static shapes Graft knows.
/// - Each operator type goes through its mapper (`ONNXMappers.all`), opsets 6 to 28; unknown
///   operators become opaque nodes that keep their attributes and initializers (an error with
///   `strict`).
/// - Weights stored as external data are read from the model's folder, never outside it.
public enum ONNXImporter {
    /// The default-domain operator sets the mappers implement: 7 to 28, and 6 (the `onnx`
    /// package's PyTorch-converted test cases), whose arithmetic has the legacy `broadcast`/`axis`.
    /// Every version after 21 of every mapped operator (onnx 1.23's schemas, opsets 22 to 28) only
    /// adds element types (bfloat16, 4-bit, float8) with the same attributes and inputs, except
    /// Cast's `round_mode`, which applies to float8 targets only; an operator that gains a
    /// version later is still mapped by what its mapper checks (attributes and inputs by name).
    public static let supportedOpsets: ClosedRange<Int> = 6...28

    /// Reads and imports `path`.
    ///
    /// - Throws: ``ONNXError`` naming the file and the node, tensor or attribute at fault.
    public static func importModel(path: String, options: ONNXImportOptions = ONNXImportOptions()) throws(ONNXError) -> ONNXImport {
        let model = try ONNXReader.read(path: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var sources: [Provenance.SourceFile] = []
        do {
            sources.append(try FileDigest.sourceFile(path: path))
            var hashed = Set<String>()
            for t in model.graph.initializers {
                guard case .external(let e) = t.data else { continue }
                let resolved = try ONNXTensor.resolve(e.location, in: folder) { reason in
                    .invalidExternalData(file: path, tensor: t.name, reason: reason)
                }
                if hashed.insert(resolved).inserted, FileManager.default.fileExists(atPath: resolved) {
                    sources.append(try FileDigest.sourceFile(path: resolved))
                }
            }
        } catch let error as NumPyError {
            throw .io(file: path, reason: "\(error)")
        } catch let error as ONNXError {
            throw error
        } catch {
            throw .io(file: path, reason: "\(error)")
        }
        return try importModel(model, file: path, folder: folder, sources: sources, options: options)
    }

    /// Imports a model already read; `folder` is where its external data lives.
    public static func importModel(_ model: ONNXModel, file: String, folder: String? = nil, sources: [Provenance.SourceFile] = [],
                                   options: ONNXImportOptions = ONNXImportOptions()) throws(ONNXError) -> ONNXImport {
        let builder = try ONNXGraphBuilder(model, file: file, folder: folder, options: options)
        try builder.build()
        return try builder.finish(sources: sources)
    }
}

/// A value of the ONNX graph as the import sees it: a Graft value (with its shape, nil after an
/// opaque node) or a constant known at import time.
enum ONNXOperand {
    case value(String)
    case constant(ONNXConstant)
}

/// The state of one import: walks the nodes in topological order, keeping the map from ONNX
/// value to what it is in Graft.
final class ONNXGraphBuilder {
    let model: ONNXModel
    let file: String
    let folder: String?
    let options: ONNXImportOptions
    let opset: Int
    var inputs: [GraphInput] = []
    var nodes: [Node] = []
    var weights: [String: Tensor] = [:]
    var warnings: [String] = []
    var opaque: [String] = []
    var operands: [String: ONNXOperand] = [:]
    /// Graft value → shape (nil: unknown, downstream of an opaque node).
    var shapes: [String: Shape?] = [:]
    var nodeNames = Set<String>()
    /// Constant ONNX value → the Graft Constant node's value that holds it.
    var materialized: [String: String] = [:]
    /// The nodes in the order they are imported, with their generated names.
    var order: [(node: ONNXNode, name: String)] = []
    /// ONNX values some node or the graph output reads.
    var consumed = Set<String>()
    /// Parameters that implement fixed arithmetic (nearest upsampling's ones), frozen for training.
    var frozen = Set<String>()

    init(_ model: ONNXModel, file: String, folder: String?, options: ONNXImportOptions) throws(ONNXError) {
        var model = model
        let (nodes, fused) = ONNXPatterns.fuseErfGelu(model.graph)
        model.graph.nodes = nodes
        self.model = model
        self.file = file
        self.folder = folder
        self.options = options
        guard let opset = model.defaultOpset else { throw .invalidGraph(file: file, node: "<model>", reason: "the model imports no default-domain operator set") }
        guard ONNXImporter.supportedOpsets.contains(opset) else { throw .unsupportedOpset(opset, supported: ONNXImporter.supportedOpsets) }
        self.opset = opset
        try declareValues()
        try sortNodes()
        if fused > 0 { warnings.append("\(fused) Erf-based GELU chain(s) (Div, Erf, Add, Mul, Mul) imported as GELU") }
    }

    // MARK: - Graph inputs, initializers, structure

    func declareValues() throws(ONNXError) {
        let g = model.graph
        for var t in g.initializers {
            guard operands[t.name] == nil else { throw .invalidGraph(file: file, node: "<initializers>", reason: "initializer '\(t.name)' is declared twice") }
            if case .external = t.data {
                guard let folder else { throw .invalidExternalData(file: file, tensor: t.name, reason: "the model's folder is unknown") }
                t = try t.loadingExternalData(folder: folder, modelFile: file)
            }
            operands[t.name] = .constant(try constant(t))
        }
        // Before IR version 4 every initializer is also listed as an input: those are not model inputs.
        let declared = g.inputs.filter { operands[$0.name] == nil }
        if options.inputShape != nil, declared.count != 1 {
            throw .unsupported(file: file, node: "<inputs>", reason: "an input shape override sets one input, but the graph has \(declared.count)")
        }
        for input in declared {
            guard !input.name.isEmpty else { throw .invalidGraph(file: file, node: "<inputs>", reason: "a graph input has no name") }
            guard shapes[input.name] == nil else { throw .invalidGraph(file: file, node: "<inputs>", reason: "input '\(input.name)' is declared twice") }
            if let t = input.elementType, t != .float, t != .float16, t != .double {
                throw .unsupported(file: file, node: input.name, reason: "graph input of type \(t); Graft computes in float")
            }
            var dims: [Int] = []
            if let shape = options.inputShape {
                guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
                    throw .unsupported(file: file, node: input.name, reason: "input shape \(shape) must be positive dims")
                }
                dims = shape
            } else {
                guard let declaredShape = input.shape, !declaredShape.isEmpty else {
                    throw .unsupported(file: file, node: input.name, reason: "input '\(input.name)' declares no shape; give one with --input-shape N,C,H,W")
                }
                for (i, d) in declaredShape.enumerated() {
                    switch d {
                    case .value(let v) where v >= 1: dims.append(v)
                    case _ where i == 0: dims.append(options.batchSize)
                    default:
                        throw .unsupported(file: file, node: input.name, reason: "input '\(input.name)' has symbolic or empty dimension \(i) (\(d)); give its shape with --input-shape")
                    }
                }
            }
            let shape = Shape(dims)
            guard shape.checkedElementCount != nil else { throw .unsupported(file: file, node: input.name, reason: "input shape \(shape) overflows") }
            inputs.append(GraphInput(name: input.name, shape: shape))
            operands[input.name] = .value(input.name)
            shapes[input.name] = shape
        }
    }

    /// Orders the nodes so every value is produced before it is read; refuses undefined values,
    /// values produced twice and cycles.
    func sortNodes() throws(ONNXError) {
        let g = model.graph
        var producer: [String: Int] = [:]
        var generated = Set<String>()
        var names: [String] = []
        for (index, node) in g.nodes.enumerated() {
            var name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            if generated.contains(name) {
                var n = 2
                while generated.contains("\(name)#\(n)") { n += 1 }
                name = "\(name)#\(n)"
            }
            generated.insert(name)
            names.append(name)
            for output in node.outputs where !output.isEmpty {
                if operands[output] != nil {
                    throw .invalidGraph(file: file, node: name, reason: "output '\(output)' is already a graph input or initializer")
                }
                if let other = producer[output] {
                    throw .invalidGraph(file: file, node: name, reason: "output '\(output)' is already produced by node '\(names[other])'")
                }
                producer[output] = index
            }
        }
        var dependents: [[Int]] = Array(repeating: [], count: g.nodes.count)
        var pending = [Int](repeating: 0, count: g.nodes.count)
        for (index, node) in g.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty && operands[input] == nil {
                guard let p = producer[input] else {
                    throw .invalidGraph(file: file, node: names[index], reason: "reads value '\(input)', which no node, graph input or initializer defines")
                }
                dependents[p].append(index)
                pending[index] += 1
            }
        }
        // Kahn's algorithm, always taking the earliest ready node: file order when it is topological.
        var ready = (0..<g.nodes.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var sorted: [Int] = []
        while let next = ready.popLast() {
            sorted.append(next)
            for d in dependents[next] {
                pending[d] -= 1
                if pending[d] == 0 {
                    let at = ready.firstIndex { $0 < d } ?? ready.endIndex
                    ready.insert(d, at: at)
                }
            }
        }
        if sorted.count < g.nodes.count {
            let stuck = (0..<g.nodes.count).first { pending[$0] > 0 }!
            throw .invalidGraph(file: file, node: names[stuck], reason: "the graph has a cycle through this node")
        }
        if sorted != Array(0..<g.nodes.count) {
            warn("the nodes are not in topological order (the ONNX standard requires it); Graft reordered them")
        }
        order = sorted.map { (g.nodes[$0], names[$0]) }
        consumed = Set(g.nodes.flatMap(\.inputs) + g.outputs.map(\.name))
    }

    func constant(_ t: ONNXTensor) throws(ONNXError) -> ONNXConstant {
        guard let count = t.elementCount else { throw .invalidTensor(file: file, tensor: t.name, reason: "dims \(t.dims) overflow") }
        switch t.data {
        case .floats(let v):
            guard v.count == count else { throw .invalidTensor(file: file, tensor: t.name, reason: "holds \(v.count) values; dims \(t.dims) need \(count)") }
            return ONNXConstant(dims: t.dims, floats: v)
        case .integers(let v):
            guard v.count == count else { throw .invalidTensor(file: file, tensor: t.name, reason: "holds \(v.count) values; dims \(t.dims) need \(count)") }
            return ONNXConstant(dims: t.dims, integers: v)
        case .strings:
            throw .unsupported(file: file, node: t.name, reason: "string tensors are not supported")
        case .external:
            throw .invalidExternalData(file: file, tensor: t.name, reason: "external data not loaded")
        }
    }

    func warn(_ message: String) { warnings.append(message) }

    // MARK: - Nodes

    func build() throws(ONNXError) {
        for (node, name) in order { try add(node, name: name) }
    }

    func add(_ node: ONNXNode, name: String) throws(ONNXError) {
        guard let first = node.outputs.first, !first.isEmpty else { throw .invalidGraph(file: file, node: name, reason: "the node has no (first) output") }
        let context = ONNXNodeContext(node: node, name: name, builder: self)
        let mapper = (node.domain.isEmpty || node.domain == "ai.onnx") ? ONNXMappers.byType[node.opType] : nil
        let present = node.inputs.map { $0.isEmpty ? nil : operands[$0] }
        let constants = present.map { operand -> ONNXConstant? in if case .constant(let c)? = operand { c } else { nil } }
        let allConstant = zip(node.inputs, constants).allSatisfy { $0.0.isEmpty || $0.1 != nil }
        if let mapper {
            if allConstant, let folded = try mapper.fold(context, constants) {
                for (output, value) in zip(node.outputs, folded) where !output.isEmpty {
                    guard value.count <= options.maxConstantElements else {
                        throw .unsupported(file: file, node: name, reason: "folds to \(value.count) elements, more than the limit of \(options.maxConstantElements)")
                    }
                    operands[output] = .constant(value)
                }
                return
            }
            let unknown = present.contains { if case .value(let v)? = $0 { shapes[v] == nil || shapes[v]! == nil } else { false } }
            if !mapper.foldsOnly && !unknown {
                do { try mapper.map(context) } catch {
                    // A setting Graft cannot compute: kept opaque with the reason, unless strict.
                    guard case .unsupported(_, _, let reason) = error, !options.strict else { throw error }
                    try addOpaque(node, name: name, reason: reason)
                    return
                }
                for output in node.outputs.prefix(1) where !output.isEmpty && operands[output] == nil {
                    throw .invalidGraph(file: file, node: name, reason: "the \(node.opType) mapper left output '\(output)' undefined")
                }
                return
            }
            try addOpaque(node, name: name, reason: unknown ? "an input's shape is unknown after an opaque node"
                          : "\(node.opType) is imported only when its inputs are constants")
            return
        }
        try addOpaque(node, name: name, reason: "operator \(node.domain.isEmpty ? "" : node.domain + ".")\(node.opType) has no Graft mapping")
    }

    /// A node Graft cannot map, kept whole: its graph-value inputs, constant inputs as parameters,
    /// attributes as JSON.
    func addOpaque(_ node: ONNXNode, name: String, reason: String) throws(ONNXError) {
        if options.strict { throw .unsupported(file: file, node: name, reason: "\(reason) (strict import refuses opaque nodes)") }
        var inputs: [String] = []
        var parameters: [(String, Tensor)] = []
        for (i, input) in node.inputs.enumerated() where !input.isEmpty {
            switch operands[input] {
            case .value(let v): inputs.append(v)
            case .constant(let c): parameters.append(("input\(i)", c.tensor))
            case nil: throw .invalidGraph(file: file, node: name, reason: "reads value '\(input)', which is not defined")
            }
        }
        let outputs = node.outputs.filter { !$0.isEmpty }.map { uniqueValue($0) }
        let op = Op.opaque(Opaque(framework: "onnx", type: node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)",
                                  rawParameters: ONNXAttributeText.json(node.attributes)))
        let graftNode = Node(name: uniqueNode(name), op: op, inputs: inputs, outputs: outputs,
                             parameters: parameters.map { ParameterSpec($0.0, $0.1.shape) })
        for (p, t) in parameters { weights[graftNode.tensorName(p)] = t }
        nodes.append(graftNode)
        for (onnxName, value) in zip(node.outputs.filter { !$0.isEmpty }, outputs) {
            operands[onnxName] = .value(value)
            shapes[value] = .some(nil)
        }
        opaque.append("\(graftNode.name) (\(node.opType))")
        warn("node '\(graftNode.name)' (\(node.opType)) kept opaque: \(reason)")
    }

    func uniqueNode(_ name: String) -> String {
        var candidate = name
        var n = 2
        while nodeNames.contains(candidate) {
            candidate = "\(name)#\(n)"
            n += 1
        }
        nodeNames.insert(candidate)
        return candidate
    }

    func uniqueValue(_ name: String) -> String {
        var candidate = name
        var n = 2
        while shapes[candidate] != nil {
            candidate = "\(name)#\(n)"
            n += 1
        }
        return candidate
    }

    /// Appends a Graft node after checking its parameters and computing its output shapes.
    func append(name: String, op: Op, inputs: [String], outputs: [String], parameters: [(String, Tensor)],
                onnxNode: String) throws(ONNXError) -> [Shape] {
        let inputShapes = inputs.map { shapes[$0]!! }
        let outputShapes: [Shape]
        let expected: [ParameterSpec]
        do {
            outputShapes = try op.outputShapes(for: inputShapes.isEmpty ? [[]] : inputShapes, outputCount: outputs.count)
            expected = try op.expectedParameters(for: inputShapes.isEmpty ? [[]] : inputShapes) ?? []
        } catch {
            throw .unsupported(file: file, node: onnxNode, reason: error.reason)
        }
        let actual = parameters.map { ParameterSpec($0.0, $0.1.shape) }
        guard expected == actual else {
            throw .invalidGraph(file: file, node: onnxNode, reason: "parameters \(actual.map { "\($0.name) \($0.shape)" }) do not fit \(expected.map { "\($0.name) \($0.shape)" })")
        }
        for shape in outputShapes where shape.checkedElementCount == nil || shape.dims.contains(where: { $0 < 1 }) {
            throw .unsupported(file: file, node: onnxNode, reason: "output shape \(shape) is empty or overflows")
        }
        let node = Node(name: uniqueNode(name), op: op, inputs: inputs, outputs: outputs, parameters: actual)
        for (p, t) in parameters { weights[node.tensorName(p)] = t }
        nodes.append(node)
        for (value, shape) in zip(outputs, outputShapes) { shapes[value] = shape }
        return outputShapes
    }

    /// The Graft value holding constant `onnxName` (a Constant node, made once).
    func materialize(_ c: ONNXConstant, onnxName: String) throws(ONNXError) -> String {
        if let value = materialized[onnxName] { return value }
        let name = uniqueValue(onnxName.isEmpty ? "constant" : onnxName)
        let tensor = c.tensor
        _ = try append(name: name, op: .constant(Constant(shape: tensor.shape)), inputs: [], outputs: [name],
                       parameters: [("value", tensor)], onnxNode: onnxName)
        materialized[onnxName] = name
        return name
    }

    // MARK: - Finishing

    func finish(sources: [Provenance.SourceFile]) throws(ONNXError) -> ONNXImport {
        var outputs: [String] = []
        for output in model.graph.outputs {
            switch operands[output.name] {
            case .value(let v): outputs.append(v)
            case .constant(let c): outputs.append(try materialize(c, onnxName: output.name))
            case nil: throw .invalidGraph(file: file, node: "<outputs>", reason: "graph output '\(output.name)' is not produced by any node")
            }
        }
        guard !inputs.isEmpty else { throw .unsupported(file: file, node: "<inputs>", reason: "the graph has no input that is not an initializer") }
        // Nodes nothing reads and that are no output (folded shape computations leave none; a
        // dropped training output may) are removed, so the graph holds what computes the outputs.
        var needed = Set(outputs)
        var kept: [Node] = []
        for node in nodes.reversed() where node.outputs.contains(where: needed.contains) {
            kept.append(node)
            needed.formUnion(node.inputs)
        }
        let removed = Set(nodes.map(\.name)).subtracting(kept.map(\.name))
        for node in nodes where removed.contains(node.name) {
            for p in node.parameters { weights[node.tensorName(p.name)] = nil }
        }
        let graph = Graph(name: model.graph.name, inputs: inputs, nodes: kept.reversed(), outputs: outputs)
        do { _ = try graph.inferShapesPartially() } catch {
            throw .invalidGraph(file: file, node: "<graph>", reason: error.description)
        }
        var notes = ["producer \(model.producerName.isEmpty ? "unknown" : model.producerName) \(model.producerVersion)".trimmingCharacters(in: .whitespaces)]
        var preprocessing: Preprocessing?
        if let text = model.metadata(ONNXExporter.MetadataKey.preprocessing) {
            do { preprocessing = try MetadataDocument.decode(Preprocessing.self, from: text) } catch {
                warn("metadata graft.preprocessing is not Graft preprocessing JSON (\(error)); ignored")
            }
        }
        if options.mean != nil || options.scale != nil, let input = inputs.first {
            var p = preprocessing ?? Preprocessing(input: input.name, inputShape: input.shape, channelOrder: .rgb, valueRange: [0, 255], steps: [])
            p.steps = (options.mean.map { [.subtract($0)] } ?? []) + (options.scale.map { [.multiply($0)] } ?? [])
            preprocessing = p
            notes.append("preprocessing steps given on the command line")
        }
        if var p = preprocessing, let input = inputs.first(where: { $0.name == p.input }) ?? inputs.first {
            p.input = input.name
            p.inputShape = input.shape
            preprocessing = p
        }
        var training: TrainingMetadata?
        if let text = model.metadata(ONNXExporter.MetadataKey.training) {
            do {
                var t = try MetadataDocument.decode(TrainingMetadata.self, from: text)
                // Keys name Graft tensors, which the exporter writes as initializers of the same
                // names; the importer may name the nodes differently (the exporter makes node names
                // unique against value names), so a key follows its initializer's values.
                for key in t.parameters.keys where weights[key] == nil {
                    guard case .constant(let c)? = operands[key], let match = weightKey(holding: c) else { continue }
                    t.parameters[match] = t.parameters[key]
                    t.parameters[key] = nil
                }
                let unknown = t.parameters.keys.filter { weights[$0] == nil }
                if !unknown.isEmpty { warn("graft.training names \(unknown.count) tensor(s) the imported graph does not have; their settings are dropped") }
                for key in unknown { t.parameters[key] = nil }
                t.checkpoint = nil
                training = t
            } catch {
                warn("metadata graft.training is not Graft training JSON (\(error)); ignored")
            }
        }
        for key in frozen.sorted() where weights[key] != nil {
            var t = training ?? TrainingMetadata()
            t.parameters[key] = TrainingMetadata.ParameterSettings(learningRateMultiplier: 0, decayMultiplier: 0, frozen: true)
            training = t
        }
        if let text = model.metadata(ONNXExporter.MetadataKey.provenance),
           let earlier = try? MetadataDocument.decode(Provenance.self, from: text) {
            notes.append("exported by \(earlier.converter) from \(earlier.sourceFormat) \(earlier.sourceVersion)".trimmingCharacters(in: .whitespaces)
                         + (earlier.sourceFiles.isEmpty ? "" : " (" + earlier.sourceFiles.map { "\($0.name) sha256 \($0.sha256)" }.joined(separator: ", ") + ")"))
        }
        notes += warnings
        let provenance = Provenance(sourceFormat: "onnx", sourceVersion: "IR \(model.irVersion), opset \(opset)",
                                    sourceFiles: sources, notes: notes)
        let result = Model(graph: graph, weights: weights, preprocessing: preprocessing, provenance: provenance, training: training)
        return ONNXImport(model: result, warnings: warnings, opaqueNodes: opaque)
    }
}

extension ONNXGraphBuilder {
    /// The imported weight holding exactly `c`'s values (the initializer became that parameter
    /// unchanged), when exactly one does.
    func weightKey(holding c: ONNXConstant) -> String? {
        let shape = c.tensor.shape
        let candidates = weights.filter { $0.value.shape == shape && $0.value.scalars == c.floats }.map(\.key)
        return candidates.count == 1 ? candidates[0] : nil
    }
}

/// Attributes written as JSON for an opaque node's `rawParameters`.
enum ONNXAttributeText {
    static func json(_ attributes: [ONNXAttribute]) -> String {
        func quote(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
                default: out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        }
        func number(_ f: Float) -> String { f.isFinite ? "\(f)" : quote("\(f)") }
        func value(_ v: ONNXAttribute.Value) -> String {
            switch v {
            case .float(let f): number(f)
            case .int(let i): "\(i)"
            case .string(let s): quote(String(decoding: s, as: UTF8.self))
            case .floats(let f): "[" + f.map(number).joined(separator: ",") + "]"
            case .ints(let i): "[" + i.map { "\($0)" }.joined(separator: ",") + "]"
            case .strings(let s): "[" + s.map { quote(String(decoding: $0, as: UTF8.self)) }.joined(separator: ",") + "]"
            case .tensor(let t): "{\"tensor\":\(quote(t.name)),\"dims\":[\(t.dims.map(String.init).joined(separator: ","))],\"type\":\(quote(t.dataType.description))}"
            case .tensors(let t): "{\"tensors\":\(t.count)}"
            case .graph(let g): "{\"graph\":\(quote(g.name)),\"nodes\":\(g.nodes.count)}"
            case .graphs(let g): "{\"graphs\":\(g.count)}"
            case .unsupported(let type): "{\"unsupportedType\":\(type)}"
            }
        }
        return "{" + attributes.map { "\(quote($0.name)):\(value($0.value))" }.joined(separator: ",") + "}"
    }
}
