import Foundation
import Testing
@testable import GraftCaffe

/// The parameter tables (``CaffeFields``) drive all four directions: the text reader, the binary
/// reader, the prototxt writer and the caffemodel writer. A layer that sets every field of every
/// `*_param` block to a value other than its default goes through each.
private let everyField = """
    layer { name: "all" type: "Everything" bottom: "a" top: "b"
      param { name: "w" share_mode: PERMISSIVE lr_mult: 0.5 decay_mult: 2 } param { lr_mult: 0 }
      include { phase: TEST min_level: 1 max_level: 3 stage: "s" not_stage: "t" } exclude { phase: TRAIN }
      transform_param { scale: 0.5 mirror: true crop_size: 3 mean_file: "m.binaryproto" mean_value: 1 mean_value: 2
        force_color: true force_gray: true }
      loss_param { ignore_label: 255 normalization: BATCH_SIZE normalize: false }
      accuracy_param { top_k: 5 axis: 2 ignore_label: -1 }
      batch_norm_param { use_global_stats: true moving_average_fraction: 0.9 eps: 0.001 }
      bias_param { axis: 0 num_axes: 2 filler { type: "gaussian" std: 0.5 } }
      concat_param { axis: 2 concat_dim: 1 }
      convolution_param { num_output: 8 bias_term: false pad: 1 pad: 2 kernel_size: 3 stride: 2 dilation: 2
        pad_h: 1 pad_w: 2 kernel_h: 3 kernel_w: 5 stride_h: 1 stride_w: 2 group: 2
        weight_filler { type: "msra" value: 1 min: -1 max: 2 mean: 0.5 std: 0.1 sparse: 3 variance_norm: FAN_OUT }
        bias_filler { value: 0.2 } engine: CUDNN axis: 2 force_nd_im2col: true }
      crop_param { axis: 1 offset: 2 offset: 3 }
      data_param { source: "db" batch_size: 64 rand_skip: 5 backend: LMDB scale: 0.5 mean_file: "m" crop_size: 7
        mirror: true force_encoded_color: true prefetch: 2 }
      dropout_param { dropout_ratio: 0.25 }
      eltwise_param { operation: MAX coeff: 1 coeff: -1 stable_prod_grad: false }
      elu_param { alpha: 0.5 }
      flatten_param { axis: 2 end_axis: 3 }
      hdf5_data_param { source: "h" batch_size: 3 shuffle: true }
      image_data_param { source: "i" batch_size: 2 rand_skip: 1 shuffle: true new_height: 8 new_width: 9 is_color: false
        scale: 0.5 mean_file: "m" crop_size: 4 mirror: true root_folder: "r/" }
      inner_product_param { num_output: 10 bias_term: false weight_filler { type: "xavier" }
        bias_filler { type: "constant" value: 1 } axis: 2 transpose: true }
      input_param { shape { dim: 1 dim: 3 } shape { dim: 2 } }
      lrn_param { local_size: 3 alpha: 0.5 beta: 0.25 norm_region: WITHIN_CHANNEL k: 2 engine: CAFFE }
      memory_data_param { batch_size: 1 channels: 2 height: 3 width: 4 }
      pooling_param { pool: AVE pad: 1 pad_h: 1 pad_w: 2 kernel_size: 3 kernel_h: 3 kernel_w: 2 stride: 2 stride_h: 2
        stride_w: 1 engine: CAFFE global_pooling: true round_mode: FLOOR }
      power_param { power: 2 scale: 0.5 shift: 1 }
      prelu_param { filler { type: "constant" value: 0.25 } channel_shared: true }
      relu_param { negative_slope: 0.1 engine: CUDNN }
      reshape_param { shape { dim: 0 dim: -1 } axis: 1 num_axes: 2 }
      scale_param { axis: 0 num_axes: 2 filler { value: 2 } bias_term: true bias_filler { value: 3 } }
      softmax_param { engine: CAFFE axis: 2 }
      slice_param { axis: 2 slice_point: 1 slice_point: 3 slice_dim: 1 }
      threshold_param { threshold: 0.5 }
    }
    """

