/// The layers of a net that inference runs, derived as Caffe builds a TEST-phase net:
///
/// 1. phase rules: a layer with `include` rules is kept if one of them holds for the state
///    (phase TEST, level 0, no stages); otherwise it is kept unless an `exclude` rule holds
///    (Caffe's `Net::FilterNet`/`StateMeetsRule`);
/// 2. training-only layers (``CaffeTrainingLayerKind``: data sources, losses, Accuracy, Silence)
///    are dropped; the data-source top that feeds computing layers becomes the image input when
///    the net declares none, its other tops (labels) are training-only blobs;
/// 3. layers reading a training-only blob (MTCNN's Slice of its labels) are dropped as well, and
///    their tops become training-only in turn.
struct CaffeDeployView {
    /// The kept layers, in the net's order.
    var layers: [CaffeLayer] = []
    /// "name (Type, why)" for every dropped layer.
    var dropped: [String] = []
    /// Inputs taken from data-source layers (used when the net declares no input).
    var dataInputs: [CaffeNet.Input] = []
    /// The preprocessing of the data layer Caffe would use in the TEST phase (else the first
    /// data layer with one), and that layer's name.
    var transform: (layer: String, parameters: CaffeParam.Transformation)?

    init(_ net: CaffeNet) {
        // 1. and 2.: phase rules and training-only types.
        var candidates: [(layer: CaffeLayer, inTest: Bool)] = []
        var sourceTops: [(top: String, layer: CaffeLayer, inTest: Bool)] = []
        var fallbackTransform: (String, CaffeParam.Transformation)?
        for layer in net.layers {
            let inTest = Self.included(layer)
            if let kind = CaffeTrainingLayerKind(rawValue: layer.type) {
                if kind.isDataSource {
                    if let t = layer.transform {
                        if inTest, transform == nil { transform = (layer.name, t) }
                        if fallbackTransform == nil { fallbackTransform = (layer.name, t) }
                    }
                    sourceTops += layer.tops.map { ($0, layer, inTest) }
                }
                dropped.append("\(layer.name) (\(layer.type), training only)")
                continue
            }
            guard inTest else {
                dropped.append("\(layer.name) (\(layer.type), not in the TEST phase)")
                continue
            }
            candidates.append((layer, inTest))
        }
        if transform == nil, let fallbackTransform { transform = fallbackTransform }

        // A data source's top is the image when computing layers (not just Slice, Split and the
        // like) are reachable from it; the others are labels. HDF5Data orders its tops by dataset
        // name, so the image need not be the first top.
        let images = sourceTops.filter { Self.feedsComputation($0.top, candidates.map(\.layer)) }
        if let image = images.first(where: \.inTest) ?? images.first {
            dataInputs = [CaffeNet.Input(name: image.top, shape: Self.declaredShape(image.layer))]
        }
        var trainingBlobs = Set(sourceTops.map(\.top).filter { $0 != dataInputs.first?.name })

        // 3.: layers that read labels.
        for (layer, _) in candidates {
            if let label = layer.bottoms.first(where: trainingBlobs.contains) {
                trainingBlobs.formUnion(layer.tops)
                dropped.append("\(layer.name) (\(layer.type), reads training-only blob '\(label)')")
                continue
            }
            layers.append(layer)
        }
    }

    /// Layer types that only move data around: reaching them alone does not make a blob an image.
    static let dataMovement: Set<String> = ["Split", "Slice", "Concat", "Flatten", "Reshape", "Silence", "Dropout"]

    /// Whether a layer other than a data-movement one is reachable from `blob` through `layers`.
    static func feedsComputation(_ blob: String, _ layers: [CaffeLayer]) -> Bool {
        var reached: Set<String> = [blob]
        for layer in layers where layer.bottoms.contains(where: reached.contains) {
            if !dataMovement.contains(layer.type) { return true }
            reached.formUnion(layer.tops)
        }
        return false
    }

    /// Caffe's rule for the TEST-phase state (level 0, no stages).
    static func included(_ layer: CaffeLayer) -> Bool {
        if !layer.include.isEmpty { return layer.include.contains(where: meets) }
        return !layer.exclude.contains(where: meets)
    }

    static func meets(_ rule: CaffeNetStateRule) -> Bool {
        if let phase = rule.phase, phase != .test { return false }
        if let min = rule.minLevel, 0 < min { return false }
        if let max = rule.maxLevel, 0 > max { return false }
        return rule.stage.isEmpty   // the state has no stages, so a required stage fails; not_stage holds
    }

    /// MemoryData declares its blob shape; crop_size gives the spatial size of the others, but not
    /// the channels, so those need `--input-shape`.
    static func declaredShape(_ layer: CaffeLayer) -> [Int]? {
        guard let m = layer.memoryData, m.channels > 0, m.height > 0, m.width > 0 else { return nil }
        return [max(m.batchSize, 1), m.channels, m.height, m.width]
    }
}
