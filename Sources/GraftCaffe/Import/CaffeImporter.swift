public import GraftCore
import GraftIO

/// A Caffe net imported into Graft: the model, and what the import tolerated.
public struct CaffeImport: Sendable {
    /// The imported model.
    public var model: Model
    /// Everything the caller should hear about (also in the model's provenance notes).
    public var warnings: [String]
    /// Layers left out of the deploy view, e.g. "loss (SoftmaxWithLoss, training only)".
    public var droppedLayers: [String]
}

/// Turns Caffe nets into Graft models.
///
/// ```swift
/// let imported = try CaffeImporter.importFiles(prototxt: "deploy.prototxt", caffemodel: "weights.caffemodel")
/// try NativeWriter.write(imported.model, to: "model.graft")
/// ```
///
/// - The **definition** is the prototxt when one is given, else the net stored in the caffemodel
///   (a training net: see `CaffeDeployView` for how the deploy view is derived).
/// - **Weights** are matched to the definition's layers by name and checked against what each
///   layer needs; unused weights and layers left without weights are warnings (errors with
///   `strict`). Without a caffemodel, every blob is drawn from the prototxt's fillers (Caffe's
///   default, constant 0, where none is given), seeded.
/// - Each layer type goes through its mapper (``CaffeLayerKind``); unknown types become opaque
///   nodes that keep their type, parameters and blobs.
/// - In-place layers get their own values, named by `CaffeValueNaming`'s rule.
public enum CaffeImporter {
    /// Reads and imports a prototxt, a caffemodel, or both.
    ///
    /// - Throws: ``CaffeImportError`` naming the file, layer and blob at fault.
    public static func importFiles(prototxt: String?, caffemodel: String?,
                                   options: CaffeImportOptions = CaffeImportOptions()) throws(CaffeImportError) -> CaffeImport {
        var (imported, completeProvenance) = try importFilesHashingOnward(prototxt: prototxt, caffemodel: caffemodel,
                                                                            options: options)
        imported.model.provenance = try completeProvenance()
        return imported
    }

    /// ``importFiles(prototxt:caffemodel:options:)`` that returns before the source files' SHA-256
    /// digests are done, so that hashing a large caffemodel overlaps with writing the model too
    /// (`graft convert` does this): `model.provenance` holds placeholders of the final length, and
    /// `completeProvenance` waits for the real digests. Hand it to
    /// `NativeWriter.write(_:to:provenance:)`, which writes the header last.
    public static func importFilesHashingOnward(prototxt: String?, caffemodel: String?,
                                                options: CaffeImportOptions = CaffeImportOptions())
        throws(CaffeImportError) -> (imported: CaffeImport, completeProvenance: @Sendable () throws(CaffeImportError) -> Provenance) {
        // The provenance's SHA-256 of every source file, hashed on another core while this one parses.
        let digests = BackgroundDigests(paths: [prototxt, caffemodel, options.meanFile].compactMap { $0 })
        var imported = try importFilesUnrecorded(prototxt: prototxt, caffemodel: caffemodel, options: options)
        imported.model.provenance.sourceFiles = digests.placeholders
        let provenance = imported.model.provenance
        return (imported, { () throws(CaffeImportError) -> Provenance in
            var final = provenance
            do throws(NumPyError) { final.sourceFiles = try digests.wait() } catch { throw .sourceDigest(error) }
            return final
        })
    }

    private static func importFilesUnrecorded(prototxt: String?, caffemodel: String?,
                                              options: CaffeImportOptions) throws(CaffeImportError) -> CaffeImport {
        var definition: CaffeNet?
        var weights: CaffeNet?
        do {
            if let prototxt { definition = try CaffePrototxt.read(path: prototxt, strict: options.strict) }
            if let caffemodel { weights = try CaffeModelReader.read(path: caffemodel, strict: options.strict) }
        } catch { throw .read(error) }
        let meanImage = try options.meanFile.map { (path) throws(CaffeImportError) in try CaffeMeanFile.read(path: path) }
        if let definition, let prototxt {
            return try importNet(definition, file: prototxt, weights: weights, weightsFile: caffemodel,
                                 options: options, meanImage: meanImage)
        }
        guard let weights, let caffemodel else { throw .invalidOption("give a .prototxt, a .caffemodel or both") }
        return try importNet(weights, file: caffemodel, weights: weights, weightsFile: caffemodel,
                             options: options, meanImage: meanImage)
    }

