import Foundation
import GraftHDF5

extension KerasModel {
    /// Loads a Keras model file: a full model `.h5`, a weights-only `.h5` / `.weights.h5` (with
    /// `architecture`), or a `.keras` archive.
    ///
    /// - Parameters:
    ///   - path: The model or weights file.
    ///   - architecture: Where the architecture comes from when the file has none: a JSON file
    ///     (`model.to_json()` output, a `.keras` archive's `config.json`), a full model `.h5`, or a
    ///     `.keras` archive. Given for a file that embeds an architecture, it replaces that one
    ///     (with a warning).
    ///   - limits: Caps applied before allocating anything the file sizes.
    /// - Returns: The model with every layer's typed configuration and weights.
    /// - Throws: ``KerasError`` naming the file and the group, attribute or layer at fault.
    ///
    /// ```swift
    /// let model = try KerasModel.load(path: "model_.h5", architecture: "model.json")
    /// for layer in model.layers { print(layer.name, layer.weights.map(\.shape)) }
    /// ```
    public static func load(path: String, architecture: String? = nil,
                            limits: KerasLimits = .default) throws(KerasError) -> KerasModel {
        try KerasLoader(path: path, limits: limits).load(architecturePath: architecture)
    }

    /// Decodes a model config (JSON text) without weights: layers, connections and typed
    /// configurations only (layout ``KerasFileLayout/architectureOnly``).
    public static func parseArchitecture(json: [UInt8], source: String = "<json>",
                                         limits: KerasLimits = .default) throws(KerasError) -> KerasModel {
        let architecture = try KerasArchitecture.parse(json: json, source: source, limits: limits)
        return assemble(architecture, layout: .architectureOnly, kerasVersion: architecture.kerasVersion,
                        backend: architecture.backend, weights: [:], extraWarnings: [])
    }

    /// Tells which Keras layout a file has without reading its weights.
    public static func detectLayout(path: String) throws(KerasError) -> KerasFileLayout {
        try KerasLoader(path: path, limits: .default).detectLayout()
    }

    static func assemble(_ architecture: KerasArchitecture, layout: KerasFileLayout, kerasVersion: String?,
                         backend: String?, weights: [String: [KerasWeight]], extraWarnings: [KerasWarning]) -> KerasModel {
        var warnings: [KerasWarning] = []
        if backend == nil { warnings.append(.backendMissing) }
        if kerasVersion == nil { warnings.append(.kerasVersionMissing) }
        let layers = architecture.entries.map { entry in
            var layer = entry.layer
            layer.weights = weights[layer.name] ?? []
            return layer
        }
        return KerasModel(name: architecture.name, modelClass: architecture.modelClass, kerasVersion: kerasVersion,
                          backend: backend, layout: layout, inputs: architecture.inputs, layers: layers,
                          outputs: architecture.outputs, warnings: warnings + architecture.warnings + extraWarnings)
    }
}

/// Detects the container and layout, finds the architecture, reads and binds the weights.
struct KerasLoader {
    let path: String
    let limits: KerasLimits

    private enum Container {
        case hdf5(HDF5File)
        case archive(KerasArchive, HDF5File)
    }

    func detectLayout() throws(KerasError) -> KerasFileLayout {
        switch try open(path) {
        case .archive: return .keras3Archive
        case .hdf5(let file):
            let root = try interop(path) { () throws(HDF5Error) in try file.root() }
            return try layout(of: root)
        }
    }

