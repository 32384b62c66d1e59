public import GraftCore
import Foundation
import GraftIO

/// Converts Keras models into Graft models: a channels-first (NCHW) graph of typed operations
/// that computes what the Keras model computes, with the weights in Graft's layouts.
///
/// ```swift
/// let (model, warnings) = try KerasImporter.importModel(path: "emotion_model.hdf5")
/// warnings.forEach { print("warning:", $0) }
/// try NativeWriter.write(model, to: "emotion.graft")
/// ```
///
/// Every layer class in ``KerasLayerClass`` has a mapper. Layers Graft cannot compute (Lambda,
/// custom classes, unsupported settings) become `Opaque` nodes that keep the Keras config and
/// weights; they are never executed, and a warning names each one.
public enum KerasImporter {
    /// The Graft model and what the user should know about the conversion.
    public typealias Result = (model: Model, warnings: [KerasWarning])

    /// Reads a Keras file and converts it.
    ///
    /// - Parameters:
    ///   - path: A full model `.h5`/`.hdf5`, a weights-only `.h5`/`.weights.h5` (with
    ///     `architecture`), or a `.keras` archive.
    ///   - architecture: The architecture for a weights-only file: a `model.to_json()` file, a
    ///     `config.json`, a full model `.h5` or a `.keras` archive.
    ///   - options: Preprocessing, source backend and input-shape choices.
    /// - Returns: The model (its provenance records both files with their SHA-256) and warnings.
    /// - Throws: ``KerasImportError`` naming the file and the layer at fault.
    public static func importModel(path: String, architecture: String? = nil,
                                   options: KerasImportOptions = KerasImportOptions()) throws(KerasImportError) -> Result {
        let keras: KerasModel
        do {
            keras = try KerasModel.load(path: path, architecture: architecture, limits: options.limits)
        } catch {
            throw .load(error)
        }
        var files: [Provenance.SourceFile] = []
        for file in [path] + (architecture.map { [$0] } ?? []) {
            do {
                files.append(try FileDigest.sourceFile(path: file))
            } catch {
                throw .io(path: file, reason: "cannot hash the source file: \(error)")
            }
        }
        // Handing the model over lets the conversion free each layer's Keras weights once they are
        // converted, so the file's weights are not held twice.
        return try importModel(consume keras, options: options, source: path, sourceFiles: files)
    }

    /// Converts a Keras model already loaded (see ``KerasModel/load(path:architecture:limits:)``).
    ///
    /// - Parameters:
    ///   - keras: The loaded model; consumed, so that each layer's weights can be freed once converted.
    ///   - options: Preprocessing, source backend and input-shape choices.
    ///   - source: The name used in errors (the file path).
    ///   - sourceFiles: Recorded in the provenance.
    public static func importModel(_ keras: consuming KerasModel, options: KerasImportOptions = KerasImportOptions(),
                                   source: String = "<keras model>",
                                   sourceFiles: [Provenance.SourceFile] = []) throws(KerasImportError) -> Result {
        var conversion = KerasConversion(keras: keras, options: options, source: source)
        let graph = try conversion.run()
        var builder = conversion.graph
        let keras = conversion.keras

        var warnings = keras.warnings + builder.warnings
        if builder.flippedKernels > 0 { warnings.append(.kernelsFlippedForTheano(layers: builder.flippedKernels)) }
        let preprocessing = try KerasConversion.preprocessing(for: keras, graph: graph, options: options, source: source,
                                                              warnings: &warnings)
        let training = builder.frozenTensors.isEmpty ? nil : TrainingMetadata(
            parameters: Dictionary(uniqueKeysWithValues: builder.frozenTensors.sorted().map {
                ($0, TrainingMetadata.ParameterSettings(frozen: true))
            }))
        if options.strict, !warnings.isEmpty { throw .strictViolations(source: source, warnings: warnings.map(\.description)) }
        builder.notes.append(contentsOf: warnings.map(\.description))
        let provenance = Provenance(sourceFormat: "keras", sourceVersion: sourceVersion(keras, options: options),
                                    sourceFiles: sourceFiles, notes: builder.notes)
        let model = Model(graph: graph, weights: builder.weights, preprocessing: preprocessing, provenance: provenance,
                          training: training)
        return (model, warnings)
    }

