/// Writes a ``CaffeNet`` as prototxt text (V2 `layer` blocks), through ``TextMessage`` and its
/// formatter, so strings are quoted with C escapes and the output parses back to the same net
/// (blobs aside: prototxts carry no weights). Fields equal to caffe.proto's defaults are left
/// out; fields Graft's schema does not know (`rawUnknown`) are written back verbatim.
public enum CaffePrototxtWriter {
    /// The whole net: name, then each layer.
    public static func text(_ net: CaffeNet) -> String {
        var b = TextBuilder()
        if !net.name.isEmpty { b.string("name", net.name) }
        // Net-level inputs that no Input layer declares (V1 style) are written as input + input_shape.
        let declaredByLayers = Set(net.layers.filter { $0.type == "Input" }.flatMap(\.tops))
        for input in net.inputs where !declaredByLayers.contains(input.name) {
            b.string("input", input.name)
        }
        for input in net.inputs where !declaredByLayers.contains(input.name) {
            if let shape = input.shape { b.message("input_shape") { $0.ints("dim", shape) } }
        }
        var out = b.message.formatted()
        for raw in net.rawUnknown { out += raw + "\n" }
        for layer in net.layers { out += "layer {\n" + indent(layerBody(layer)) + "}\n" }
        return out
    }

    /// One layer's fields (without the enclosing `layer { }`).
    public static func layerBody(_ layer: CaffeLayer) -> String {
        var b = TextBuilder()
        b.string("name", layer.name)
        b.string("type", layer.type)
        for bottom in layer.bottoms { b.string("bottom", bottom) }
        for top in layer.tops { b.string("top", top) }
        for w in layer.lossWeights { b.float("loss_weight", w) }
        for spec in layer.params {
            b.message("param") { p in
                if let name = spec.name { p.string("name", name) }
                if let mode = spec.shareMode { p.enumeration("share_mode", mode) }
                if spec.lrMult != 1 { p.float("lr_mult", spec.lrMult) }
                if spec.decayMult != 1 { p.float("decay_mult", spec.decayMult) }
            }
        }
        for rule in layer.include { b.message("include") { $0.rule(rule) } }
        for rule in layer.exclude { b.message("exclude") { $0.rule(rule) } }
        return b.message.formatted() + parametersText(of: layer)
    }

    /// The layer's `*_param` blocks and unknown fields as prototxt text: what an opaque node keeps
    /// as its raw parameters.
    public static func parametersText(of layer: CaffeLayer) -> String {
        var b = TextBuilder()
        b.parameters(layer.parameters)
        var out = b.message.formatted()
        for raw in layer.rawUnknown where !raw.hasPrefix("LayerParameter.") { out += raw + "\n" }
        return out
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }
            .joined(separator: "\n")
    }
}

/// Builds a ``TextMessage`` field by field.
struct TextBuilder {
    var message = TextMessage(position: TextPosition(line: 1, column: 1, offset: 0))
    private static let here = TextPosition(line: 1, column: 1, offset: 0)

    private mutating func scalar(_ name: String, _ kind: TextScalar.Kind, _ text: String, bytes: [UInt8] = []) {
        message.fields.append(TextField(name: name, position: Self.here,
                                        value: .scalar(TextScalar(kind: kind, text: text, bytes: bytes, position: Self.here)),
                                        sourceRange: 0..<0))
    }

    mutating func string(_ name: String, _ value: String) { scalar(name, .string, value, bytes: Array(value.utf8)) }
    mutating func int(_ name: String, _ value: Int) { scalar(name, .number, String(value)) }
    mutating func ints(_ name: String, _ values: [Int]) { for v in values { int(name, v) } }
    mutating func bool(_ name: String, _ value: Bool) { scalar(name, .identifier, value ? "true" : "false") }
    mutating func enumeration<E: CaffeEnum>(_ name: String, _ value: E) { scalar(name, .identifier, value.protoName) }

