import GraftCore

// Convolution, Deconvolution and InnerProduct nodes → Caffe's layers of those names (the
// importer's Convolution+Caffe.swift).

enum ConvolutionCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.convolution

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .convolution(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        try e.symmetric(p.padBegin, p.padEnd, what: "convolution")
        return ([try e.layer("Convolution", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
            $0.convolution = convolutionParameter(p.outputChannels, p.kernel, p.stride, p.padBegin, p.dilation, p.groups, p.hasBias)
        }], [])
    }
}

enum DeconvolutionCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.deconvolution

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .deconvolution(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        try e.symmetric(p.padBegin, p.padEnd, what: "deconvolution")
        guard p.outputPadding.allSatisfy({ $0 == 0 }) else { throw e.notRepresentable("output padding \(p.outputPadding)") }
        return ([try e.layer("Deconvolution", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
            $0.convolution = convolutionParameter(p.outputChannels, p.kernel, p.stride, p.padBegin, p.dilation, p.groups, p.hasBias)
        }], [])
    }
}

enum InnerProductCaffeExporter: CaffeOpExporter {
    static let kind = OpKind.innerProduct

    static func export(_ e: CaffeLayerExport) throws(CaffeExportError) -> CaffeLayerExport.Layers {
        guard case .innerProduct(let p) = e.node.op else { e.dispatchedWrongly(Self.self) }
        return ([try e.layer("InnerProduct", blobs: p.hasBias ? ["weight", "bias"] : ["weight"]) {
            var ip = CaffeParam.InnerProduct()
            ip.numOutput = p.outputCount
            ip.biasTerm = p.hasBias
            ip.axis = p.axis
            $0.innerProduct = ip
        }], [])
    }
}

/// The `convolution_param` of a convolution or deconvolution: scalar sizes when both axes agree,
/// `_h`/`_w` otherwise; stride 1, pad 0 and dilation 1 left out.
private func convolutionParameter(_ outputs: Int, _ kernel: [Int], _ stride: [Int], _ pad: [Int], _ dilation: [Int],
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
