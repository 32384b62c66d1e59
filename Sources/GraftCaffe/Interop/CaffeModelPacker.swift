import Foundation
internal import CCaffeProto
internal import CProtobufC
import GraftProtobufC

/// Writes small `.caffemodel` bytes through protobuf-c's `pack`, so tests build their fixtures
/// with the same generated descriptors as real files use and the repository needs no binary
/// fixture. Covers what the reader's tests need (names, types, blobs in every storage form,
/// a few parameters), not the whole schema: the exporter is a later step.
enum CaffeModelPacker {
    struct Blob {
        var shape: [Int]?
        /// num, channels, height, width: written as the legacy fields when set.
        var legacy: [Int32]?
        var data: [Float] = []
        var doubleData: [Double] = []
    }

    struct Layer {
        var name: String
        var type: String
        var bottoms: [String] = []
        var tops: [String] = []
        var blobs: [Blob] = []
        /// Written as `convolution_param { num_output }` when set.
        var convolutionNumOutput: Int?
        /// Written as `pooling_param { pool }` (any number, to test undefined enum values).
        var poolingMethod: Int32?
        /// Written as `param { lr_mult }`, one per value.
        var lrMults: [Float] = []
    }

    struct V1Layer {
        var name: String
        var type: Int32
        var bottoms: [String] = []
        var tops: [String] = []
        var blobs: [Blob] = []
        var blobsLR: [Float] = []
        var weightDecay: [Float] = []
        /// Adds an empty V0 definition (`layer`, field 1).
        var v0 = false
    }

    static func pack(name: String, inputs: [String] = [], inputDims: [Int32] = [],
                     layers: [Layer] = [], v1Layers: [V1Layer] = []) -> [UInt8] {
        let arena = ProtobufArena()
        var net = Caffe__NetParameter()
        caffe__net_parameter__init(&net)
        net.name = arena.string(name)
        (net.n_input, net.input) = arena.strings(inputs)
        (net.n_input_dim, net.input_dim) = arena.array(inputDims)
        let packedLayers: [UnsafeMutablePointer<Caffe__LayerParameter>?] = layers.map { layer in
            let p = arena.message(Caffe__LayerParameter.self, caffe__layer_parameter__init)
            p.pointee.name = arena.string(layer.name)
            p.pointee.type = arena.string(layer.type)
            (p.pointee.n_bottom, p.pointee.bottom) = arena.strings(layer.bottoms)
            (p.pointee.n_top, p.pointee.top) = arena.strings(layer.tops)
            (p.pointee.n_blobs, p.pointee.blobs) = arena.array(layer.blobs.map { blob($0, arena) })
            if let numOutput = layer.convolutionNumOutput {
                let c = arena.message(Caffe__ConvolutionParameter.self, caffe__convolution_parameter__init)
                c.pointee.has_num_output = 1
                c.pointee.num_output = UInt32(numOutput)
                p.pointee.convolution_param = c
            }
            if let method = layer.poolingMethod {
                let c = arena.message(Caffe__PoolingParameter.self, caffe__pooling_parameter__init)
                c.pointee.has_pool = 1
                c.pointee.pool = Caffe__PoolingParameter__PoolMethod(rawValue: UInt32(bitPattern: method))
                p.pointee.pooling_param = c
            }
            let specs: [UnsafeMutablePointer<Caffe__ParamSpec>?] = layer.lrMults.map { lr in
                let s = arena.message(Caffe__ParamSpec.self, caffe__param_spec__init)
                s.pointee.has_lr_mult = 1
                s.pointee.lr_mult = lr
                return s
            }
            (p.pointee.n_param, p.pointee.param) = arena.array(specs)
            return p
        }
        (net.n_layer, net.layer) = arena.array(packedLayers)
        let packedV1: [UnsafeMutablePointer<Caffe__V1LayerParameter>?] = v1Layers.map { layer in
            let p = arena.message(Caffe__V1LayerParameter.self, caffe__v1_layer_parameter__init)
            p.pointee.name = arena.string(layer.name)
            p.pointee.has_type = 1
            p.pointee.type = Caffe__V1LayerParameter__LayerType(rawValue: UInt32(bitPattern: layer.type))
            (p.pointee.n_bottom, p.pointee.bottom) = arena.strings(layer.bottoms)
            (p.pointee.n_top, p.pointee.top) = arena.strings(layer.tops)
            (p.pointee.n_blobs, p.pointee.blobs) = arena.array(layer.blobs.map { blob($0, arena) })
            (p.pointee.n_blobs_lr, p.pointee.blobs_lr) = arena.array(layer.blobsLR)
            (p.pointee.n_weight_decay, p.pointee.weight_decay) = arena.array(layer.weightDecay)
            if layer.v0 {
                p.pointee.layer = arena.message(Caffe__V0LayerParameter.self, caffe__v0_layer_parameter__init)
            }
            return p
        }
        (net.n_layers, net.layers) = arena.array(packedV1)
        let size = caffe__net_parameter__get_packed_size(&net)
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { caffe__net_parameter__pack(&net, $0.baseAddress!) }
        precondition(written == size, "protobuf-c packed \(written) of \(size) bytes")
        return bytes
    }

    private static func blob(_ blob: Blob, _ arena: ProtobufArena) -> UnsafeMutablePointer<Caffe__BlobProto>? {
        let p = arena.message(Caffe__BlobProto.self, caffe__blob_proto__init)
        if let shape = blob.shape {
            let s = arena.message(Caffe__BlobShape.self, caffe__blob_shape__init)
            (s.pointee.n_dim, s.pointee.dim) = arena.array(shape.map(Int64.init))
            p.pointee.shape = s
        }
        if let legacy = blob.legacy {
            p.pointee.has_num = 1
            p.pointee.num = legacy[0]
            p.pointee.has_channels = 1
            p.pointee.channels = legacy[1]
            p.pointee.has_height = 1
            p.pointee.height = legacy[2]
            p.pointee.has_width = 1
            p.pointee.width = legacy[3]
        }
        (p.pointee.n_data, p.pointee.data) = arena.array(blob.data)
        (p.pointee.n_double_data, p.pointee.double_data) = arena.array(blob.doubleData)
        return p
    }
}