/// The names of `value`'s fields the prototxt writer leaves out (those at their defaults).
private func unwritten<M: CaffeMessage>(_ value: M?) -> [String] {
    guard let value else { return ["(block absent)"] }
    return M.fields.all.filter { field in
        var b = TextBuilder()
        field.writeText(value, &b)
        return b.message.fields.isEmpty
    }.map(\.name)
}

/// Protobuf wire bytes written by hand (independent of the tables).
private enum Wire {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }
    static func message(_ number: UInt64, _ fields: [UInt8]...) -> [UInt8] {
        let bytes = fields.flatMap { $0 }
        return varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }
    static func string(_ number: UInt64, _ s: String) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(s.utf8.count)) + Array(s.utf8) }
    static func int(_ number: UInt64, _ value: Int) -> [UInt8] { varint(number << 3) + varint(UInt64(bitPattern: Int64(value))) }
    static func float(_ number: UInt64, _ value: Float) -> [UInt8] {
        varint(number << 3 | 5) + withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
    }
}

struct CaffeFieldTableTests {
    static func layer() throws -> CaffeLayer { try #require(try CaffePrototxt.decode(everyField, file: "every.prototxt").layers.first) }

    /// The fixture leaves no field of any block at its default, so the round trips below cover
    /// every table entry (`ceil_mode` aside: text only, and it would override `round_mode`).
    @Test func theFixtureSetsEveryField() throws {
        let p = try Self.layer().parameters
        let left: [String: [String]] = [
            "transform": unwritten(p.transform), "loss": unwritten(p.loss), "accuracy": unwritten(p.accuracy),
            "batchNorm": unwritten(p.batchNorm), "bias": unwritten(p.bias), "concat": unwritten(p.concat),
            "convolution": unwritten(p.convolution), "crop": unwritten(p.crop), "data": unwritten(p.data),
            "dropout": unwritten(p.dropout), "eltwise": unwritten(p.eltwise), "elu": unwritten(p.elu),
            "flatten": unwritten(p.flatten), "hdf5Data": unwritten(p.hdf5Data), "imageData": unwritten(p.imageData),
            "innerProduct": unwritten(p.innerProduct), "input": unwritten(p.input), "lrn": unwritten(p.lrn),
            "memoryData": unwritten(p.memoryData), "pooling": unwritten(p.pooling), "power": unwritten(p.power),
            "prelu": unwritten(p.prelu), "relu": unwritten(p.relu), "reshape": unwritten(p.reshape),
            "scale": unwritten(p.scale), "softmax": unwritten(p.softmax), "slice": unwritten(p.slice),
            "threshold": unwritten(p.threshold), "filler": unwritten(p.convolution?.weightFiller),
            "param": unwritten(try Self.layer().params.first), "include": unwritten(try Self.layer().include.first),
        ]
        #expect(left.filter { !$0.value.isEmpty } == ["pooling": ["ceil_mode"]])
        #expect(CaffeLayerParameters.fields.all.count == 28)
    }

    /// The fixture's convolution and pooling blocks, built by hand.
    static let convolution: CaffeParam.Convolution = {
        var conv = CaffeParam.Convolution()
        conv.numOutput = 8
        conv.biasTerm = false
        (conv.pad, conv.kernelSize, conv.stride, conv.dilation) = ([1, 2], [3], [2], [2])
        (conv.padH, conv.padW, conv.kernelH, conv.kernelW, conv.strideH, conv.strideW) = (1, 2, 3, 5, 1, 2)
        conv.group = 2
        var filler = CaffeParam.Filler()
        (filler.type, filler.value, filler.min, filler.max, filler.mean, filler.std) = ("msra", 1, -1, 2, 0.5, 0.1)
        (filler.sparse, filler.varianceNorm) = (3, .fanOut)
        conv.weightFiller = filler
        conv.biasFiller = .constant(0.2)
        (conv.engine, conv.axis, conv.forceNDIm2col) = (.cudnn, 2, true)
        return conv
    }()

    static let pooling: CaffeParam.Pooling = {
        var pool = CaffeParam.Pooling()
        (pool.pool, pool.pad, pool.padH, pool.padW, pool.kernelSize, pool.kernelH, pool.kernelW) = (.ave, 1, 1, 2, 3, 3, 2)
        (pool.stride, pool.strideH, pool.strideW, pool.engine, pool.globalPooling, pool.roundMode) = (2, 2, 1, .caffe, true, .floor)
        return pool
    }()

    /// The fixture's layer with the hand-built blocks, so that the writers' round trips do not
    /// depend on the text reader.
    static func handBuiltLayer() throws -> CaffeLayer {
        var layer = try Self.layer()
        layer.parameters.convolution = Self.convolution
        layer.parameters.pooling = Self.pooling
        return layer
    }

    @Test func textReaderFillsTheTypedStructs() throws {
        let layer = try Self.layer()
        #expect(layer.parameters.convolution == Self.convolution)
        #expect(layer.parameters.pooling == Self.pooling)
        #expect(layer.parameters.input?.shape == [[1, 3], [2]])
        #expect(layer.parameters.reshape?.shape == [0, -1])
        #expect(layer.params == [CaffeParamSpec(name: "w", shareMode: .permissive, lrMult: 0.5, decayMult: 2), CaffeParamSpec(lrMult: 0)])
        var rule = CaffeNetStateRule(phase: .test)
        (rule.minLevel, rule.maxLevel, rule.stage, rule.notStage) = (1, 3, ["s"], ["t"])
        #expect(layer.include == [rule] && layer.exclude == [CaffeNetStateRule(phase: .train)])
    }

    @Test func prototxtWriterRoundTripsEveryField() throws {
        let layer = try Self.handBuiltLayer()
        var net = CaffeNet(name: "every")
        net.layers = [layer]
        let again = try #require(try CaffePrototxt.decode(CaffePrototxtWriter.text(net), file: "written").layers.first)
        #expect(again.parameters == layer.parameters)
        #expect(again.params == layer.params)
        #expect(again.include == layer.include && again.exclude == layer.exclude)
        // Defaults are left out, in caffe.proto's order.
        var conv = CaffeLayer(name: "c", type: "Convolution")
        var c = CaffeParam.Convolution()
        (c.numOutput, c.kernelSize, c.group, c.strideH, c.strideW) = (0, [3], 2, 1, 2)
        c.weightFiller = .constant(0)
        conv.parameters.convolution = c
        conv.parameters.relu = CaffeParam.ReLU()
        #expect(CaffePrototxtWriter.parametersText(of: conv) == """
            convolution_param {
              num_output: 0
              kernel_size: 3
              stride_h: 1
              stride_w: 2
              group: 2
              weight_filler {
              }
            }
            relu_param {
            }

            """)
    }

    @Test func caffemodelWriterRoundTripsEveryField() throws {
        var layer = try Self.handBuiltLayer()
        layer.include = []
        layer.exclude = []
        var net = CaffeNet(name: "every")
        net.layers = [layer]
        let read = try CaffeModelReader.decode(Data(CaffeModelWriter.encode(net)), file: "every.caffemodel", strict: true)
        let again = try #require(read.layers.first)
        #expect(again.parameters == layer.parameters)
        #expect(again.params == layer.params)
        // The forks' ceil_mode is written as BVLC's round_mode.
        var pool = CaffeParam.Pooling()
        pool.ceilMode = false
        net.layers[0].parameters = CaffeLayerParameters()
        net.layers[0].parameters.pooling = pool
        let pooled = try CaffeModelReader.decode(Data(CaffeModelWriter.encode(net)), file: "pool.caffemodel")
        #expect(pooled.layers.first?.parameters.pooling?.roundMode == .floor)
        #expect(pooled.layers.first?.parameters.pooling?.ceilMode == nil)
    }

    /// Every block written empty (all fields at the Swift defaults, so none is written) reads back
    /// as those defaults: protobuf-c fills in caffe.proto's, so the two agree.
    @Test func swiftDefaultsAreCaffeProtosDefaults() throws {
        var p = CaffeLayerParameters()
        (p.transform, p.loss, p.accuracy, p.batchNorm, p.bias, p.concat, p.convolution) = (.init(), .init(), .init(), .init(), .init(), .init(), .init())
        (p.crop, p.data, p.dropout, p.eltwise, p.elu, p.flatten, p.hdf5Data) = (.init(), .init(), .init(), .init(), .init(), .init(), .init())
        (p.imageData, p.innerProduct, p.input, p.lrn, p.memoryData, p.pooling, p.power) = (.init(), .init(), .init(), .init(), .init(), .init(), .init())
        (p.prelu, p.relu, p.reshape, p.scale, p.softmax, p.slice, p.threshold) = (.init(), .init(), .init(), .init(), .init(), .init(), .init())
        p.convolution?.weightFiller = CaffeParam.Filler()
        var layer = CaffeLayer(name: "defaults", type: "Nothing")
        layer.parameters = p
        layer.params = [CaffeParamSpec()]
        var net = CaffeNet(name: "defaults")
        net.layers = [layer]
        let read = try CaffeModelReader.decode(Data(CaffeModelWriter.encode(net)), file: "defaults.caffemodel", strict: true)
        #expect(read.layers.first?.parameters == p)
        #expect(read.layers.first?.params == [CaffeParamSpec()])
    }

    /// Bytes written by hand, independent of the tables, read into the typed structs.
    @Test func binaryReaderFillsTheTypedStructs() throws {
        let layer = Wire.message(100,
            Wire.string(1, "c"), Wire.string(2, "Convolution"),
            Wire.message(6, Wire.string(1, "w"), Wire.int(2, 1), Wire.float(3, 0.5), Wire.float(4, 2)),
            Wire.message(106, Wire.int(1, 4), Wire.int(2, 0), Wire.int(3, 1), Wire.int(3, 2), Wire.int(4, 3), Wire.int(6, 2),
                         Wire.int(9, 1), Wire.int(11, 3), Wire.int(12, 5), Wire.int(5, 2),
                         Wire.message(7, Wire.string(1, "msra"), Wire.float(6, 0.1), Wire.int(7, 3), Wire.int(8, 1)),
                         Wire.int(15, 2), Wire.int(16, -1), Wire.int(17, 1), Wire.int(18, 2)),
            Wire.message(121, Wire.int(1, 1), Wire.int(2, 3), Wire.int(3, 2), Wire.int(9, 1), Wire.int(10, 0),
                         Wire.int(12, 1), Wire.int(13, 1)),
            Wire.message(123, Wire.float(1, 0.25)))
        let net = try CaffeModelReader.decode(Data(layer), file: "hand.caffemodel", strict: true)
        let read = try #require(net.layers.first)
        var conv = CaffeParam.Convolution()
        (conv.numOutput, conv.biasTerm, conv.pad, conv.kernelSize, conv.stride) = (4, false, [1, 2], [3], [2])
        (conv.padH, conv.kernelH, conv.kernelW, conv.group, conv.dilation) = (1, 3, 5, 2, [2])
        var filler = CaffeParam.Filler()
        (filler.type, filler.std, filler.sparse, filler.varianceNorm) = ("msra", 0.1, 3, .fanOut)
        conv.weightFiller = filler
        (conv.engine, conv.axis, conv.forceNDIm2col) = (.cudnn, -1, true)
        #expect(read.parameters.convolution == conv)
        var pool = CaffeParam.Pooling()
        (pool.pool, pool.kernelSize, pool.stride, pool.padH, pool.padW, pool.globalPooling, pool.roundMode) = (.ave, 3, 2, 1, 0, true, .floor)
        #expect(read.parameters.pooling == pool)
        #expect(read.parameters.relu?.negativeSlope == 0.25)
        #expect(read.params == [CaffeParamSpec(name: "w", shareMode: .permissive, lrMult: 0.5, decayMult: 2)])
        // An undefined enum number names the field by its path.
        let bad = Wire.message(100, Wire.string(1, "c"), Wire.message(106, Wire.message(7, Wire.int(8, 7))))
        #expect(throws: CaffeError.invalidEnum(file: "bad.caffemodel", layer: "c", field: "convolution_param.weight_filler.variance_norm", value: 7)) {
            try CaffeModelReader.decode(Data(bad), file: "bad.caffemodel")
        }
    }
}