    /// "Keras 2.0.5 (tensorflow backend), legacy full model".
    static func sourceVersion(_ keras: KerasModel, options: KerasImportOptions) -> String {
        let version = keras.kerasVersion.map { "Keras \($0)" } ?? "Keras (version not recorded)"
        let backend: String
        if let override = options.sourceBackend {
            backend = "\(override.rawValue) backend, as given"
        } else {
            backend = keras.backend.map { "\($0) backend" } ?? "backend not recorded"
        }
        let layout: String = switch keras.layout {
        case .legacyFull: "legacy full model"
        case .legacyWeights: "legacy weights-only file with a separate architecture"
        case .keras3Weights: "Keras 3 weights file with a separate architecture"
        case .keras3Archive: ".keras archive"
        case .architectureOnly: "architecture only"
        }
        return "\(version) (\(backend)), \(layout)"
    }
}

/// One conversion: walks the Keras layers in topological order and maps each call.
struct KerasConversion {
    /// The model being converted; each layer's weights are dropped once converted.
    private(set) var keras: KerasModel
    let options: KerasImportOptions
    let source: String
    var graph = KerasGraphBuilder()
    private var bindings: [KerasConnection: KerasTensorBinding] = [:]
    private var graphInputs: [GraphInput] = []
    private let kerasMajorVersion: Int?
    private let flipKernels: Bool
    /// Where 4-D image tensors keep their channels, from the first layer that says.
    private let imageFormat: KerasDataFormat
    /// The names and configurations of the layers reading each layer's output (any call).
    private let consumers: [String: [(name: String, configuration: KerasLayerConfiguration)]]

    init(keras: KerasModel, options: KerasImportOptions, source: String) {
        self.keras = keras
        self.options = options
        self.source = source
        // The Keras 3 weight layouts exist only in Keras 3, whatever the file records.
        let isKeras3Layout = keras.layout == .keras3Weights || keras.layout == .keras3Archive
        kerasMajorVersion = keras.kerasVersion.flatMap { Int($0.split(separator: ".").first ?? "") } ?? (isKeras3Layout ? 3 : nil)
        let backend = options.sourceBackend ?? (keras.backend?.lowercased() == "theano" ? .theano : .tensorflow)
        flipKernels = backend == .theano
        imageFormat = keras.layers.lazy.compactMap { $0.configuration.dataFormat }.first ?? .channelsLast
        var consumers: [String: [(name: String, configuration: KerasLayerConfiguration)]] = [:]
        for layer in keras.layers {
            for name in Set(layer.inboundNodes.flatMap { $0.inputs.map(\.layer) }) {
                consumers[name, default: []].append((layer.name, layer.configuration))
            }
        }
        self.consumers = consumers
    }

    /// Whether every path from `layer`'s output reaches a Dense layer through layers that keep a
    /// flattened vector's order to themselves (activations, dropout, rescaling), and none of it
    /// is a model output.
    func feedsOnlyDense(_ layer: String) -> Bool {
        var pending = [layer]
        var seen = Set<String>()
        while let name = pending.popLast() {
            guard seen.insert(name).inserted else { continue }
            if keras.outputs.contains(where: { $0.layer == name }) { return false }
            guard let readers = consumers[name], !readers.isEmpty else { return false }
            for reader in readers {
                switch reader.configuration {
                case .dense: continue
                case .dropout, .relu, .leakyReLU, .elu, .rescaling: pending.append(reader.name)
                case .activation(let a) where ![.softsign, .exponential, .mish, .logSoftmax].contains(a):
                    pending.append(reader.name)
                default: return false
                }
            }
        }
        return true
    }

    mutating func run() throws(KerasImportError) -> Graph {
        for input in keras.inputs { try addInput(input) }
        for index in keras.layers.indices {
            defer { keras.layers[index].weights = [] }
            let layer = keras.layers[index]
            if case .inputLayer = layer.configuration, layer.inboundNodes.isEmpty {
                if bindings[KerasConnection(layer: layer.name)] == nil {
                    try addInput(KerasInput(name: layer.name, shape: nil))   // declared but not a model input
                }
                continue
            }
            if layer.inboundNodes.count > 1 {
                graph.warnings.append(.sharedLayerDuplicated(layer: layer.name, calls: layer.inboundNodes.count))
            }
            graph.frozen = !layer.trainable
            defer { graph.frozen = false }
            for (call, node) in layer.inboundNodes.enumerated() {
                var inputs: [KerasTensorBinding] = []
                for connection in node.inputs {
                    guard let binding = bindings[connection] else {
                        throw .unknownTensor(source: source, layer: layer.name, tensor: connection.description)
                    }
                    inputs.append(binding)
                }
                let name = call == 0 ? layer.name : "\(layer.name)_\(call)"
                let output = try map(layer, name: name, inputs: inputs, arguments: node.arguments)
                bindings[KerasConnection(layer: layer.name, nodeIndex: call, tensorIndex: 0)] = output
            }
        }
        var outputs: [String] = []
        for connection in keras.outputs {
            guard var binding = bindings[connection] else {
                throw .unknownTensor(source: source, layer: "<model outputs>", tensor: connection.description)
            }
            do {
                if case .flattenedChannelsFirst = binding.layout {
                    binding = try graph.keras(binding)
                } else if binding.layout == .keras, binding.shape?.rank == 4, imageFormat == .channelsLast {
                    // Image outputs are NCHW like every Graft image, whichever layout the last layer
                    // computed in (ConvNeXt ends in a LayerNormalization over the channels-last tensor).
                    binding = try graph.image(binding, format: .channelsLast)
                }
            } catch {
                throw .graph(source: source, reason: "output \(connection): \(error)")
            }
            outputs.append(binding.value)
        }
        let result = Graph(name: keras.name, inputs: graphInputs, nodes: graph.nodes, outputs: outputs)
        do {
            try result.validateStructure()
            _ = try result.inferShapesPartially()
        } catch {
            throw .graph(source: source, reason: error.description)
        }
        return result
    }

