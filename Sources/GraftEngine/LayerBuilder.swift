import GraftCore

/// The one place that maps an ``Op`` to the layer that executes it.
enum LayerBuilder {
    static func makeLayer(_ site: LayerSite) throws(ExecutionError) -> any Layer {
        switch site.channels {
        case .toBlocks, .toPlanes: return ChannelReorderLayer(site)
        case .planes, .blocks, .planesToBlocks: break
        }
        switch site.node.op {
        case .convolution(let p):
            if let expansion = site.expansion { return try ExpandedDepthwiseLayer(site, p, expansion: expansion) }
            if let depthwise = site.foldedDepthwise { return try DepthwisePointwiseLayer(site, p, depthwise: depthwise) }
            return try ConvolutionLayer(site, p)
        case .deconvolution(let p): return try DeconvolutionLayer(site, p)
        case .innerProduct(let p): return try InnerProductLayer(site, p)
        case .pooling(let p): return PoolingLayer(site, p)
        case .lrn(let p): return LRNLayer(site, p)
        case .batchNorm(let p): return try BatchNormLayer(site, p)
        case .layerNorm(let p): return try LayerNormLayer(site, p)
        case .l2Norm(let p): return try L2NormLayer(site, p)
        case .scale(let p): return try AffineLayer(site, axis: p.axis, axisCount: p.axisCount, hasScale: true)
        case .bias(let p): return try AffineLayer(site, axis: p.axis, axisCount: p.axisCount, hasScale: false)
        case .relu(let p): return PointwiseLayer(site, .relu(p))
        case .prelu(let p): return try PReLULayer(site, p)
        case .activation(let f): return PointwiseLayer(site, .activation(f))
        case .power(let p): return PointwiseLayer(site, .power(p))
        case .softmax(let p): return SoftmaxLayer(site, p)
        case .concat(let p): return ConcatLayer(site, p)
        case .eltwise(let p): return EltwiseLayer(site, p)
        case .flatten(let p):
            return p.order == .channelsLast ? PermuteLayer(site, order: [0, 2, 3, 1]) : CopyLayer(site)
        case .reshape: return CopyLayer(site)
        case .dropout(let p): return DropoutLayer(site, p)
        case .permute(let p): return PermuteLayer(site, order: p.order)
        case .crop(let p): return RegionCopyLayer(site, crop: p)
        case .slice(let p): return SliceLayer(site, p)
        case .pad(let p): return RegionCopyLayer(site, pad: p)
        case .constant: return try ConstantLayer(site)
        case .opaque(let p):
            throw .notExecutable(node: site.node.name, framework: p.framework, type: p.type)
        }
    }
}