    /// Shortest text that reads back as the same float (`1e-05`, `0.75`, `inf`, `nan`).
    mutating func float(_ name: String, _ value: Float) {
        let text: String
        if value.isNaN { text = "nan" } else if value.isInfinite { text = value < 0 ? "-inf" : "inf" }
        else if value == value.rounded(), abs(value) < 1e15 { text = String(Int64(value)) }
        else { text = "\(value)" }
        scalar(name, .number, text)
    }

    mutating func floats(_ name: String, _ values: [Float]) { for v in values { float(name, v) } }

    mutating func message(_ name: String, _ build: (inout TextBuilder) -> Void) {
        var inner = TextBuilder()
        build(&inner)
        message.fields.append(TextField(name: name, position: Self.here, value: .message(inner.message), sourceRange: 0..<0))
    }

    mutating func optional(_ name: String, _ value: Int?) { if let value { int(name, value) } }

    mutating func rule(_ r: CaffeNetStateRule) {
        if let phase = r.phase { enumeration("phase", phase) }
        optional("min_level", r.minLevel)
        optional("max_level", r.maxLevel)
        for s in r.stage { string("stage", s) }
        for s in r.notStage { string("not_stage", s) }
    }

    mutating func filler(_ name: String, _ f: CaffeParam.Filler?) {
        guard let f else { return }
        let d = CaffeParam.Filler()
        message(name) { m in
            if f.type != d.type { m.string("type", f.type) }
            if f.value != d.value { m.float("value", f.value) }
            if f.min != d.min { m.float("min", f.min) }
            if f.max != d.max { m.float("max", f.max) }
            if f.mean != d.mean { m.float("mean", f.mean) }
            if f.std != d.std { m.float("std", f.std) }
            if f.sparse != d.sparse { m.int("sparse", f.sparse) }
            if f.varianceNorm != d.varianceNorm { m.enumeration("variance_norm", f.varianceNorm) }
        }
    }