    /// Imports nets already read. `weights` may be the definition itself (a caffemodel alone).
    public static func importNet(_ definition: CaffeNet, file: String, weights: CaffeNet?, weightsFile: String?,
                                 options: CaffeImportOptions = CaffeImportOptions(),
                                 meanImage: CaffeMeanImage? = nil) throws(CaffeImportError) -> CaffeImport {
        var builder = try CaffeGraphBuilder(definition, file: file, weights: weights, weightsFile: weightsFile, options: options)
        try builder.build()
        return try builder.finish(meanImage: meanImage)
    }
}

/// The state of one import: walks the deploy layers in order, keeping the map from Caffe blob to
/// the Graft value it currently holds.
struct CaffeGraphBuilder {
    let definition: CaffeNet
    let file: String
    let weightsNet: CaffeNet?
    let weightsFile: String?
    let options: CaffeImportOptions
    let view: CaffeDeployView
    var binding: CaffeWeightBinding
    var naming: CaffeValueNaming
    var inputs: [GraphInput] = []
    var nodes: [Node] = []
    var weights: [String: Tensor] = [:]
    var training: [String: TrainingMetadata.ParameterSettings] = [:]
    var warnings: [String] = []
    var opaqueLayers: [String] = []
    /// Caffe blob → the Graft value it holds now.
    var current: [String: String] = [:]
    /// Graft value → shape (nil: unknown, downstream of an opaque node).
    var shapes: [String: Shape?] = [:]
    var nodeNames = Set<String>()