    func load(architecturePath: String?) throws(KerasError) -> KerasModel {
        let container = try open(path)
        let file: HDF5File
        let layout: KerasFileLayout
        var embeddedConfig: (bytes: [UInt8], source: String)?
        var recordedVersion: String?
        var recordedBackend: String?
        switch container {
        case .archive(let archive, let weightsFile):
            file = weightsFile
            layout = .keras3Archive
            embeddedConfig = (archive.config, "\(path)[config.json]")
            recordedVersion = archive.kerasVersion(path: path, limits: limits)
        case .hdf5(let hdf5):
            file = hdf5
            let root = try interop(path) { () throws(HDF5Error) in try hdf5.root() }
            layout = try self.layout(of: root)
            if layout == .legacyFull {
                let text = try interop(path) { () throws(HDF5Error) in try root.attributes.string("model_config") }
                embeddedConfig = (Array(text.utf8), "\(path)@model_config")
            }
            recordedVersion = try optionalString(root, "keras_version")
            recordedBackend = try optionalString(root, "backend")
            if layout == .legacyFull, try interop(path, { () throws(HDF5Error) in try root.contains("model_weights") }) {
                let weightsGroup = try interop(path) { () throws(HDF5Error) in try root.group("model_weights") }
                if recordedVersion == nil { recordedVersion = try optionalString(weightsGroup, "keras_version") }
                if recordedBackend == nil { recordedBackend = try optionalString(weightsGroup, "backend") }
            }
        }

        var warnings: [KerasWarning] = []
        let config: (bytes: [UInt8], source: String)
        if let architecturePath {
            let supplied = try KerasLoader(path: architecturePath, limits: limits).architectureConfig()
            config = (supplied.bytes, supplied.source)
            // A weights-only file records no version of its own; the architecture's file may.
            if recordedVersion == nil { recordedVersion = supplied.kerasVersion }
            if recordedBackend == nil { recordedBackend = supplied.backend }
            if embeddedConfig != nil { warnings.append(.embeddedArchitectureOverridden(path: path)) }
        } else if let embeddedConfig {
            config = embeddedConfig
        } else {
            throw .architectureRequired(path: path, layout: layout)
        }
        let architecture = try KerasArchitecture.parse(json: config.bytes, source: config.source, limits: limits)

        let root = try interop(path) { () throws(HDF5Error) in try file.root() }
        var budget = limits.maxTotalElements
        var stored: [[String]: [StoredWeight]] = [:]
        let byPosition: Bool
        switch layout {
        case .legacyFull, .legacyWeights:
            byPosition = false
            var group = root
            if layout == .legacyFull {
                guard try interop(path, { () throws(HDF5Error) in try root.contains("model_weights") }) else {
                    throw .missingGroup(path: path, group: "/model_weights")
                }
                group = try interop(path) { () throws(HDF5Error) in try root.group("model_weights") }
                if try interop(path, { () throws(HDF5Error) in try root.contains("optimizer_weights") }) {
                    warnings.append(.optimizerWeightsIgnored(group: "/optimizer_weights"))
                }
            }
            let known = Set(architecture.entries.map(\.weightPath))
            let nestedLeaves = Dictionary(grouping: architecture.entries.filter { $0.weightPath.count > 1 },
                                          by: { $0.weightPath[0] })
            var unexpected: [String] = []
            for (layer, weights) in try LegacyWeightReader.read(group, limits: limits, budget: &budget) {
                if known.contains([layer]) {
                    stored[[layer]] = weights
                } else if let leaves = nestedLeaves[layer] {
                    for (leaf, found) in try LegacyWeightReader.distribute(weights, of: layer, among: leaves.map(\.weightPath),
                                                                           path: path) {
                        stored[leaf] = found
                    }
                } else if !weights.isEmpty {
                    unexpected.append(layer)
                }
            }
            guard unexpected.isEmpty else { throw .unexpectedWeights(path: path, groups: unexpected) }
        case .keras3Weights, .keras3Archive:
            byPosition = true
            let result = try Keras3WeightReader.read(root, architecture: architecture, limits: limits, budget: &budget)
            stored = result.weights
            warnings += result.warnings
        case .architectureOnly:
            preconditionFailure("a file is never architecture-only")
        }

        var weights: [String: [KerasWeight]] = [:]
        for entry in architecture.entries {
            let name = entry.layer.name
            let found = stored[entry.weightPath] ?? []
            if found.isEmpty, entry.weightSpecs?.isEmpty ?? true { continue }
            let bound = try KerasWeightBinding.bind(layer: name, specs: entry.weightSpecs, stored: found,
                                                    byPosition: byPosition, path: path)
            weights[name] = bound.weights
            warnings += bound.warnings
        }
        return KerasModel.assemble(architecture, layout: layout,
                                   kerasVersion: recordedVersion ?? architecture.kerasVersion,
                                   backend: recordedBackend ?? architecture.backend, weights: weights,
                                   extraWarnings: warnings)
    }