    /// Every `*_param` block the layer carries, non-default fields only (an empty block is kept
    /// as an empty block, so its presence survives).
    mutating func parameters(_ p: CaffeLayerParameters) {
        if let t = p.transform {
            let d = CaffeParam.Transformation()
            message("transform_param") { m in
                if t.scale != d.scale { m.float("scale", t.scale) }
                if t.mirror { m.bool("mirror", true) }
                if t.cropSize != 0 { m.int("crop_size", t.cropSize) }
                if let f = t.meanFile { m.string("mean_file", f) }
                m.floats("mean_value", t.meanValue)
                if t.forceColor { m.bool("force_color", true) }
                if t.forceGray { m.bool("force_gray", true) }
            }
        }
        if let l = p.loss {
            message("loss_param") { m in
                m.optional("ignore_label", l.ignoreLabel)
                if let n = l.normalization { m.enumeration("normalization", n) }
                if let n = l.normalize { m.bool("normalize", n) }
            }
        }
        if let a = p.accuracy {
            message("accuracy_param") { m in
                if a.topK != 1 { m.int("top_k", a.topK) }
                if a.axis != 1 { m.int("axis", a.axis) }
                m.optional("ignore_label", a.ignoreLabel)
            }
        }
        if let bn = p.batchNorm {
            let d = CaffeParam.BatchNorm()
            message("batch_norm_param") { m in
                if let g = bn.useGlobalStats { m.bool("use_global_stats", g) }
                if bn.movingAverageFraction != d.movingAverageFraction { m.float("moving_average_fraction", bn.movingAverageFraction) }
                if bn.eps != d.eps { m.float("eps", bn.eps) }
            }
        }
        if let bias = p.bias {
            message("bias_param") { m in
                if bias.axis != 1 { m.int("axis", bias.axis) }
                if bias.numAxes != 1 { m.int("num_axes", bias.numAxes) }
                m.filler("filler", bias.filler)
            }
        }
        if let c = p.concat {
            message("concat_param") { m in
                if c.axis != 1 { m.int("axis", c.axis) }
                m.optional("concat_dim", c.concatDim)
            }
        }
        if let c = p.convolution {
            message("convolution_param") { m in
                m.int("num_output", c.numOutput)
                if !c.biasTerm { m.bool("bias_term", false) }
                m.ints("pad", c.pad)
                m.ints("kernel_size", c.kernelSize)
                m.ints("stride", c.stride)
                m.ints("dilation", c.dilation)
                m.optional("pad_h", c.padH)
                m.optional("pad_w", c.padW)
                m.optional("kernel_h", c.kernelH)
                m.optional("kernel_w", c.kernelW)
                m.optional("stride_h", c.strideH)
                m.optional("stride_w", c.strideW)
                if c.group != 1 { m.int("group", c.group) }
                m.filler("weight_filler", c.weightFiller)
                m.filler("bias_filler", c.biasFiller)
                if c.engine != .default { m.enumeration("engine", c.engine) }
                if c.axis != 1 { m.int("axis", c.axis) }
                if c.forceNDIm2col { m.bool("force_nd_im2col", true) }
            }
        }
        if let c = p.crop {
            message("crop_param") { m in
                if c.axis != 2 { m.int("axis", c.axis) }
                m.ints("offset", c.offset)
            }
        }
        if let dp = p.data {
            let d = CaffeParam.Data()
            message("data_param") { m in
                if dp.source != d.source { m.string("source", dp.source) }
                if dp.batchSize != d.batchSize { m.int("batch_size", dp.batchSize) }
                if dp.randSkip != d.randSkip { m.int("rand_skip", dp.randSkip) }
                if dp.backend != d.backend { m.enumeration("backend", dp.backend) }
                if dp.scale != d.scale { m.float("scale", dp.scale) }
                if let f = dp.meanFile { m.string("mean_file", f) }
                if dp.cropSize != d.cropSize { m.int("crop_size", dp.cropSize) }
                if dp.mirror { m.bool("mirror", true) }
                if dp.forceEncodedColor { m.bool("force_encoded_color", true) }
                if dp.prefetch != d.prefetch { m.int("prefetch", dp.prefetch) }
            }
        }
        if let dr = p.dropout {
            message("dropout_param") { m in if dr.dropoutRatio != 0.5 { m.float("dropout_ratio", dr.dropoutRatio) } }
        }
        if let e = p.eltwise {
            message("eltwise_param") { m in
                if e.operation != .sum { m.enumeration("operation", e.operation) }
                m.floats("coeff", e.coeff)
                if !e.stableProdGrad { m.bool("stable_prod_grad", false) }
            }
        }
        if let e = p.elu { message("elu_param") { m in if e.alpha != 1 { m.float("alpha", e.alpha) } } }
        if let f = p.flatten {
            message("flatten_param") { m in
                if f.axis != 1 { m.int("axis", f.axis) }
                if f.endAxis != -1 { m.int("end_axis", f.endAxis) }
            }
        }
        if let h = p.hdf5Data {
            message("hdf5_data_param") { m in
                if !h.source.isEmpty { m.string("source", h.source) }
                if h.batchSize != 0 { m.int("batch_size", h.batchSize) }
                if h.shuffle { m.bool("shuffle", true) }
            }
        }
        if let i = p.imageData {
            let d = CaffeParam.ImageData()
            message("image_data_param") { m in
                if i.source != d.source { m.string("source", i.source) }
                if i.batchSize != d.batchSize { m.int("batch_size", i.batchSize) }
                if i.randSkip != d.randSkip { m.int("rand_skip", i.randSkip) }
                if i.shuffle { m.bool("shuffle", true) }
                if i.newHeight != 0 { m.int("new_height", i.newHeight) }
                if i.newWidth != 0 { m.int("new_width", i.newWidth) }
                if !i.isColor { m.bool("is_color", false) }
                if i.scale != 1 { m.float("scale", i.scale) }
                if let f = i.meanFile { m.string("mean_file", f) }
                if i.cropSize != 0 { m.int("crop_size", i.cropSize) }
                if i.mirror { m.bool("mirror", true) }
                if !i.rootFolder.isEmpty { m.string("root_folder", i.rootFolder) }
            }
        }
        if let ip = p.innerProduct {
            message("inner_product_param") { m in
                m.int("num_output", ip.numOutput)
                if !ip.biasTerm { m.bool("bias_term", false) }
                m.filler("weight_filler", ip.weightFiller)
                m.filler("bias_filler", ip.biasFiller)
                if ip.axis != 1 { m.int("axis", ip.axis) }
                if ip.transpose { m.bool("transpose", true) }
            }
        }
        if let i = p.input {
            message("input_param") { m in for shape in i.shape { m.message("shape") { $0.ints("dim", shape) } } }
        }
        if let l = p.lrn {
            let d = CaffeParam.LRN()
            message("lrn_param") { m in
                if l.localSize != d.localSize { m.int("local_size", l.localSize) }
                if l.alpha != d.alpha { m.float("alpha", l.alpha) }
                if l.beta != d.beta { m.float("beta", l.beta) }
                if l.normRegion != d.normRegion { m.enumeration("norm_region", l.normRegion) }
                if l.k != d.k { m.float("k", l.k) }
                if l.engine != .default { m.enumeration("engine", l.engine) }
            }
        }
        if let md = p.memoryData {
            message("memory_data_param") { m in
                m.int("batch_size", md.batchSize)
                m.int("channels", md.channels)
                m.int("height", md.height)
                m.int("width", md.width)
            }
        }
        if let pool = p.pooling {
            message("pooling_param") { m in
                if pool.pool != .max { m.enumeration("pool", pool.pool) }
                if pool.pad != 0 { m.int("pad", pool.pad) }
                m.optional("pad_h", pool.padH)
                m.optional("pad_w", pool.padW)
                m.optional("kernel_size", pool.kernelSize)
                m.optional("kernel_h", pool.kernelH)
                m.optional("kernel_w", pool.kernelW)
                if pool.stride != 1 { m.int("stride", pool.stride) }
                m.optional("stride_h", pool.strideH)
                m.optional("stride_w", pool.strideW)
                if pool.engine != .default { m.enumeration("engine", pool.engine) }
                if pool.globalPooling { m.bool("global_pooling", true) }
                if pool.roundMode != .ceil { m.enumeration("round_mode", pool.roundMode) }
                if let ceilMode = pool.ceilMode { m.bool("ceil_mode", ceilMode) }
            }
        }
        if let pw = p.power {
            message("power_param") { m in
                if pw.power != 1 { m.float("power", pw.power) }
                if pw.scale != 1 { m.float("scale", pw.scale) }
                if pw.shift != 0 { m.float("shift", pw.shift) }
            }
        }
        if let pr = p.prelu {
            message("prelu_param") { m in
                m.filler("filler", pr.filler)
                if pr.channelShared { m.bool("channel_shared", true) }
            }
        }
        if let r = p.relu {
            message("relu_param") { m in
                if r.negativeSlope != 0 { m.float("negative_slope", r.negativeSlope) }
                if r.engine != .default { m.enumeration("engine", r.engine) }
            }
        }
        if let r = p.reshape {
            message("reshape_param") { m in
                if let shape = r.shape { m.message("shape") { $0.ints("dim", shape) } }
                if r.axis != 0 { m.int("axis", r.axis) }
                if r.numAxes != -1 { m.int("num_axes", r.numAxes) }
            }
        }
        if let s = p.scale {
            message("scale_param") { m in
                if s.axis != 1 { m.int("axis", s.axis) }
                if s.numAxes != 1 { m.int("num_axes", s.numAxes) }
                m.filler("filler", s.filler)
                if s.biasTerm { m.bool("bias_term", true) }
                m.filler("bias_filler", s.biasFiller)
            }
        }
        if let s = p.softmax {
            message("softmax_param") { m in
                if s.engine != .default { m.enumeration("engine", s.engine) }
                if s.axis != 1 { m.int("axis", s.axis) }
            }
        }
        if let s = p.slice {
            message("slice_param") { m in
                if s.axis != 1 { m.int("axis", s.axis) }
                m.ints("slice_point", s.slicePoint)
                m.optional("slice_dim", s.sliceDim)
            }
        }
        if let t = p.threshold {
            message("threshold_param") { m in if t.threshold != 0 { m.float("threshold", t.threshold) } }
        }
    }
}
