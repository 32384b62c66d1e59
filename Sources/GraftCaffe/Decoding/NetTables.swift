/// A `NetParameter` as a file stores it, before the steps both readers share (V1 upgrade, input
/// resolution; see ``CaffeUpgrade``).
struct StoredNet: TextDecodable {
    var name = ""
    var input: [String] = []
    var inputShape: [[Int]] = []
    var inputDim: [Int] = []
    var forceBackward = false
    var state: CaffeNetState?
    var debugInfo = false
    var layer: [CaffeLayer] = []
    var layers: [CaffeV1Layer] = []
    var rawUnknown: [String] = []
    var warnings: [CaffeWarning] = []

    static let protoMessageName = "NetParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "name": .string(\.name), "input": .strings(\.input), "input_shape": .shapes(\.inputShape),
        "input_dim": .ints(\.inputDim, .int32), "force_backward": .bool(\.forceBackward),
        "state": .message(\.state), "debug_info": .bool(\.debugInfo),
        "layer": TextFieldSpec(repeated: true) { (net, field, d) throws(TextFormatError) in
            net.layer.append(try d.decodeLayer(CaffeLayer.self, field) { $0.rawUnknown = $1 })
        },
        "layers": TextFieldSpec(repeated: true) { (net, field, d) throws(TextFormatError) in
            net.layers.append(try d.decodeLayer(CaffeV1Layer.self, field) { $0.rawUnknown = $1 })
        },
    ]
}

extension TextDecoding {
    /// Decodes one layer block, naming the layer in warnings and giving it the unknown fields
    /// met inside it (net-level ones stay with the net).
    mutating func decodeLayer<L: TextDecodable>(_ type: L.Type, _ field: TextField,
                                                keep: (inout L, [String]) -> Void) throws(TextFormatError) -> L {
        let block = try message(field)
        let outer = takeUnknown()
        let name = block.fields.first { $0.name == "name" }.flatMap { f -> String? in
            if case .scalar(let s) = f.value, s.kind == .string { return s.string }
            return nil
        }
        layerName = name
        defer { layerName = nil }
        var layer = try decode(L.self, from: block)
        keep(&layer, takeUnknown())
        unknownTexts = outer
        return layer
    }
}

/// `BlobProto` in text. Rare in prototxts, but legal, so it follows the binary reader's rules.
struct BlobText: TextDecodable {
    var shape: [Int]?
    var data: [Float] = []
    var doubleData: [Float] = []
    var num: Int?
    var channels: Int?
    var height: Int?
    var width: Int?
    var position = TextPosition(line: 1, column: 1, offset: 0)

    static let protoMessageName = "BlobProto"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "shape": .shape(\.shape), "data": .floats(\.data), "double_data": .floats(\.doubleData),
        "diff": TextFieldSpec(repeated: true) { (_, field, d) throws(TextFormatError) in _ = try d.float(field) },
        "double_diff": TextFieldSpec(repeated: true) { (_, field, d) throws(TextFormatError) in _ = try d.float(field) },
        "num": .optionalInt(\.num, .int32), "channels": .optionalInt(\.channels, .int32),
        "height": .optionalInt(\.height, .int32), "width": .optionalInt(\.width, .int32),
    ]

    static func blobs<L>(_ path: WritableKeyPath<L, [CaffeBlob]> & Sendable) -> TextFieldSpec<L> {
        TextFieldSpec(repeated: true) { (layer, field, d) throws(TextFormatError) in
            let text = try d.decode(BlobText.self, from: d.message(field))
            let (shape, source) = CaffeBlob.storedShape(blobShape: text.shape, num: text.num, channels: text.channels,
                                                        height: text.height, width: text.width)
            let values = text.data.isEmpty ? text.doubleData : text.data
            guard let count = CaffeBlob.elementCount(shape), count == values.count else {
                throw d.error(.invalidValue(field: "blobs", reason: "\(values.count) values for shape \(shape)"), at: field.position)
            }
            let precision: CaffeBlob.Precision = !text.data.isEmpty ? .float : (text.doubleData.isEmpty ? .none : .double)
            layer[keyPath: path].append(CaffeBlob(shape: shape, shapeSource: source, precision: precision, data: values))
        }
    }
}

