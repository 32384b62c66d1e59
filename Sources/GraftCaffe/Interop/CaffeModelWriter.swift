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

/// The Caffe messages of one pack, built in a ``ProtobufArena`` (freed together afterwards).
private extension ProtobufArena {
    func uints(_ values: [Int]) -> (Int, UnsafeMutablePointer<UInt32>?) { array(values.map { UInt32(truncatingIfNeeded: $0) }) }

    func filler(_ f: CaffeParam.Filler?) -> UnsafeMutablePointer<Caffe__FillerParameter>? {
        guard let f else { return nil }
        let m: UnsafeMutablePointer<Caffe__FillerParameter> = message(caffe__filler_parameter__init)
        m.pointee.type = string(f.type)
        (m.pointee.has_value, m.pointee.value) = (1, f.value)
        (m.pointee.has_min, m.pointee.min) = (1, f.min)
        (m.pointee.has_max, m.pointee.max) = (1, f.max)
        (m.pointee.has_mean, m.pointee.mean) = (1, f.mean)
        (m.pointee.has_std, m.pointee.std) = (1, f.std)
        (m.pointee.has_sparse, m.pointee.sparse) = (1, Int32(truncatingIfNeeded: f.sparse))
        m.pointee.has_variance_norm = 1
        m.pointee.variance_norm = Caffe__FillerParameter__VarianceNorm(rawValue: UInt32(f.varianceNorm.rawValue))
        return m
    }

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
        let params: [UnsafeMutablePointer<Caffe__ParamSpec>?] = layer.params.map { spec in
            let s: UnsafeMutablePointer<Caffe__ParamSpec> = message(caffe__param_spec__init)
            if let name = spec.name { s.pointee.name = string(name) }
            if let mode = spec.shareMode {
                s.pointee.has_share_mode = 1
                s.pointee.share_mode = Caffe__ParamSpec__DimCheckMode(rawValue: UInt32(mode.rawValue))
            }
            (s.pointee.has_lr_mult, s.pointee.lr_mult) = (1, spec.lrMult)
            (s.pointee.has_decay_mult, s.pointee.decay_mult) = (1, spec.decayMult)
            return s
        }
        (l.pointee.n_param, l.pointee.param) = array(params)
        (l.pointee.n_blobs, l.pointee.blobs) = array(zip(layer.blobs, blobData).map { blob($0, data: $1) })
        parameters(layer.parameters, into: l)
        return l
    }

    // The inference layers' parameter blocks (the importer's mapped kinds, plus Threshold for
    // opaque layers); data, loss and accuracy blocks never occur in an export.
    func parameters(_ p: CaffeLayerParameters, into l: UnsafeMutablePointer<Caffe__LayerParameter>) {
        if let c = p.convolution {
            let m: UnsafeMutablePointer<Caffe__ConvolutionParameter> = message(caffe__convolution_parameter__init)
            (m.pointee.has_num_output, m.pointee.num_output) = (1, UInt32(c.numOutput))
            (m.pointee.has_bias_term, m.pointee.bias_term) = (1, c.biasTerm ? 1 : 0)
            (m.pointee.n_pad, m.pointee.pad) = uints(c.pad)
            (m.pointee.n_kernel_size, m.pointee.kernel_size) = uints(c.kernelSize)
            (m.pointee.n_stride, m.pointee.stride) = uints(c.stride)
            (m.pointee.n_dilation, m.pointee.dilation) = uints(c.dilation)
            if let v = c.padH { (m.pointee.has_pad_h, m.pointee.pad_h) = (1, UInt32(v)) }
            if let v = c.padW { (m.pointee.has_pad_w, m.pointee.pad_w) = (1, UInt32(v)) }
            if let v = c.kernelH { (m.pointee.has_kernel_h, m.pointee.kernel_h) = (1, UInt32(v)) }
            if let v = c.kernelW { (m.pointee.has_kernel_w, m.pointee.kernel_w) = (1, UInt32(v)) }
            if let v = c.strideH { (m.pointee.has_stride_h, m.pointee.stride_h) = (1, UInt32(v)) }
            if let v = c.strideW { (m.pointee.has_stride_w, m.pointee.stride_w) = (1, UInt32(v)) }
            (m.pointee.has_group, m.pointee.group) = (1, UInt32(c.group))
            m.pointee.weight_filler = filler(c.weightFiller)
            m.pointee.bias_filler = filler(c.biasFiller)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            l.pointee.convolution_param = m
        }
        if let c = p.innerProduct {
            let m: UnsafeMutablePointer<Caffe__InnerProductParameter> = message(caffe__inner_product_parameter__init)
            (m.pointee.has_num_output, m.pointee.num_output) = (1, UInt32(c.numOutput))
            (m.pointee.has_bias_term, m.pointee.bias_term) = (1, c.biasTerm ? 1 : 0)
            m.pointee.weight_filler = filler(c.weightFiller)
            m.pointee.bias_filler = filler(c.biasFiller)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.has_transpose, m.pointee.transpose) = (1, c.transpose ? 1 : 0)
            l.pointee.inner_product_param = m
        }
        if let c = p.pooling {
            let m: UnsafeMutablePointer<Caffe__PoolingParameter> = message(caffe__pooling_parameter__init)
            m.pointee.has_pool = 1
            m.pointee.pool = Caffe__PoolingParameter__PoolMethod(rawValue: UInt32(c.pool.rawValue))
            (m.pointee.has_pad, m.pointee.pad) = (1, UInt32(c.pad))
            if let v = c.padH { (m.pointee.has_pad_h, m.pointee.pad_h) = (1, UInt32(v)) }
            if let v = c.padW { (m.pointee.has_pad_w, m.pointee.pad_w) = (1, UInt32(v)) }
            if let v = c.kernelSize { (m.pointee.has_kernel_size, m.pointee.kernel_size) = (1, UInt32(v)) }
            if let v = c.kernelH { (m.pointee.has_kernel_h, m.pointee.kernel_h) = (1, UInt32(v)) }
            if let v = c.kernelW { (m.pointee.has_kernel_w, m.pointee.kernel_w) = (1, UInt32(v)) }
            (m.pointee.has_stride, m.pointee.stride) = (1, UInt32(c.stride))
            if let v = c.strideH { (m.pointee.has_stride_h, m.pointee.stride_h) = (1, UInt32(v)) }
            if let v = c.strideW { (m.pointee.has_stride_w, m.pointee.stride_w) = (1, UInt32(v)) }
            (m.pointee.has_global_pooling, m.pointee.global_pooling) = (1, c.globalPooling ? 1 : 0)
            // BVLC's field 13 carries the effective rounding (`ceil_mode` has no field of its own).
            if c.rounding != .ceil {
                m.pointee.has_round_mode = 1
                m.pointee.round_mode = Caffe__PoolingParameter__RoundMode(rawValue: UInt32(c.rounding.rawValue))
            }
            l.pointee.pooling_param = m
        }
        if let c = p.lrn {
            let m: UnsafeMutablePointer<Caffe__LRNParameter> = message(caffe__lrnparameter__init)
            (m.pointee.has_local_size, m.pointee.local_size) = (1, UInt32(c.localSize))
            (m.pointee.has_alpha, m.pointee.alpha) = (1, c.alpha)
            (m.pointee.has_beta, m.pointee.beta) = (1, c.beta)
            (m.pointee.has_k, m.pointee.k) = (1, c.k)
            m.pointee.has_norm_region = 1
            m.pointee.norm_region = Caffe__LRNParameter__NormRegion(rawValue: UInt32(c.normRegion.rawValue))
            l.pointee.lrn_param = m
        }
        if let c = p.batchNorm {
            let m: UnsafeMutablePointer<Caffe__BatchNormParameter> = message(caffe__batch_norm_parameter__init)
            if let g = c.useGlobalStats { (m.pointee.has_use_global_stats, m.pointee.use_global_stats) = (1, g ? 1 : 0) }
            (m.pointee.has_moving_average_fraction, m.pointee.moving_average_fraction) = (1, c.movingAverageFraction)
            (m.pointee.has_eps, m.pointee.eps) = (1, c.eps)
            l.pointee.batch_norm_param = m
        }
        if let c = p.scale {
            let m: UnsafeMutablePointer<Caffe__ScaleParameter> = message(caffe__scale_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.has_num_axes, m.pointee.num_axes) = (1, Int32(c.numAxes))
            m.pointee.filler = filler(c.filler)
            (m.pointee.has_bias_term, m.pointee.bias_term) = (1, c.biasTerm ? 1 : 0)
            m.pointee.bias_filler = filler(c.biasFiller)
            l.pointee.scale_param = m
        }
        if let c = p.bias {
            let m: UnsafeMutablePointer<Caffe__BiasParameter> = message(caffe__bias_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.has_num_axes, m.pointee.num_axes) = (1, Int32(c.numAxes))
            m.pointee.filler = filler(c.filler)
            l.pointee.bias_param = m
        }
        if let c = p.relu {
            let m: UnsafeMutablePointer<Caffe__ReLUParameter> = message(caffe__re_luparameter__init)
            (m.pointee.has_negative_slope, m.pointee.negative_slope) = (1, c.negativeSlope)
            l.pointee.relu_param = m
        }
        if let c = p.prelu {
            let m: UnsafeMutablePointer<Caffe__PReLUParameter> = message(caffe__pre_luparameter__init)
            m.pointee.filler = filler(c.filler)
            (m.pointee.has_channel_shared, m.pointee.channel_shared) = (1, c.channelShared ? 1 : 0)
            l.pointee.prelu_param = m
        }
        if let c = p.elu {
            let m: UnsafeMutablePointer<Caffe__ELUParameter> = message(caffe__eluparameter__init)
            (m.pointee.has_alpha, m.pointee.alpha) = (1, c.alpha)
            l.pointee.elu_param = m
        }
        if let c = p.power {
            let m: UnsafeMutablePointer<Caffe__PowerParameter> = message(caffe__power_parameter__init)
            (m.pointee.has_power, m.pointee.power) = (1, c.power)
            (m.pointee.has_scale, m.pointee.scale) = (1, c.scale)
            (m.pointee.has_shift, m.pointee.shift) = (1, c.shift)
            l.pointee.power_param = m
        }
        if let c = p.softmax {
            let m: UnsafeMutablePointer<Caffe__SoftmaxParameter> = message(caffe__softmax_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            l.pointee.softmax_param = m
        }
        if let c = p.concat {
            let m: UnsafeMutablePointer<Caffe__ConcatParameter> = message(caffe__concat_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            if let d = c.concatDim { (m.pointee.has_concat_dim, m.pointee.concat_dim) = (1, UInt32(d)) }
            l.pointee.concat_param = m
        }
        if let c = p.eltwise {
            let m: UnsafeMutablePointer<Caffe__EltwiseParameter> = message(caffe__eltwise_parameter__init)
            m.pointee.has_operation = 1
            m.pointee.operation = Caffe__EltwiseParameter__EltwiseOp(rawValue: UInt32(c.operation.rawValue))
            (m.pointee.n_coeff, m.pointee.coeff) = array(c.coeff)
            l.pointee.eltwise_param = m
        }
        if let c = p.flatten {
            let m: UnsafeMutablePointer<Caffe__FlattenParameter> = message(caffe__flatten_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.has_end_axis, m.pointee.end_axis) = (1, Int32(c.endAxis))
            l.pointee.flatten_param = m
        }
        if let c = p.reshape {
            let m: UnsafeMutablePointer<Caffe__ReshapeParameter> = message(caffe__reshape_parameter__init)
            if let shape = c.shape {
                let s: UnsafeMutablePointer<Caffe__BlobShape> = message(caffe__blob_shape__init)
                (s.pointee.n_dim, s.pointee.dim) = array(shape.map { Int64($0) })
                m.pointee.shape = s
            }
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.has_num_axes, m.pointee.num_axes) = (1, Int32(c.numAxes))
            l.pointee.reshape_param = m
        }
        if let c = p.dropout {
            let m: UnsafeMutablePointer<Caffe__DropoutParameter> = message(caffe__dropout_parameter__init)
            (m.pointee.has_dropout_ratio, m.pointee.dropout_ratio) = (1, c.dropoutRatio)
            l.pointee.dropout_param = m
        }
        if let c = p.crop {
            let m: UnsafeMutablePointer<Caffe__CropParameter> = message(caffe__crop_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.n_offset, m.pointee.offset) = uints(c.offset)
            l.pointee.crop_param = m
        }
        if let c = p.slice {
            let m: UnsafeMutablePointer<Caffe__SliceParameter> = message(caffe__slice_parameter__init)
            (m.pointee.has_axis, m.pointee.axis) = (1, Int32(c.axis))
            (m.pointee.n_slice_point, m.pointee.slice_point) = uints(c.slicePoint)
            if let d = c.sliceDim { (m.pointee.has_slice_dim, m.pointee.slice_dim) = (1, UInt32(d)) }
            l.pointee.slice_param = m
        }
        if let c = p.input {
            let m: UnsafeMutablePointer<Caffe__InputParameter> = message(caffe__input_parameter__init)
            let shapes: [UnsafeMutablePointer<Caffe__BlobShape>?] = c.shape.map { dims in
                let s: UnsafeMutablePointer<Caffe__BlobShape> = message(caffe__blob_shape__init)
                (s.pointee.n_dim, s.pointee.dim) = array(dims.map { Int64($0) })
                return s
            }
            (m.pointee.n_shape, m.pointee.shape) = array(shapes)
            l.pointee.input_param = m
        }
        if let c = p.threshold {
            let m: UnsafeMutablePointer<Caffe__ThresholdParameter> = message(caffe__threshold_parameter__init)
            (m.pointee.has_threshold, m.pointee.threshold) = (1, c.threshold)
            l.pointee.threshold_param = m
        }
    }
}
