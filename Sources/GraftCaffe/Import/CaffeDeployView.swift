/// The layers of a net that inference runs, derived as Caffe builds a TEST-phase net:
///
/// 1. phase rules: a layer with `include` rules is kept if one of them holds for the state
///    (phase TEST, level 0, no stages); otherwise it is kept unless an `exclude` rule holds
///    (Caffe's `Net::FilterNet`/`StateMeetsRule`);
/// 2. training-only layers (``CaffeTrainingLayerKind``: data sources, losses, Accuracy, Silence)
///    are dropped; the first top of a data source becomes the image input when the net declares
///    none, its other tops (labels) are training-only blobs;
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
        var trainingBlobs = Set<String>()
        var fallbackTransform: (String, CaffeParam.Transformation)?
        for layer in net.layers {
            let inTest = Self.included(layer)
            if let kind = CaffeTrainingLayerKind(rawValue: layer.type) {
                if kind.isDataSource {
                    if let t = layer.transform {
                        if inTest, transform == nil { transform = (layer.name, t) }
                        if fallbackTransform == nil { fallbackTransform = (layer.name, t) }
                    }
                    if inTest || dataInputs.isEmpty, let top = layer.tops.first,
                       !dataInputs.contains(where: { $0.name == top }) {
                        dataInputs.append(CaffeNet.Input(name: top, shape: Self.declaredShape(layer)))
                    }
                    trainingBlobs.formUnion(layer.tops.dropFirst())
                }
                dropped.append("\(layer.name) (\(layer.type), training only)")
                continue
            }
            guard inTest else {
                dropped.append("\(layer.name) (\(layer.type), not in the TEST phase)")
                continue
            }
            if let label = layer.bottoms.first(where: trainingBlobs.contains) {
                trainingBlobs.formUnion(layer.tops)
                dropped.append("\(layer.name) (\(layer.type), reads training-only blob '\(label)')")
                continue
            }
            layers.append(layer)
        }
        if transform == nil, let fallbackTransform { transform = fallbackTransform }
        // Only one data source's image can be the input: the TEST one if any, else the first.
        if dataInputs.count > 1 { dataInputs = [dataInputs[0]] }
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