    init(_ definition: CaffeNet, file: String, weights: CaffeNet?, weightsFile: String?,
         options: CaffeImportOptions) throws(CaffeImportError) {
        self.definition = definition
        self.file = file
        self.weightsNet = weights
        self.weightsFile = weightsFile
        self.options = options
        view = CaffeDeployView(definition)
        binding = CaffeWeightBinding(weights: weights, file: weightsFile, seed: options.seed, initialisation: options.weightInit)
        warnings = definition.warnings.map(\.located)
        if let weights, weights != definition { warnings += weights.warnings.map(\.located) }

        var declared = definition.inputs.isEmpty ? view.dataInputs : definition.inputs
        guard !declared.isEmpty else {
            throw .noInput(file: file, reason: "the net has no Input layer, no net-level input and no data layer")
        }
        if let shape = options.inputShape {
            guard declared.count == 1 else {
                throw .invalidOption("--input-shape sets one input, but \(file) declares \(declared.count): "
                                     + declared.map(\.name).joined(separator: ", "))
            }
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
                throw .invalidOption("--input-shape \(shape.map(String.init).joined(separator: ",")) must be positive dims")
            }
            declared[0].shape = shape
        }
        naming = CaffeValueNaming(inputs: declared.map(\.name), layers: view.layers)
        for input in declared {
            guard let shape = input.shape else { throw .unknownInputShape(file: file, input: input.name) }
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
                throw .noInput(file: file, reason: "input '\(input.name)' has invalid shape \(shape)")
            }
            let value = naming.name(blob: input.name, writer: -1, writerName: "input")
            inputs.append(GraphInput(name: value, shape: Shape(shape)))
            current[input.name] = value
            shapes[value] = Shape(shape)
        }
    }

    mutating func build() throws(CaffeImportError) {
        for (index, layer) in view.layers.enumerated() {
            try add(layer, index: index)
        }
    }

    mutating func add(_ layer: CaffeLayer, index: Int) throws(CaffeImportError) {
        if layer.type == CaffeLayerKind.input.rawValue { return }   // its tops are the graph inputs
        var bottoms: [String] = []
        for bottom in layer.bottoms {
            guard let value = current[bottom] else { throw .missingBottom(file: file, layer: layer.name, bottom: bottom) }
            bottoms.append(value)
        }
        let known = bottoms.compactMap { shapes[$0] ?? nil }
        let mapping: CaffeMapping
        if let mapper = CaffeMappers.mapper(for: layer.type), known.count == bottoms.count, !bottoms.isEmpty {
            let context = CaffeLayerContext(layer: layer, file: file, inputShapes: known)
            if let reason = try mapper.unavailable(context) {
                mapping = CaffeOpaqueMapper.map(layer, blobs: binding.take(layer), reason: reason,
                                                outputShapes: Self.inPlaceShape(layer, known: known).map { [$0] } ?? [])
            } else {
                let requirements = try mapper.blobs(context)
                let blobs = try binding.blobs(for: layer, requirements: requirements, definitionFile: file)
                mapping = try mapper.map(context, blobs: blobs)
            }
        } else {
            let reason = CaffeMappers.mapper(for: layer.type) == nil
                ? "type \(layer.type) has no Graft operation"
                : (bottoms.isEmpty ? "it has no bottom" : "its input shape is unknown after an opaque layer")
            mapping = CaffeOpaqueMapper.map(layer, blobs: binding.take(layer), reason: reason,
                                            outputShapes: Self.inPlaceShape(layer, known: known).map { [$0] } ?? [])
        }
        switch mapping {
        case .declaration:
            return
        case .passThrough:
            for top in layer.tops { current[top] = bottoms[0] }
        case .node(let op, let parameters, let mapped):
            warnings += mapped
            try addNode(layer, index: index, op: op, bottoms: bottoms, inputShapes: known, parameters: parameters)
        case .composite(let parts):
            try addComposite(layer, index: index, parts: parts, bottoms: bottoms, inputShapes: known)
        case .constant(let value):
            let origin = ConstantOrigin(layer: Opaque(framework: "caffe", type: layer.type,
                                                      rawParameters: CaffePrototxtWriter.parametersText(of: layer)),
                                        inputs: bottoms)
            try addNode(layer, index: index, op: .constant(Constant(shape: value.shape, origin: origin)), bottoms: [],
                        inputShapes: [], parameters: [CaffeMappedParameter(name: "value", tensor: value, blob: nil)])
            // Geometry, not a weight: Caffe's PriorBox has nothing to learn.
            training[nodes[nodes.count - 1].tensorName("value")] =
                TrainingMetadata.ParameterSettings(learningRateMultiplier: 0, decayMultiplier: 0, frozen: true)
        }
    }

    /// The nodes of a composite mapping: all but the last write `<layer>/<suffix>`.
    mutating func addComposite(_ layer: CaffeLayer, index: Int, parts: [CaffeMappedNode], bottoms: [String],
                               inputShapes: [Shape]) throws(CaffeImportError) {
        var values: [(name: String, shape: Shape)] = []
        for (i, part) in parts.enumerated() {
            let inputs = part.inputs.map { input in
                switch input {
                case .bottom(let b): (bottoms[b], inputShapes[b])
                case .node(let n): values[n]
                }
            }
            if i == parts.count - 1 {
                try addNode(layer, index: index, op: part.op, bottoms: inputs.map(\.0), inputShapes: inputs.map(\.1), parameters: [])
                return
            }
            let name = "\(layer.name)/\(part.suffix)"
            guard !nodeNames.contains(name), shapes[name] == nil else {
                throw .invalidLayer(file: file, layer: layer.name, reason: "the name '\(name)' of one of its nodes is taken")
            }
            let shape: Shape
            do { shape = try part.op.outputShapes(for: inputs.map(\.1), outputCount: 1)[0] } catch {
                throw .invalidLayer(file: file, layer: layer.name, reason: error.reason)
            }
            nodeNames.insert(name)
            nodes.append(Node(name: name, op: part.op, inputs: inputs.map(\.0), outputs: [name]))
            shapes[name] = shape
            values.append((name, shape))
        }
    }

    /// The output shape of a layer Graft cannot map, where Caffe implies it: one bottom rewritten
    /// in place (top named as the bottom) keeps the bottom's shape, since the layer writes into the
    /// bottom's blob (zoo in-place layers are element-wise; BVLC's reshaping layers refuse to run in
    /// place), as does a ``shapePreservingForkTypes`` layer. Anything else stays unknown, and so does everything computed from it.
    static func inPlaceShape(_ layer: CaffeLayer, known: [Shape]) -> Shape? {
        guard layer.bottoms.count == 1, layer.tops.count == 1, known.count == 1 else { return nil }
        guard layer.tops == layer.bottoms || shapePreservingForkTypes.contains(layer.type) else { return nil }
        return known[0]
    }

    /// Fork layers whose top has the bottom's shape by definition (SSD's `Normalize` reshapes its
    /// top like its bottom), so that when one stays opaque (known only from a `.caffemodel`) the
    /// layers after it are still mapped.
    static let shapePreservingForkTypes: Set<String> = ["Normalize"]

    mutating func addNode(_ layer: CaffeLayer, index: Int, op: Op, bottoms: [String], inputShapes: [Shape],
                          parameters: [CaffeMappedParameter]) throws(CaffeImportError) {
        var name = layer.name.isEmpty ? "layer\(index)" : layer.name
        if nodeNames.contains(name) {
            var n = 2
            while nodeNames.contains("\(name)#\(n)") { n += 1 }
            warnings.append("layer name '\(name)' is used twice; the second node is named '\(name)#\(n)'")
            name = "\(name)#\(n)"
        }
        nodeNames.insert(name)
        let outputs = layer.tops.map { naming.name(blob: $0, writer: index, writerName: name) }
        var outputShapes: [Shape?] = Array(repeating: nil, count: outputs.count)
        if case .opaque(let p) = op {
            opaqueLayers.append("\(layer.name) (\(layer.type))")
            if p.outputShapes.count == outputs.count { outputShapes = p.outputShapes }
        } else {
            let expected: [ParameterSpec]
            do {
                outputShapes = try op.outputShapes(for: inputShapes, outputCount: outputs.count)
                expected = try op.expectedParameters(for: inputShapes) ?? []
            } catch {
                throw .invalidLayer(file: file, layer: layer.name, reason: error.reason)
            }
            let actual = parameters.map { ParameterSpec($0.name, $0.tensor.shape) }
            guard expected == actual else {
                throw .invalidLayer(file: file, layer: layer.name,
                                    reason: "parameters \(actual.map { "\($0.name) \($0.shape)" }) do not fit "
                                        + "\(expected.map { "\($0.name) \($0.shape)" })")
            }
            for shape in outputShapes where shape.map({ $0.dims.contains { $0 < 1 } }) ?? false {
                throw .invalidLayer(file: file, layer: layer.name, reason: "output shape \(shape!) is empty")
            }
        }
        let node = Node(name: name, op: op, inputs: bottoms, outputs: outputs,
                        parameters: parameters.map { ParameterSpec($0.name, $0.tensor.shape) })
        let specs = layer.params.isEmpty ? (binding.params[layer.name] ?? []) : layer.params
        for parameter in parameters {
            let key = node.tensorName(parameter.name)
            weights[key] = parameter.tensor
            if let blob = parameter.blob, blob < specs.count {
                training[key] = TrainingMetadata.ParameterSettings(learningRateMultiplier: specs[blob].lrMult,
                                                                   decayMultiplier: specs[blob].decayMult)
            }
        }
        nodes.append(node)
        for (top, (value, shape)) in zip(layer.tops, zip(outputs, outputShapes)) {
            current[top] = value
            shapes[value] = shape
        }
    }

    mutating func finish(meanImage: CaffeMeanImage?) throws(CaffeImportError) -> CaffeImport {
        var read = Set<String>()
        for node in nodes { read.formUnion(node.caffeBottoms) }
        let outputs = nodes.flatMap(\.outputs).filter { !read.contains($0) }
        let graph = Graph(name: definition.name, inputs: inputs, nodes: nodes, outputs: outputs)
        do {
            _ = try graph.inferShapesPartially()
        } catch {
            throw .invalidLayer(file: file, layer: error.nodeName ?? "?", reason: error.description)
        }

        var notes: [String] = []
        if !view.dropped.isEmpty { notes.append("dropped layers not used for inference: " + view.dropped.joined(separator: ", ")) }
        var problems: [String] = []
        if weightsFile != nil {
            for unused in binding.unused {
                warnings.append("weights of layer \(unused) in \(weightsFile!) are not used by the deploy net")
                problems.append("unused weights: \(unused)")
            }
            for missing in binding.missing {
                let source = options.weightInit == .scaled ? "scaled random values" : "its fillers"
                warnings.append("layer \(missing) has no weights in \(weightsFile!); filled from \(source) (seed \(options.seed))")
                problems.append("no weights for layer \(missing)")
            }
        } else {
            notes.append(options.weightInit == .scaled
                ? "no .caffemodel: every blob random and scaled (He-normal weights, BatchNorm variances in [0.5, 1.5]), seed \(options.seed)"
                : "no .caffemodel: weights drawn from the prototxt's fillers (Caffe's default constant 0 where none), seed \(options.seed)")
        }
        problems += opaqueLayers.map { "opaque layer \($0)" }
        if options.strict, !problems.isEmpty { throw .strictViolations(file: weightsFile ?? file, problems: problems) }

        let (preprocessing, preprocessingNotes) = makePreprocessing(meanImage: meanImage)
        notes += preprocessingNotes
        let source = weightsNet ?? definition
        let version = Self.versionName(source.generation)
        if weightsNet != nil, weightsNet != definition, definition.generation != source.generation {
            notes.append("definition \(file) is \(Self.versionName(definition.generation))")
        }
        notes += warnings
        let provenance = Provenance(sourceFormat: "caffe", sourceVersion: version, notes: notes)
        let model = Model(graph: graph, weights: weights, preprocessing: preprocessing, provenance: provenance,
                          training: training.isEmpty ? nil : TrainingMetadata(parameters: training))
        return CaffeImport(model: model, warnings: warnings, droppedLayers: view.dropped)
    }

    static func versionName(_ generation: CaffeNet.Generation) -> String {
        generation == .v1 ? "V1 layers" : "V2 layer"
    }

    /// Caffe's input convention: BGR (or grey) pixels in 0...255, then `(x - mean) * scale` as the
    /// DataTransformer applies it. The mean comes from `--mean`, else `--mean-file` (its
    /// per-channel means), else the training data layer's `mean_value`.
    func makePreprocessing(meanImage: CaffeMeanImage?) -> (Preprocessing?, [String]) {
        guard let input = inputs.first, input.shape.rank == 4 else { return (nil, []) }
        var notes: [String] = []
        let channels = input.shape[1]
        var steps: [Preprocessing.Step] = []
        let transform = view.transform
        if let mean = options.mean {
            steps.append(.subtract(mean))
            notes.append("mean (\(mean.map { "\($0)" }.joined(separator: ", "))) given on the command line")
        } else if let meanImage {
            steps.append(.subtract(meanImage.channelMeans))
            notes.append("mean from \(meanImage.file): per-channel means of its \(meanImage.shape.map(String.init).joined(separator: "x")) mean image "
                         + "(Caffe subtracts the whole image; Graft records the channel means)")
        } else if let t = transform, !t.parameters.meanValue.isEmpty {
            steps.append(.subtract(t.parameters.meanValue))
            notes.append("mean_value from the transform_param of training layer '\(t.layer)'")
        } else if let t = transform, let meanFile = t.parameters.meanFile {
            notes.append("training layer '\(t.layer)' subtracted mean_file \(meanFile), which is not applied; pass --mean-file or --mean")
        }
        if let t = transform {
            if t.parameters.scale != 1 {
                steps.append(.multiply([t.parameters.scale]))
                notes.append("scale \(t.parameters.scale) from the transform_param of training layer '\(t.layer)'")
            }
            if t.parameters.cropSize > 0 {
                notes.append("training layer '\(t.layer)' cropped inputs to \(t.parameters.cropSize)x\(t.parameters.cropSize)")
            }
        }
        let order: Preprocessing.ChannelOrder = channels == 1 ? .grey : .bgr
        return (Preprocessing(input: input.name, inputShape: input.shape, channelOrder: order, valueRange: [0, 255],
                              steps: steps), notes)
    }
}

extension GraphError {
    /// The node (or value) the error names, if any.
    var nodeName: String? {
        switch self {
        case .duplicateNode(let n), .invalidShape(let n, _), .unknownShape(let n, _): n
        case .duplicateValue(_, let n), .undefinedValue(_, let n), .wrongInputCount(let n, _, _),
             .wrongOutputCount(let n, _, _), .parameterMismatch(let n, _, _, _): n
        default: nil
        }
    }
}

extension CaffeWarning {
    /// "file:line:column: message" (the CLI adds its own "warning: ").
    var located: String {
        if let line, let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file): \(message)"
    }
}
