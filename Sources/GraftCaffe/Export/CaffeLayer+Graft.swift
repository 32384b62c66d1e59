import GraftCore

/// The Caffe layer(s) for one Graft node: the reverse of the import mappers. Layouts carry over
/// unchanged (Graft keeps Caffe's convolution, deconvolution and inner-product layouts), so the
/// blobs are the model's tensors, bit for bit.
struct CaffeLayerExport {
    let node: Node
    let weights: [String: Tensor]
    let training: TrainingMetadata?
    let bottoms: [String]
    let tops: [String]

    func notRepresentable(_ reason: String) -> CaffeExportError { .notRepresentable(node: node.name, reason: reason) }

    func tensor(_ parameter: String) throws(CaffeExportError) -> Tensor {
        guard let t = weights[node.tensorName(parameter)] else {
            throw .missingWeight(node: node.name, tensor: node.tensorName(parameter))
        }
        return t
    }

    func blob(_ parameter: String) throws(CaffeExportError) -> CaffeBlob {
        let t = try tensor(parameter)
        return CaffeBlob(shape: t.shape.dims, data: t.scalars)
    }

    /// `param` specs for the blobs from the training metadata (none when it has nothing for them).
    func params(_ parameters: [String]) -> [CaffeParamSpec] {
        guard let training else { return [] }
        let settings = parameters.map { training.parameters[node.tensorName($0)] }
        guard settings.contains(where: { $0 != nil }) else { return [] }
        return settings.map { s in CaffeParamSpec(lrMult: s?.learningRateMultiplier ?? 1, decayMult: s?.decayMultiplier ?? 1) }
    }

    func layer(_ type: String, blobs: [String] = [], params: [String]? = nil,
               _ configure: (inout CaffeLayerParameters) -> Void = { _ in }) throws(CaffeExportError) -> CaffeLayer {
        var layer = CaffeLayer(name: node.name, type: type, bottoms: bottoms, tops: tops)
        for name in blobs { layer.blobs.append(try blob(name)) }
        layer.params = self.params(params ?? blobs)
        configure(&layer.parameters)
        return layer
    }

    func symmetric(_ begin: [Int], _ end: [Int], what: String) throws(CaffeExportError) {
        guard begin == end else {
            throw notRepresentable("asymmetric \(what) padding (begin \(begin), end \(end)); Caffe pads both sides equally")
        }
    }

