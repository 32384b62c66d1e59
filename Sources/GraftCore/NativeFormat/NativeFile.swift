import Foundation

/// An open, fully validated `.graft` file.
///
/// Opening memory-maps the file and checks the header, the tensor layout, the metadata documents
/// and the graph's references to tensors, but reads no tensor data: inspecting a large model is
/// instant, and tensors are decoded one at a time on request.
public struct NativeFile: Sendable {
    /// The file's path.
    public let path: String
    /// The `graft.format` version the file declares.
    public let formatVersion: Int
    /// The network, validated against the tensors.
    public let graph: Graph
    /// The preprocessing metadata, when the file has it.
    public let preprocessing: Preprocessing?
    /// Where the model came from.
    public let provenance: Provenance
    /// The training metadata, when the file has it.
    public let training: TrainingMetadata?
    /// The raw `__metadata__` map, including keys this build does not interpret.
    public let metadata: [String: String]
    /// Every tensor in the order its data appears in the file.
    public let tensors: [TensorEntry]
    /// The header's byte length N (after the 8-byte prefix, padding included).
    public let headerSize: Int
    /// The file's bytes (memory-mapped when opened from disk).
    private let data: Data
    private let indexByName: [String: Int]

    /// The file's size in bytes.
    public var fileSize: Int { data.count }
    /// Absolute offset of the data section (8 + N).
    public var dataStart: Int { 8 + headerSize }

    /// Memory-maps and validates the file at `path`.
    public static func open(_ path: String) throws(NativeFormatError) -> NativeFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .io(path: path, reason: "cannot read file: \(IOErrorText.describe(error))")
        }
        return try parse(data: data, path: path)
    }

    /// Validates a whole file held in memory; `path` is used only in error messages.
    public static func parse(data: Data, path: String) throws(NativeFormatError) -> NativeFile {
        // Re-base so that offsets index the buffer directly (a Data slice keeps its parent's indices).
        let data = data.startIndex == 0 ? data : Data(data)
        let header = try SafetensorsHeader.parse(data, path: path)
        guard let metadata = header.metadata else {
            throw .missingMetadata(path: path, key: NativeFormat.metadataKey)
        }
        typealias Key = NativeFormat.MetadataKey
        guard let version = metadata[Key.format] else { throw .missingMetadata(path: path, key: Key.format) }
        guard version == String(NativeFormat.version) else {
            throw .unsupportedVersion(path: path, found: version, supported: String(NativeFormat.version))
        }
        guard let graphJSON = metadata[Key.graph] else { throw .missingMetadata(path: path, key: Key.graph) }
        let graph: Graph
        do {
            graph = try MetadataDocument.decode(Graph.self, from: graphJSON)
        } catch {
            throw .badGraph(path: path, reason: error.reason)
        }
        guard let provenanceJSON = metadata[Key.provenance] else {
            throw .missingMetadata(path: path, key: Key.provenance)
        }
        let provenance = try decodeDocument(Provenance.self, provenanceJSON, key: Key.provenance, path: path)
        let preprocessing = try metadata[Key.preprocessing].map { (json) throws(NativeFormatError) in
            try decodeDocument(Preprocessing.self, json, key: Key.preprocessing, path: path)
        }
        let training = try metadata[Key.training].map { (json) throws(NativeFormatError) in
            try decodeDocument(TrainingMetadata.self, json, key: Key.training, path: path)
        }

        try ModelConsistency.checkGraph(graph, path: path)
        let shapes = Dictionary(header.tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        try ModelConsistency.checkTensors(of: graph, shapes: shapes, tensorNames: header.tensors.map(\.name), path: path)

        return NativeFile(
            path: path, formatVersion: NativeFormat.version, graph: graph, preprocessing: preprocessing,
            provenance: provenance, training: training, metadata: metadata, tensors: header.tensors,
            headerSize: header.headerSize, data: data,
            indexByName: Dictionary(header.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    private static func decodeDocument<T: Decodable>(_ type: T.Type, _ json: String, key: String,
                                                     path: String) throws(NativeFormatError) -> T {
        do {
            return try MetadataDocument.decode(type, from: json)
        } catch {
            throw .badMetadata(path: path, key: key, reason: error.reason)
        }
    }

    /// The header entry for `name`, if the file holds such a tensor.
    public func entry(_ name: String) -> TensorEntry? {
        indexByName[name].map { tensors[$0] }
    }

    /// Reads one tensor and converts it to float32 (every ``DType`` is accepted).
    public func tensor(_ name: String) throws(NativeFormatError) -> Tensor {
        guard let entry = entry(name) else { throw .noSuchTensor(path: path, name: name) }
        let scalars = data.withUnsafeBytes { file in
            ScalarConversion.floats(from: UnsafeRawBufferPointer(rebasing: file[entry.fileRange]),
                                    dtype: entry.dtype, count: entry.elementCount)
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    /// The tensor's bytes exactly as stored, for bit-exact comparisons.
    public func rawBytes(_ name: String) throws(NativeFormatError) -> Data {
        guard let entry = entry(name) else { throw .noSuchTensor(path: path, name: name) }
        return data.subdata(in: entry.fileRange)
    }

    /// Reads every tensor (`state.` ones included) into a ``Model``.
    public func loadModel() throws(NativeFormatError) -> Model {
        var weights: [String: Tensor] = [:]
        for entry in tensors { weights[entry.name] = try tensor(entry.name) }
        return Model(graph: graph, weights: weights, preprocessing: preprocessing, provenance: provenance,
                     training: training)
    }
}