    // MARK: - Inputs

    private mutating func addInput(_ input: KerasInput) throws(KerasImportError) {
        let declared = input.shape
        let declaredText = declared.map { "(None, " + $0.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + ")" }
            ?? "unknown"
        var dims: [Int?] = declared ?? options.inputShape ?? []
        if let given = options.inputShape {
            guard declared == nil || given.count == dims.count,
                  zip(dims, given).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw .inputShapeConflict(source: source, input: input.name, declared: declaredText, given: given)
            }
            dims = given
        }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw .inputShapeUnknown(source: source, input: input.name, shape: declaredText)
        }
        let known = dims.map { $0! }
        let binding: KerasTensorBinding
        if known.count == 3, imageFormat == .channelsLast {
            binding = KerasTensorBinding(value: input.name, shape: [1, known[2], known[0], known[1]], layout: .channelsFirst)
        } else {
            binding = KerasTensorBinding(value: input.name, shape: Shape([1] + known), layout: .keras)
        }
        graph.addInput(input.name, shape: binding.shape!)
        graphInputs.append(GraphInput(name: input.name, shape: binding.shape!))
        bindings[KerasConnection(layer: input.name)] = binding
    }

    // MARK: - Layers

    private mutating func map(_ layer: KerasLayer, name: String, inputs: [KerasTensorBinding],
                              arguments: [KerasCallArgument]) throws(KerasImportError) -> KerasTensorBinding {
        if case .unsupported(let className, let rawJSON) = layer.configuration {
            // The decoder already warned.
            return try opaque(layer, name: name, inputs: inputs, className: className, rawJSON: rawJSON, preservesShape: false)
        }
        var operation: KerasOperation?
        if case .operation(let o) = layer.configuration { operation = o }
        let mapper = KerasLayerClass(className: layer.className).flatMap { KerasLayerMappers.byClass[$0] }
        guard operation != nil || mapper != nil else {
            graph.warnings.append(.unsupportedLayer(layer: layer.name, className: layer.className, reason: "no mapper"))
            return try opaque(layer, name: name, inputs: inputs, className: layer.className, rawJSON: "{}", preservesShape: false)
        }
        var context = KerasMappingContext(layer: layer, name: name, inputs: inputs, kerasMajorVersion: kerasMajorVersion,
                                          flipKernels: flipKernels)
        context.arguments = arguments
        if case .flatten = layer.configuration { context.outputFeedsOnlyDense = feedsOnlyDense(layer.name) }
        let snapshot = graph
        do {
            if let operation { return try OperationMapper.map(context, operation, &graph) }
            return try mapper!.map(context, &graph)
        } catch {
            graph = snapshot
            let reason: String
            var preservesShape = false
            switch error {
            case .invalid(let why):
                throw .layerMismatch(source: source, layer: layer.name, reason: why)
            case .unsupported(let why, let preserves):
                reason = why
                preservesShape = preserves
            case .needsInputShape:
                reason = "its input's shape is unknown (after an opaque layer)"
            }
            graph.warnings.append(.unsupportedLayer(layer: layer.name, className: layer.className, reason: reason))
            let raw = "{\"class_name\":\(KerasJSON.string(layer.className).compactText),\"graft_note\":\(KerasJSON.string(reason).compactText)}"
            return try opaque(layer, name: name, inputs: inputs, className: layer.className, rawJSON: raw,
                              preservesShape: preservesShape)
        }
    }

    /// An ``Opaque`` node that keeps the layer whole: class, config JSON and weights as Keras
    /// stores them. It reads and writes Keras-ordered tensors, so it means exactly what the Keras
    /// layer means. Its output shape is known when the layer keeps its input's shape, or is
    /// assumed to for a Lambda without `output_shape`.
    private mutating func opaque(_ layer: KerasLayer, name: String, inputs: [KerasTensorBinding], className: String,
                                 rawJSON: String, preservesShape: Bool) throws(KerasImportError) -> KerasTensorBinding {
        var values: [String] = []
        var inputShapes: [Shape?] = []
        for input in inputs {
            let keras = (try? graph.keras(input)) ?? input
            values.append(keras.value)
            inputShapes.append(keras.kerasShape)
        }
        var outputShape: Shape?
        if preservesShape, inputShapes.count == 1 {
            outputShape = inputShapes[0]
        } else if className == "Lambda", inputShapes.count == 1 {
            let config = try? JSONReader.parse(Array(rawJSON.utf8), source: source, limits: options.limits)
            if let declared = config?["output_shape"], let dims = declared.arrayValue?.map(\.intValue),
               dims.allSatisfy({ ($0 ?? 0) >= 1 }) {
                outputShape = Shape([inputShapes[0]?[0] ?? 1] + dims.map { $0! })
            } else if config?["output_shape"] == nil || config?["output_shape"]?.isNull == true, let shape = inputShapes[0] {
                outputShape = shape
                graph.warnings.append(.opaqueOutputShapeAssumed(layer: layer.name))
            }
        }
        if outputShape == nil { graph.warnings.append(.opaqueOutputShapeUnknown(layer: layer.name)) }
        var parameters: [(String, Tensor)] = []
        var seen = Set<String>()
        for weight in layer.weights where seen.insert(weight.name).inserted {
            guard weight.shape.checkedElementCount == weight.values.count else {
                throw .layerMismatch(source: source, layer: layer.name,
                                     reason: "weight '\(weight.name)' has shape \(weight.shape) but \(weight.values.count) values")
            }
            parameters.append((weight.name, Tensor(shape: weight.shape, scalars: weight.values)))
        }
        let op = Opaque(framework: "keras", type: className, rawParameters: rawJSON,
                        outputShapes: outputShape.map { [$0] } ?? [])
        do {
            return try graph.bind(name, .opaque(op), inputs: values, parameters: parameters, layout: .keras)
        } catch {
            throw .layerMismatch(source: source, layer: layer.name, reason: "\(error)")
        }
    }

    // MARK: - Preprocessing

    static func preprocessing(for keras: KerasModel, graph: Graph, options: KerasImportOptions, source: String,
                              warnings: inout [KerasWarning]) throws(KerasImportError) -> Preprocessing? {
        guard let input = graph.inputs.first else { return nil }
        let preset: KerasPreprocessingPreset
        switch options.preprocessing {
        case .none: return nil
        case .explicit(var given):
            given.input = input.name
            given.inputShape = input.shape
            return given
        case .caffe: preset = .caffe
        case .tf: preset = .tf
        case .torch: preset = .torch
        case .automatic:
            guard input.shape.rank == 4 else { return nil }
            if let detected = KerasPreprocessingPreset.detect(modelName: keras.name),
               let result = detected.preprocessing(input: input.name, shape: input.shape) {
                return result
            }
            warnings.append(.preprocessingUnknown(model: keras.name))
            return KerasPreprocessingPreset.rawPixels.preprocessing(input: input.name, shape: input.shape)
        }
        guard let result = preset.preprocessing(input: input.name, shape: input.shape) else {
            throw .invalidOption(source: source, reason: "preprocessing \(preset) needs a 3-channel image input, "
                                 + "input '\(input.name)' is \(input.shape)")
        }
        return result
    }
}

extension KerasLayerConfiguration {
    /// The data format of a layer that has one.
    var dataFormat: KerasDataFormat? {
        switch self {
        case .conv2D(let c): c.dataFormat
        case .depthwiseConv2D(let c): c.dataFormat
        case .separableConv2D(let c): c.dataFormat
        case .conv2DTranspose(let c): c.dataFormat
        case .maxPooling2D(let c), .averagePooling2D(let c): c.dataFormat
        case .globalAveragePooling2D(let c), .globalMaxPooling2D(let c): c.dataFormat
        case .zeroPadding2D(let c): c.dataFormat
        case .cropping2D(let c): c.dataFormat
        default: nil
        }
    }
}