    /// The layers for the node (BatchNorm with its own scale and shift becomes BatchNorm + Scale),
    /// and notes for the user.
    func layers(scaleLayerName: String) throws(CaffeExportError) -> (layers: [CaffeLayer], notes: [String]) {
        switch node.op {
        case .convolution(let p):
            try symmetric(p.padBegin, p.padEnd, what: "convolution")
            return ([try layer("Convolution", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
                $0.convolution = Self.convolution(p.outputChannels, p.kernel, p.stride, p.padBegin, p.dilation, p.groups, p.hasBias)
            }], [])
        case .deconvolution(let p):
            try symmetric(p.padBegin, p.padEnd, what: "deconvolution")
            guard p.outputPadding.allSatisfy({ $0 == 0 }) else { throw notRepresentable("output padding \(p.outputPadding)") }
            return ([try layer("Deconvolution", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
                $0.convolution = Self.convolution(p.outputChannels, p.kernel, p.stride, p.padBegin, p.dilation, p.groups, p.hasBias)
            }], [])
        case .innerProduct(let p):
            return ([try layer("InnerProduct", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
                var ip = CaffeParam.InnerProduct()
                ip.numOutput = p.outputCount
                ip.biasTerm = p.hasBias
                ip.axis = p.axis
                $0.innerProduct = ip
            }], [])
        case .pooling(let p):
            try symmetric(p.padBegin, p.padEnd, what: "pooling")
            if p.method == .average, p.averageDivisor == .excludePadding, !p.global, p.padBegin.contains(where: { $0 != 0 }) {
                throw notRepresentable("average pooling that excludes padding from the divisor; Caffe includes it")
            }
            let roundsDown = p.rounding == .floor && !p.global
            return ([try layer("Pooling") {
                var pool = CaffeParam.Pooling()
                pool.pool = p.method == .max ? .max : .ave
                if p.global {
                    pool.globalPooling = true
                } else {
                    if p.kernel[0] == p.kernel[1] { pool.kernelSize = p.kernel[0] } else { (pool.kernelH, pool.kernelW) = (p.kernel[0], p.kernel[1]) }
                    if p.stride[0] == p.stride[1] { pool.stride = p.stride[0] } else { (pool.strideH, pool.strideW) = (p.stride[0], p.stride[1]) }
                    if p.padBegin[0] == p.padBegin[1] { pool.pad = p.padBegin[0] } else { (pool.padH, pool.padW) = (p.padBegin[0], p.padBegin[1]) }
                }
                // OpenCV 4 reads only the forks' ceil_mode (it rejects round_mode); the caffemodel
                // writer turns this into BVLC's round_mode: FLOOR. A global pool needs neither.
                if roundsDown { pool.ceilMode = false }
                $0.pooling = pool
            }], roundsDown ? ["FloorPooling '\(node.name)'"] : [])
        case .lrn(let p):
            return ([try layer("LRN") {
                var lrn = CaffeParam.LRN()
                lrn.localSize = p.size
                lrn.alpha = p.alpha
                lrn.beta = p.beta
                lrn.k = p.k
                lrn.normRegion = p.region == .withinChannel ? .withinChannel : .acrossChannels
                $0.lrn = lrn
            }], [])
        case .batchNorm(let p):
            var bn = try layer("BatchNorm", blobs: ["mean", "variance"], params: ["mean", "variance", "mean"]) {
                var b = CaffeParam.BatchNorm()
                b.eps = p.epsilon
                b.movingAverageFraction = p.momentum
                $0.batchNorm = b
            }
            bn.blobs.append(CaffeBlob(shape: [1], data: [1]))
            var layers = [bn]
            if p.hasScale || p.hasShift {
                let channels = try tensor("mean").shape.dims
                var scale = CaffeLayer(name: scaleLayerName, type: "Scale", bottoms: tops, tops: tops)
                scale.blobs = [p.hasScale ? try blob("scale") : CaffeBlob(shape: channels, data: [Float](repeating: 1, count: channels.reduce(1, *)))]
                if p.hasShift { scale.blobs.append(try blob("shift")) }
                var s = CaffeParam.Scale()
                s.biasTerm = p.hasShift
                scale.parameters.scale = s
                layers[0].tops = tops
                layers.append(scale)
            }
            return (layers, ["BatchNorm '\(node.name)': mean and variance written with moving-average factor 1"])
        case .scale(let p):
            let blobs = (node.inputs.count == 1 ? ["scale"] : []) + (p.hasBias ? ["bias"] : [])
            return ([try layer("Scale", blobs: blobs) {
                var s = CaffeParam.Scale()
                s.axis = p.axis
                s.numAxes = p.axisCount
                s.biasTerm = p.hasBias
                $0.scale = s
            }], [])
        case .bias(let p):
            return ([try layer("Bias", blobs: ["bias"]) {
                var b = CaffeParam.Bias()
                b.axis = p.axis
                b.numAxes = p.axisCount
                $0.bias = b
            }], [])
        case .relu(let p):
            guard p.maxValue == nil else { throw notRepresentable("ReLU with a maximum (\(p.maxValue!)); BVLC Caffe has no clipped ReLU") }
            guard p.threshold == 0 else { throw notRepresentable("ReLU with threshold \(p.threshold)") }
            return ([try layer("ReLU") {
                var r = CaffeParam.ReLU()
                r.negativeSlope = p.negativeSlope
                $0.relu = p.negativeSlope == 0 ? nil : r
            }], [])
        case .prelu(let p):
            return ([try layer("PReLU", blobs: ["slope"]) {
                var pr = CaffeParam.PReLU()
                pr.channelShared = p.channelShared
                $0.prelu = p.channelShared ? pr : nil
            }], [])
        case .activation(let f):
            switch f {
            case .elu(let alpha):
                return ([try layer("ELU") { var e = CaffeParam.ELU(); e.alpha = alpha; $0.elu = alpha == 1 ? nil : e }], [])
            case .sigmoid: return ([try layer("Sigmoid")], [])
            case .tanh: return ([try layer("TanH")], [])
            default: throw notRepresentable("activation \(f.name) has no BVLC Caffe layer")
            }
        case .power(let p):
            return ([try layer("Power") {
                var pw = CaffeParam.Power()
                (pw.power, pw.scale, pw.shift) = (p.power, p.scale, p.shift)
                $0.power = pw
            }], [])
        case .softmax(let p):
            return ([try layer("Softmax") { var s = CaffeParam.Softmax(); s.axis = p.axis; $0.softmax = p.axis == 1 ? nil : s }], [])
        case .concat(let p):
            return ([try layer("Concat") { var c = CaffeParam.Concat(); c.axis = p.axis; $0.concat = c }], [])
        case .eltwise(let p):
            return ([try layer("Eltwise") {
                var e = CaffeParam.Eltwise()
                e.operation = switch p.operation { case .sum: .sum; case .product: .prod; case .max: .max }
                e.coeff = p.coefficients
                $0.eltwise = e
            }], [])
        case .flatten(let p):
            guard p.order == .channelsFirst else {
                throw notRepresentable("channels-last flatten (Keras order); Caffe flattens channels first")
            }
            return ([try layer("Flatten") {
                var f = CaffeParam.Flatten()
                (f.axis, f.endAxis) = (p.axis, p.endAxis)
                $0.flatten = f
            }], [])
        case .reshape(let p):
            return ([try layer("Reshape") { var r = CaffeParam.Reshape(); r.shape = p.shape; $0.reshape = r }], [])
        case .permute(let p):
            var l = try layer("Permute")
            l.rawUnknown = ["permute_param {\n" + p.order.map { "  order: \($0)\n" }.joined() + "}"]
            return ([l], ["Permute '\(node.name)': permute_param (an SSD-fork field) is in deploy.prototxt only; BVLC's schema cannot carry it in the .caffemodel"])
        case .dropout(let p):
            return ([try layer("Dropout") { var d = CaffeParam.Dropout(); d.dropoutRatio = p.ratio; $0.dropout = d }], [])
        case .crop(let p):
            guard node.inputs.count == 2, p.endCrops.isEmpty else {
                throw notRepresentable("a one-input crop with end crops (Keras Cropping2D); Caffe crops to a second input's shape")
            }
            return ([try layer("Crop") {
                var c = CaffeParam.Crop()
                c.axis = p.axis
                c.offset = p.offsets == [0] ? [] : p.offsets
                $0.crop = c
            }], [])
        case .slice(let p):
            return ([try layer("Slice") {
                var s = CaffeParam.Slice()
                s.axis = p.axis
                s.slicePoint = p.points
                $0.slice = s
            }], [])
        case .pad:
            throw notRepresentable("explicit padding; BVLC Caffe has no padding layer")
        case .layerNorm:
            throw notRepresentable("layer normalisation; BVLC Caffe has no such layer")
        case .constant(let c):
            guard let origin = c.origin, origin.layer.framework == "caffe" else {
                throw notRepresentable("a stored constant tensor; OpenCV reads no Caffe layer that holds one")
            }
            // The layer it was evaluated from (PriorBox) recomputes it from its bottoms' shapes.
            return ([try opaqueLayer(origin.layer)], ["\(origin.layer.type) '\(node.name)': written back as the layer it was evaluated from; "
                                                        + "its parameters (an SSD-fork field) are in deploy.prototxt only"])
        case .l2Norm(let p):
            var l = try layer("Normalize", blobs: ["scale"])
            // A shared scale goes as [1]: the fork writes a blob with no axes, which OpenCV's reader
            // rejects (and the fork's Caffe refuses [1] when copying weights into such a layer).
            l.rawUnknown = ["norm_param {\n  across_spatial: \(p.acrossSpatial)\n  channel_shared: \(p.channelShared)\n  eps: \(p.epsilon)\n}"]
            return ([l], ["Normalize '\(node.name)': norm_param (an SSD-fork field) is in deploy.prototxt only; BVLC's schema cannot carry it in the .caffemodel"])
        case .opaque(let p):
            guard p.framework == "caffe" else {
                throw notRepresentable("an opaque \(p.framework) layer of type '\(p.type)' is not a Caffe layer")
            }
            return ([try opaqueLayer(p)], [])
        }
    }