extension CaffeLayer: TextDecodable {
    init() { self.init(name: "", type: "") }
    static let protoMessageName = "LayerParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "name": .string(\.name), "type": .string(\.type), "bottom": .strings(\.bottoms), "top": .strings(\.tops),
        "phase": .optionalEnum(\.phase), "loss_weight": .floats(\.lossWeights), "param": .messages(\.params),
        "blobs": BlobText.blobs(\.blobs), "propagate_down": .bools(\.propagateDown),
        "include": .messages(\.include), "exclude": .messages(\.exclude),
        "transform_param": .message(\.parameters.transform), "loss_param": .message(\.parameters.loss),
        "accuracy_param": .message(\.parameters.accuracy), "batch_norm_param": .message(\.parameters.batchNorm),
        "bias_param": .message(\.parameters.bias), "concat_param": .message(\.parameters.concat),
        "convolution_param": .message(\.parameters.convolution), "crop_param": .message(\.parameters.crop),
        "data_param": .message(\.parameters.data), "dropout_param": .message(\.parameters.dropout),
        "eltwise_param": .message(\.parameters.eltwise), "elu_param": .message(\.parameters.elu),
        "flatten_param": .message(\.parameters.flatten), "hdf5_data_param": .message(\.parameters.hdf5Data),
        "image_data_param": .message(\.parameters.imageData), "inner_product_param": .message(\.parameters.innerProduct),
        "input_param": .message(\.parameters.input), "lrn_param": .message(\.parameters.lrn),
        "memory_data_param": .message(\.parameters.memoryData), "pooling_param": .message(\.parameters.pooling),
        "power_param": .message(\.parameters.power), "prelu_param": .message(\.parameters.prelu),
        "relu_param": .message(\.parameters.relu), "reshape_param": .message(\.parameters.reshape),
        "scale_param": .message(\.parameters.scale), "softmax_param": .message(\.parameters.softmax),
        "slice_param": .message(\.parameters.slice), "threshold_param": .message(\.parameters.threshold),
    ]
}

extension CaffeV1Layer: TextDecodable {
    init() { self.init(name: "", type: .none) }
    static let protoMessageName = "V1LayerParameter"
    static let textFields: [String: TextFieldSpec<Self>] = [
        "bottom": .strings(\.bottoms), "top": .strings(\.tops), "name": .string(\.name),
        "include": .messages(\.include), "exclude": .messages(\.exclude), "type": .enumeration(\.type),
        "blobs": BlobText.blobs(\.blobs), "param": .strings(\.paramNames), "blob_share_mode": .enums(\.blobShareModes),
        "blobs_lr": .floats(\.blobsLR), "weight_decay": .floats(\.weightDecay), "loss_weight": .floats(\.lossWeights),
        "accuracy_param": .message(\.parameters.accuracy), "concat_param": .message(\.parameters.concat),
        "convolution_param": .message(\.parameters.convolution), "data_param": .message(\.parameters.data),
        "dropout_param": .message(\.parameters.dropout), "eltwise_param": .message(\.parameters.eltwise),
        "hdf5_data_param": .message(\.parameters.hdf5Data), "image_data_param": .message(\.parameters.imageData),
        "inner_product_param": .message(\.parameters.innerProduct), "lrn_param": .message(\.parameters.lrn),
        "memory_data_param": .message(\.parameters.memoryData), "pooling_param": .message(\.parameters.pooling),
        "power_param": .message(\.parameters.power), "relu_param": .message(\.parameters.relu),
        "softmax_param": .message(\.parameters.softmax), "slice_param": .message(\.parameters.slice),
        "threshold_param": .message(\.parameters.threshold), "transform_param": .message(\.parameters.transform),
        "loss_param": .message(\.parameters.loss),
        "layer": TextFieldSpec(repeated: false) { (layer, field, d) throws(TextFormatError) in
            _ = try d.message(field)
            layer.hasV0Definition = true
        },
    ]
}
