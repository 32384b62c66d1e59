import Foundation
import GraftFiles
import GraftCore
internal import CCaffeProto
internal import CProtobufC
import GraftProtobufC

/// Writes a ``CaffeNet`` as a V2 `.caffemodel` (`NetParameter` with `layer` entries and BlobShape
/// blobs) through protobuf-c's `pack`, with the descriptors generated from `schemas/caffe.proto`.
///
/// The C message tree is built in an arena freed after packing; blob data is not copied into it:
/// each blob's `data` points at its Swift array for the duration of the pack.
enum CaffeModelWriter {
    static func write(_ net: CaffeNet, to path: String) throws(CaffeExportError) {
        let bytes = encode(net)
        do {
            try AtomicFile.write(to: path) { handle in try handle.write(contentsOf: bytes) }
        } catch let failure as AtomicFile.Failure {
            throw .io(path: path, reason: failure.reason)
        } catch {
            throw .io(path: path, reason: "\(error)")
        }
    }

    static func encode(_ net: CaffeNet) -> [UInt8] {
        let arrays = net.layers.flatMap { $0.blobs.map(\.data) }
        return withBufferPointers(arrays[...]) { pointers in
            let arena = ProtobufArena()
            var message = Caffe__NetParameter()
            caffe__net_parameter__init(&message)
            if !net.name.isEmpty { message.name = arena.string(net.name) }
            var next = 0
            let layers: [UnsafeMutablePointer<Caffe__LayerParameter>?] = net.layers.map { layer in
                let l = arena.layer(layer, blobData: Array(pointers[next..<(next + layer.blobs.count)]))
                next += layer.blobs.count
                return l
            }
            (message.n_layer, message.layer) = arena.array(layers)
            let size = caffe__net_parameter__get_packed_size(&message)
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                initialized = caffe__net_parameter__pack(&message, buffer.baseAddress!)
            }
            precondition(bytes.count == size, "protobuf-c packed \(bytes.count) of \(size) bytes")
            return bytes
        }
    }

    /// Calls `body` with a base pointer for every array (recursively nested `withUnsafeBufferPointer`).
    private static func withBufferPointers<R>(_ arrays: ArraySlice<[Float]>, _ collected: [UnsafePointer<Float>?] = [],
                                              _ body: ([UnsafePointer<Float>?]) -> R) -> R {
        guard let first = arrays.first else { return body(collected) }
        return first.withUnsafeBufferPointer { buffer in
            withBufferPointers(arrays.dropFirst(), collected + [buffer.baseAddress], body)
        }
    }
}

/// The Caffe messages of one pack, built in a ``ProtobufArena`` (freed together afterwards). The
/// `param` specs and `*_param` blocks are written through their tables (``BinaryMessage/write(_:of:)``),
/// leaving out what the prototxt writer leaves out: fields at caffe.proto's defaults.
private extension ProtobufArena {
    func blob(_ blob: CaffeBlob, data: UnsafePointer<Float>?) -> UnsafeMutablePointer<Caffe__BlobProto>? {
        let b: UnsafeMutablePointer<Caffe__BlobProto> = message(caffe__blob_proto__init)
        let shape: UnsafeMutablePointer<Caffe__BlobShape> = message(caffe__blob_shape__init)
        (shape.pointee.n_dim, shape.pointee.dim) = array(blob.shape.map { Int64($0) })
        b.pointee.shape = shape
        b.pointee.n_data = blob.data.count
        b.pointee.data = UnsafeMutablePointer(mutating: data)   // read only by pack
        return b
    }

    func layer(_ layer: CaffeLayer, blobData: [UnsafePointer<Float>?]) -> UnsafeMutablePointer<Caffe__LayerParameter> {
        let l: UnsafeMutablePointer<Caffe__LayerParameter> = message(caffe__layer_parameter__init)
        l.pointee.name = string(layer.name)
        l.pointee.type = string(layer.type)
        (l.pointee.n_bottom, l.pointee.bottom) = strings(layer.bottoms)
        (l.pointee.n_top, l.pointee.top) = strings(layer.tops)
        (l.pointee.n_loss_weight, l.pointee.loss_weight) = array(layer.lossWeights)
        let fields = BinaryMessage(l, arena: self)
        if !layer.params.isEmpty {
            for (spec, m) in zip(layer.params, fields.field("param").newMessages(layer.params.count)) { m.write(spec) }
        }
        (l.pointee.n_blobs, l.pointee.blobs) = array(zip(layer.blobs, blobData).map { blob($0, data: $1) })
        fields.write(CaffeLayerParameters.fields, of: layer.parameters)
        return l
    }
}