    static func convolution(_ outputs: Int, _ kernel: [Int], _ stride: [Int], _ pad: [Int], _ dilation: [Int],
                            _ groups: Int, _ hasBias: Bool) -> CaffeParam.Convolution {
        var c = CaffeParam.Convolution()
        c.numOutput = outputs
        c.biasTerm = hasBias
        if kernel[0] == kernel[1] { c.kernelSize = [kernel[0]] } else { (c.kernelH, c.kernelW) = (kernel[0], kernel[1]) }
        if stride[0] == stride[1] { c.stride = stride[0] == 1 ? [] : [stride[0]] } else { (c.strideH, c.strideW) = (stride[0], stride[1]) }
        if pad[0] == pad[1] { c.pad = pad[0] == 0 ? [] : [pad[0]] } else { (c.padH, c.padW) = (pad[0], pad[1]) }
        if dilation != [1, 1] { c.dilation = dilation[0] == dilation[1] ? [dilation[0]] : dilation }
        c.group = groups
        return c
    }

    /// The parameter block that says a layer learns blobs (`convolution_param`, ...), for an opaque
    /// layer that has none: the caffemodel would lack its weights. Only BVLC's blocks are known;
    /// a fork's own block (`bn_param`, `norm_param`) says nothing here.
    static func learnedBlobBlock(of layer: CaffeLayer) -> String? {
        let p = layer.parameters
        if p.convolution != nil { return "convolution_param" }
        if p.innerProduct != nil { return "inner_product_param" }
        if p.batchNorm != nil { return "batch_norm_param" }
        if p.prelu != nil { return "prelu_param" }
        // Scale and Bias take their factor from a second bottom when there is one.
        if p.scale != nil, layer.bottoms.count == 1 { return "scale_param" }
        if p.bias != nil, layer.bottoms.count == 1 { return "bias_param" }
        return nil
    }

    /// An opaque Caffe node goes back as the layer it was: its raw parameters are decoded as
    /// prototxt (known blocks become typed parameters, the rest stays text), its `blobN`
    /// parameters become its blobs.
    func opaqueLayer(_ p: Opaque) throws(CaffeExportError) -> CaffeLayer {
        let text = "layer {\n  name: \"x\"\n  type: \"x\"\n" + p.rawParameters + "\n}\n"
        let decoded: CaffeNet
        do { decoded = try CaffePrototxt.decode(text, file: node.name) } catch {
            throw notRepresentable("its raw parameters are not prototxt: \(error)")
        }
        var l = CaffeLayer(name: node.name, type: p.type, bottoms: bottoms, tops: tops)
        l.parameters = decoded.layers.first?.parameters ?? CaffeLayerParameters()
        l.rawUnknown = decoded.layers.first?.rawUnknown ?? []
        let names = node.parameters.map(\.name).filter { $0.hasPrefix("blob") }
            .sorted { Int($0.dropFirst(4)) ?? 0 < Int($1.dropFirst(4)) ?? 0 }
        for name in names { l.blobs.append(try blob(name)) }
        l.params = params(names)
        return l
    }
}