    /// The architecture JSON held by this file: the file itself (JSON), a full model's
    /// `model_config`, or a `.keras` archive's `config.json`; with the version and backend the
    /// file records next to it.
    func architectureConfig() throws(KerasError) -> (bytes: [UInt8], source: String, kerasVersion: String?, backend: String?) {
        let magic = try readPrefix(path, count: 8)
        if magic.starts(with: KerasArchive.zipSignature) {
            let archive = try KerasArchive.read(path: path, limits: limits)
            return (archive.config, "\(path)[config.json]", archive.kerasVersion(path: path, limits: limits), nil)
        }
        if HDF5File.hasSignature(magic) {
            guard case .hdf5(let file) = try open(path) else { preconditionFailure("HDF5 signature") }
            let root = try interop(path) { () throws(HDF5Error) in try file.root() }
            guard let text = try optionalString(root, "model_config") else {
                throw .missingAttribute(path: path, object: "/", attribute: "model_config")
            }
            return (Array(text.utf8), "\(path)@model_config", try optionalString(root, "keras_version"),
                    try optionalString(root, "backend"))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limits.maxConfigBytes else {
            throw .configTooLarge(source: path, bytes: size, limit: limits.maxConfigBytes)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read") }
        return ([UInt8](data), path, nil, nil)
    }

    // MARK: - Containers and layouts

    /// The root group of the file's HDF5 weights (the file itself, or a `.keras` archive's
    /// `model.weights.h5`).
    func rootGroup() throws(KerasError) -> HDF5Group {
        let file: HDF5File
        switch try open(path) {
        case .hdf5(let hdf5): file = hdf5
        case .archive(_, let weights): file = weights
        }
        return try interop(path) { () throws(HDF5Error) in try file.root() }
    }

    private func open(_ path: String) throws(KerasError) -> Container {
        let magic = try readPrefix(path, count: 8)
        if magic.starts(with: KerasArchive.zipSignature) {
            let archive = try KerasArchive.read(path: path, limits: limits)
            let member = "\(path)[model.weights.h5]"
            guard HDF5File.hasSignature(archive.weights) else { throw .notHDF5(path: member) }
            let file = try interop(member) { () throws(HDF5Error) in try HDF5File.open(image: archive.weights, name: member) }
            return .archive(archive, file)
        }
        // The signature is at 0 unless the file has a user block (then 512, 1024, ...).
        let isHDF5 = HDF5File.hasSignature(magic) || (try? HDF5File.isHDF5(path: path)) == true
        guard isHDF5 else { throw .notHDF5(path: path) }
        return .hdf5(try interop(path) { () throws(HDF5Error) in try HDF5File.open(path: path) })
    }

    private func readPrefix(_ path: String, count: Int) throws(KerasError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .io(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .io(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw .io(path: path, reason: "cannot read: \(error)")
        }
    }

    private func layout(of root: HDF5Group) throws(KerasError) -> KerasFileLayout {
        let attributes = try interop(path) { () throws(HDF5Error) in try root.attributes.names() }
        if attributes.contains("model_config") { return .legacyFull }
        if attributes.contains("layer_names") || attributes.contains("layer_names0") { return .legacyWeights }
        let members = try interop(path) { () throws(HDF5Error) in try root.links() }
        if members.contains(where: { $0.name == "layers" }) { return .keras3Weights }
        throw .unknownLayout(path: path, rootMembers: members.map(\.name), rootAttributes: attributes)
    }

    private func optionalString(_ group: HDF5Group, _ name: String) throws(KerasError) -> String? {
        guard try interop(path, { () throws(HDF5Error) in try group.attributes.contains(name) }) else { return nil }
        do {
            return try group.attributes.string(name)
        } catch {
            throw .badValue(path: path, object: "\(group.objectPath)@\(name)", expected: "a string",
                            found: error.description)
        }
    }
}
