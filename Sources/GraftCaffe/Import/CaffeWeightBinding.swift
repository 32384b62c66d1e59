import GraftCore

/// Matches a `.caffemodel`'s blobs to the deploy net by layer name and checks them against what
/// each layer needs, collecting what did not match (H10: every problem is reported, not the first).
struct CaffeWeightBinding {
    let file: String?
    /// Stored blobs by layer name (the first layer of a name that has blobs).
    private var stored: [String: [CaffeBlob]] = [:]
    /// Sharing specs (`lr_mult`, `decay_mult`) of the weights net's layers, by name.
    private(set) var params: [String: [CaffeParamSpec]] = [:]
    private var order: [String] = []
    private var used = Set<String>()
    /// Deploy layers that needed blobs the weights did not have ("name (Type)").
    private(set) var missing: [String] = []
    private var generator: SeededGenerator
    private let initialisation: CaffeWeightInit

    /// `weights` nil: every blob is drawn as `initialisation` says (a prototxt imported alone).
    init(weights: CaffeNet?, file: String?, seed: UInt64, initialisation: CaffeWeightInit = .fillers) {
        self.file = file
        self.initialisation = initialisation
        generator = SeededGenerator(seed: seed)
        for layer in weights?.layers ?? [] where !layer.blobs.isEmpty && stored[layer.name] == nil {
            stored[layer.name] = layer.blobs
            params[layer.name] = layer.params
            order.append(layer.name)
        }
    }

    var hasWeights: Bool { file != nil }

    /// Weights nobody used: "name (N blobs)".
    var unused: [String] {
        order.filter { !used.contains($0) }.map { "\($0) (\(stored[$0]!.count) blob(s))" }
    }

    /// The stored blobs of an opaque layer, as stored (no requirement to check them against).
    mutating func take(_ layer: CaffeLayer) -> [Tensor] {
        guard let blobs = stored[layer.name] else { return [] }
        used.insert(layer.name)
        return blobs.map { Tensor(shape: Shape($0.shape), scalars: $0.data) }
    }

    /// The blobs for `layer`, checked against `requirements` (count and shape; legacy 4-D dims
    /// match a requirement padded with leading ones, as Caffe's `Blob::ShapeEquals` does), or filled
    /// from the requirements' fillers when the weights have none for the layer.
    mutating func blobs(for layer: CaffeLayer, requirements: [CaffeBlobRequirement],
                        definitionFile: String) throws(CaffeImportError) -> [Tensor] {
        if let blobs = stored[layer.name] {
            used.insert(layer.name)
            let file = self.file ?? definitionFile
            guard blobs.count == requirements.count else {
                throw .blobCount(file: file, layer: layer.name, type: layer.type, expected: requirements.count, actual: blobs.count)
            }
            var tensors: [Tensor] = []
            tensors.reserveCapacity(blobs.count)
            for (i, (blob, requirement)) in zip(blobs, requirements).enumerated() {
                guard Self.shape(of: blob, matches: requirement.shape) else {
                    throw .blobShape(file: file, layer: layer.name, blob: i, role: requirement.role.rawValue,
                                     expected: requirement.shape, actual: blob.shape)
                }
                // Shares the blob's storage: no copy of the weights.
                tensors.append(Tensor(shape: Shape(requirement.shape), scalars: blob.data))
            }
            return tensors
        }
        if hasWeights, !requirements.isEmpty { missing.append("\(layer.name) (\(layer.type))") }
        var tensors: [Tensor] = []
        for requirement in requirements {
            if initialisation == .scaled {
                tensors.append(Tensor(shape: Shape(requirement.shape), scalars: requirement.scaledRandomValues(using: &generator)))
                continue
            }
            guard let values = requirement.filler.values(for: requirement.shape, using: &generator) else {
                throw .invalidLayer(file: definitionFile, layer: layer.name,
                                    reason: "unknown filler type '\(requirement.filler.type)' for blob \(requirement.role.rawValue)")
            }
            tensors.append(Tensor(shape: Shape(requirement.shape), scalars: values))
        }
        return tensors
    }

    static func shape(of blob: CaffeBlob, matches expected: [Int]) -> Bool {
        // A scalar blob (no axes: the SSD fork's channel-shared Normalize scale) holds one value.
        if blob.shapeSource == .blobShape, blob.shape.isEmpty { return expected == [1] }
        if blob.shapeSource == .legacy4D {
            guard expected.count <= 4 else { return false }
            return Array(repeating: 1, count: 4 - expected.count) + expected == blob.shape
        }
        return blob.shape == expected
    }
}
