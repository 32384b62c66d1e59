/// Turns a net as stored into a ``CaffeNet``, in one ordered pass both readers share, so
/// nothing downstream branches on the file's generation:
///
/// 1. reject what cannot be read: V0 definitions, `layer` and `layers` mixed (Caffe refuses too);
/// 2. V1 data layers: move the deprecated preprocessing fields into `transform_param`
///    (Caffe's `UpgradeNetDataTransformation`);
/// 3. V1 layers to V2: enum type to its V2 string, `blobs_lr`/`weight_decay`/`param`/
///    `blob_share_mode` to `ParamSpec`s (Caffe's `UpgradeV1LayerParameter`);
/// 4. net inputs from net-level `input` with `input_shape` or `input_dim`, then Input layers.
public enum CaffeUpgrade {
    static func assemble(_ stored: StoredNet, file: String) throws(CaffeError) -> CaffeNet {
        // 1.
        if stored.layers.contains(where: \.hasV0Definition) {
            throw .unsupported(file: file, reason: "V0 layer definitions (2013 Caffe) are not supported; "
                               + "upgrade the file with Caffe's upgrade_net_proto_text/binary first")
        }
        if !stored.layer.isEmpty && !stored.layers.isEmpty {
            throw .invalidNet(file: file, reason: "the net has both 'layer' (V2) and 'layers' (V1) definitions")
        }
        var net = CaffeNet(name: stored.name, generation: stored.layers.isEmpty ? .v2 : .v1)
        net.forceBackward = stored.forceBackward
        net.state = stored.state
        net.rawUnknown = stored.rawUnknown
        net.warnings = stored.warnings
        // 2. and 3.
        if net.generation == .v1 {
            net.layers = stored.layers.map { v1 in
                var layer = v1
                upgradeDataTransformation(&layer)
                return upgrade(layer)
            }
        } else {
            net.layers = stored.layer
        }
        // 4.
        net.inputs = try inputs(of: stored, layers: net.layers, file: file)
        return net
    }

    /// Moves V1 Data/ImageData preprocessing (`scale`, `mean_file`, `crop_size`, `mirror`) into
    /// `transform_param`, where V2 data layers keep it.
    public static func upgradeDataTransformation(_ layer: inout CaffeV1Layer) {
        func move(scale: Float, meanFile: String?, cropSize: Int, mirror: Bool) {
            guard scale != 1 || meanFile != nil || cropSize != 0 || mirror else { return }
            var transform = layer.parameters.transform ?? CaffeParam.Transformation()
            if scale != 1 { transform.scale = scale }
            if let meanFile { transform.meanFile = meanFile }
            if cropSize != 0 { transform.cropSize = cropSize }
            if mirror { transform.mirror = true }
            layer.parameters.transform = transform
        }
        if layer.type == .data, let data = layer.parameters.data {
            move(scale: data.scale, meanFile: data.meanFile, cropSize: data.cropSize, mirror: data.mirror)
            layer.parameters.data?.scale = 1
            layer.parameters.data?.meanFile = nil
            layer.parameters.data?.cropSize = 0
            layer.parameters.data?.mirror = false
        }
        if layer.type == .imageData, let data = layer.parameters.imageData {
            move(scale: data.scale, meanFile: data.meanFile, cropSize: data.cropSize, mirror: data.mirror)
            layer.parameters.imageData?.scale = 1
            layer.parameters.imageData?.meanFile = nil
            layer.parameters.imageData?.cropSize = 0
            layer.parameters.imageData?.mirror = false
        }
    }

    /// One V1 layer in V2 form.
    public static func upgrade(_ v1: CaffeV1Layer) -> CaffeLayer {
        var layer = CaffeLayer(name: v1.name, type: v1.type.v2Name, bottoms: v1.bottoms, tops: v1.tops)
        layer.include = v1.include
        layer.exclude = v1.exclude
        layer.blobs = v1.blobs
        layer.lossWeights = v1.lossWeights
        layer.parameters = v1.parameters
        layer.rawUnknown = v1.rawUnknown
        let count = max(v1.blobsLR.count, v1.weightDecay.count, v1.paramNames.count, v1.blobShareModes.count)
        layer.params = (0..<count).map { i in
            var spec = CaffeParamSpec()
            if i < v1.paramNames.count { spec.name = v1.paramNames[i] }
            if i < v1.blobShareModes.count { spec.shareMode = v1.blobShareModes[i] }
            if i < v1.blobsLR.count { spec.lrMult = v1.blobsLR[i] }
            if i < v1.weightDecay.count { spec.decayMult = v1.weightDecay[i] }
            return spec
        }
        return layer
    }

    static func inputs(of stored: StoredNet, layers: [CaffeLayer], file: String) throws(CaffeError) -> [CaffeNet.Input] {
        var inputs: [CaffeNet.Input] = []
        let n = stored.input.count
        if !stored.inputShape.isEmpty {
            guard stored.inputShape.count == n else {
                throw .invalidNet(file: file, reason: "\(stored.inputShape.count) input_shape entries for \(n) inputs")
            }
            inputs = zip(stored.input, stored.inputShape).map { CaffeNet.Input(name: $0, shape: $1) }
        } else if !stored.inputDim.isEmpty {
            guard stored.inputDim.count == 4 * n else {
                throw .invalidNet(file: file, reason: "\(stored.inputDim.count) input_dim values for \(n) inputs (4 per input expected)")
            }
            inputs = stored.input.enumerated().map { i, name in
                CaffeNet.Input(name: name, shape: Array(stored.inputDim[(4 * i)..<(4 * i + 4)]))
            }
        } else {
            inputs = stored.input.map { CaffeNet.Input(name: $0, shape: nil) }
        }
        for layer in layers where layer.type == "Input" {
            let shapes = layer.input?.shape ?? []
            guard shapes.count <= 1 || shapes.count == layer.tops.count else {
                throw .invalidNet(file: file, reason: "Input layer '\(layer.name)' has \(shapes.count) shapes for \(layer.tops.count) tops")
            }
            for (i, top) in layer.tops.enumerated() {
                inputs.append(CaffeNet.Input(name: top, shape: shapes.isEmpty ? nil : shapes[shapes.count == 1 ? 0 : i]))
            }
        }
        return inputs
    }
}
