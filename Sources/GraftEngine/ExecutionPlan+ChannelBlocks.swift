import GraftCore
import GraftKernels

extension ExecutionPlan {
    /// Multiply-adds of its 1x1 convolutions per float its conversions move that a group of 1x1
    /// convolutions alone needs to be blocked. On ResNet-50 at batch 1 (Zen 3, two threads) a
    /// conversion took 0.17-0.3 ns per float and blocks saved about 0.005 ns per multiply-add
    /// (its 64 → 256 layers 1.01-1.03 → 0.74-0.78 ms): even near 35-60; this leaves a margin
    /// for shapes the blocked kernel gains less on. A bottleneck of ResNet-50's first stage does
    /// 256 (its two 1x1 layers 2 x 256 x 64 multiply-adds per pixel, its 64-channel values
    /// converted in and out), later stages more.
    static let pointwiseWorkPerConvertedFloat = 128.0

    /// Runs the depthwise-separable parts of an inference plan on channels in blocks of eight
    /// (``ChannelBlocks``): every pointwise and depthwise convolution that the blocked kernels
    /// take and that is linked through its values to others so that its group holds both kinds
    /// (MobileNet's expand → depthwise → project chains, with their residual sums folded in).
    /// Those convolutions read and write blocked copies of their values; a value that enters the
    /// group from a planar layer is converted once before its first blocked reader, and one that
    /// a planar layer reads or the caller keeps is converted back right after it is written. A
    /// planar convolution by the output lanes whose every reader is blocked (MobileNet's stem)
    /// writes blocks itself instead of being converted.
    ///
    /// Poolings (windowed or global, max or average) join the group of the layers they link: a
    /// pooling between a blocked group and a planar convolution by the output lanes (ResNet's
    /// max pool after its first layer) runs on blocks, the convolution writing them. So do
    /// squeeze-and-excitation's products of a map by per-channel factors (EfficientNet's, between
    /// its depthwise and projection layers).
    ///
    /// A group of 1x1 convolutions alone (ResNet's, between 3x3 ones that run F(4, 3) on planes)
    /// is blocked where its products outweigh its conversions: at least
    /// ``pointwiseWorkPerConvertedFloat`` multiply-adds per float converted (a value a planar
    /// convolution could write as blocks itself counted as converted too).
    /// Only on AVX2 for now: the blocked kernels are 8-wide, and AVX-512 machines' 32-wide panels
    /// have not been measured against them.
    ///
    /// Returns the sites, with the conversions inserted, and for every planar value no longer
    /// written (all its readers blocked) the blocked value whose buffer it names. New values
    /// are appended to `shapes`.
    static func blockChannels(_ sites: [LayerSite], shapes: inout [Shape],
                              retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        // A forced strategy (benchmarks comparing strategies, tests) keeps every convolution planar.
        guard ChannelBlocks.allowed, ConvolutionKernels.forcedStrategy == nil, PanelKernels.active == .avx2 else {
            return (sites, [:])
        }
        // Layers the blocked kernels take, and of which kind each is.
        var candidates: [Int: BlockedKind] = [:]
        for (i, site) in sites.enumerated() {
            guard site.purpose == .inference, site.outputs.count == 1 else { continue }
            switch site.node.op {
            case .convolution(let op):
                let g = ConvolutionLayer.geometry(site, op)
                if ChannelBlocks.supports(g) { candidates[i] = ChannelBlocks.isDepthwise(g) ? .depthwise : .pointwise }
            case .pooling:
                if PoolingLayer.runsOnBlocks(site) { candidates[i] = .pooling }
            case .eltwise:
                if EltwiseLayer.scalesChannels(site) != nil { candidates[i] = .channelScale }
            default:
                continue
            }
        }
        var producer: [ValueID: Int] = [:]
        for (i, site) in sites.enumerated() { for output in site.outputs { producer[output] = i } }
        let readers = Self.readers(of: sites)
        // Groups: candidates linked by a value one writes and another reads.
        var parent = Array(sites.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        for j in candidates.keys {
            for input in sites[j].inputs {
                if let i = producer[input], candidates[i] != nil { parent[root(i)] = root(j) }
            }
        }
        // Per group: its kinds, its 1x1 layers' multiply-adds and the floats its conversions move.
        var kinds: [Int: (depthwise: Bool, pointwise: Bool)] = [:]
        var work: [Int: Double] = [:], converted: [Int: Double] = [:]  // (hostile shapes: no Int overflow)
        var entering: [Int: Set<ValueID>] = [:]  // per group: each value converted in once
        for (i, kind) in candidates {
            let r = root(i), site = sites[i]
            let k = kinds[r] ?? (false, false)
            kinds[r] = (k.depthwise || kind == .depthwise, k.pointwise || kind == .pointwise)
            if kind == .pointwise, case .convolution(let op) = site.node.op {
                let g = ConvolutionLayer.geometry(site, op)
                work[r, default: 0] += Double(site.inputShape[0]) * Double(g.outputChannels) * Double(g.inputChannels)
                    * Double(g.patches.outputArea)
            }
            for input in site.inputs where producer[input].flatMap({ candidates[$0] }) == nil
                && entering[r, default: []].insert(input).inserted {
                converted[r, default: 0] += Double(shapes[input.index].checkedElementCount ?? 0)
            }
            if retained.contains(site.output) || (readers[site.output] ?? []).contains(where: { candidates[$0] == nil }) {
                converted[r, default: 0] += Double(shapes[site.output.index].checkedElementCount ?? 0)
            }
        }
        let blocked = Set(candidates.keys.filter { i in
            let r = root(i)
            guard let k = kinds[r] else { return false }
            return k.depthwise && k.pointwise
                || k.pointwise && work[r, default: 0] >= Self.pointwiseWorkPerConvertedFloat * converted[r, default: 0]
        })
        guard !blocked.isEmpty else { return (sites, [:]) }
        // Planar convolutions by the output lanes whose every reader is blocked (MobileNet's
        // stem) write blocks themselves: their tiles hold a pixel's channels in a vector anyway.
        var writesBlocks = Set<Int>()
        for (i, site) in sites.enumerated() where !blocked.contains(i) {
            guard site.purpose == .inference, site.outputs.count == 1, !retained.contains(site.output),
                  case .convolution(let op) = site.node.op, let reading = readers[site.output],
                  reading.allSatisfy({ blocked.contains($0) }) else { continue }
            let g = ConvolutionLayer.geometry(site, op)
            if g.groups == 1, g.outputChannels % ChannelBlocks.width == 0,
               ConvolutionKernels.preferredStrategy(for: g, batch: site.inputShape[0], inference: true) == .outputLanes {
                writesBlocks.insert(i)
            }
        }

        func newValue(like value: ValueID) -> ValueID {
            shapes.append(shapes[value.index])
            return ValueID(index: shapes.count - 1)
        }
        func conversion(of site: LayerSite, _ arrangement: ChannelArrangement, from source: ValueID,
                        to target: ValueID) -> LayerSite {
            let suffix = arrangement == .toBlocks ? "channels into blocks" : "channels out of blocks"
            let shape = shapes[source.index]
            // The node only names the conversion (profiles, errors); its op is never built.
            return LayerSite(node: Node(name: "\(site.node.name) (\(suffix))", op: site.node.op, inputs: [], outputs: []),
                             inputs: [source], outputs: [target], inputShapes: [shape], outputShapes: [shape],
                             weights: site.weights, purpose: site.purpose, channels: arrangement)
        }
        var blockedForm: [ValueID: ValueID] = [:]
        var aliases: [ValueID: ValueID] = [:]
        var result: [LayerSite] = []
        /// `value` in blocks for `site`: its blocked form, converted just before `site` the first
        /// time a blocked reader needs it.
        func inBlocks(_ value: ValueID, for site: LayerSite) -> ValueID {
            if let form = blockedForm[value] { return form }
            let form = newValue(like: value)
            blockedForm[value] = form
            result.append(conversion(of: site, .toBlocks, from: value, to: form))
            return form
        }
        for (i, site) in sites.enumerated() {
            let writes = writesBlocks.contains(i)
            guard writes || blocked.contains(i) else {
                result.append(site)
                continue
            }
            // A blocked convolution reads every input in blocks; a planar one that writes blocks
            // reads only its residual so (it is read like its output).
            var rewritten = site
            let blockedInputs = writes ? (site.fusedResidual ? [site.inputs.count - 1] : []) : Array(site.inputs.indices)
            for k in blockedInputs { rewritten.inputs[k] = inBlocks(site.inputs[k], for: site) }
            let value = site.output, form = newValue(like: value)
            blockedForm[value] = form
            rewritten.outputs = [form]
            rewritten.channels = writes ? .planesToBlocks : .blocks
            result.append(rewritten)
            // (A planar writer of blocks has neither planar readers nor a kept output.)
            let planarReaders = (readers[value] ?? []).contains { !blocked.contains($0) }
            if planarReaders || retained.contains(value) {
                result.append(conversion(of: site, .toPlanes, from: form, to: value))
            } else {
                aliases[value] = form
            }
        }
        return (result, aliases)
    }
}

extension ExecutionPlan {
    /// Folds each blocked 1x1 convolution without a stride or residual whose output only a
    /// blocked depthwise convolution reads, and is not kept, into that convolution
    /// (``ChannelBlocks/expandedDepthwiseForward(input:expansion:packedWeight:bias:output:batch:geometry:parts:scratch:residual:activation:isa:)``):
    /// MobileNetV2's expansions write maps six times wider than their inputs (at batch 8 its
    /// first, 8 x 96 x 112 x 112 floats, exceeds a 32 MB L3), which the depthwise layer then reads
    /// back. Runs after ``blockChannels(_:shapes:retained:)``. Returns the sites left and, for every
    /// value no longer written, the value that replaced it.
    static func fuseExpansions(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        guard ChannelBlocks.fusesExpansions else { return (sites, [:]) }
        return foldIntoReaders(sites, retained: retained) { site, reader in
            guard reader.expansion == nil, case .convolution(let op) = site.node.op,
                  case .convolution(let readerOp) = reader.node.op,
                  ChannelBlocks.fuses(expansion: ConvolutionLayer.geometry(site, op),
                                      into: ConvolutionLayer.geometry(reader, readerOp)) else { return nil }
            var fused = reader
            fused.expansion = FoldedSite(site)
            return fused
        }
    }

    /// Folds each blocked depthwise convolution without a residual whose output only a blocked
    /// 1x1 convolution without a stride reads, and is not kept, into that convolution
    /// (``ChannelBlocks/depthwisePointwiseForward(input:packedWeight:bias:activation:projection:output:batch:geometry:parts:scratch:residual:isa:)``),
    /// where the fused pass has work units enough for the workers (``ChannelBlocks/splitsWell(depthwise:batch:workers:)``):
    /// MobileNet's depthwise layers whose outputs a projection reads (at batch 8 MobileNetV2's
    /// first, 8 x 32 x 112 x 112 floats, 12.8 MB). Runs after ``fuseExpansions(_:retained:)``:
    /// a depthwise layer with an expansion folded in stays as it is. Returns the sites left and,
    /// for every value no longer written, the value that replaced it.
    static func fuseProjections(_ sites: [LayerSite], retained: Set<ValueID>) -> ([LayerSite], [ValueID: ValueID]) {
        guard ChannelBlocks.fusesProjections else { return (sites, [:]) }
        return foldIntoReaders(sites, retained: retained) { site, reader in
            guard site.expansion == nil, reader.expansion == nil, reader.foldedDepthwise == nil,
                  case .convolution(let op) = site.node.op, case .convolution(let readerOp) = reader.node.op,
                  case let depthwise = ConvolutionLayer.geometry(site, op),
                  ChannelBlocks.fuses(depthwise: depthwise, into: ConvolutionLayer.geometry(reader, readerOp)),
                  ChannelBlocks.splitsWell(depthwise: depthwise, batch: site.inputShape[0]) else { return nil }
            var fused = reader
            fused.foldedDepthwise = FoldedSite(site)
            return fused
        }
    }

    /// Folds each blocked site without a residual whose one output is not kept and is read only
    /// by one blocked site, as that site's first input alone, into that reader: `fuse(site,
    /// reader)` gives the reader with the site folded in, or nil to leave both. The fused site
    /// reads the folded one's input; the folded output names the reader's output buffer.
    private static func foldIntoReaders(_ sites: [LayerSite], retained: Set<ValueID>,
                                        _ fuse: (_ site: LayerSite, _ reader: LayerSite) -> LayerSite?)
        -> ([LayerSite], [ValueID: ValueID]) {
        let readers = Self.readers(of: sites)
        var result = sites
        var removed = Set<Int>()
        var aliases: [ValueID: ValueID] = [:]
        for (i, site) in sites.enumerated() {
            guard site.channels == .blocks, !site.fusedResidual, site.outputs.count == 1, !retained.contains(site.output),
                  let reading = readers[site.output], reading.count == 1 else { continue }
            let j = reading[0], reader = sites[j]
            guard reader.channels == .blocks, reader.outputs.count == 1, reader.inputs.first == site.output,
                  !reader.inputs.dropFirst().contains(site.output), var fused = fuse(site, reader) else { continue }
            fused.inputs[0] = site.input
            fused.inputShapes[0] = site.inputShape
            result[j] = fused
            // Nothing reads the folded site's value any more.
            aliases[site.output] = reader.output
            removed.insert(i)
        }
        return (Self.removing(removed, from: result), aliases)
    }
}

/// What a layer of a blocked group is (``ExecutionPlan/blockChannels(_:shapes:retained:)``).
enum BlockedKind {
    /// A 1x1 convolution (its multiply-adds weigh against the group's conversions).
    case pointwise
    /// A depthwise convolution.
    case depthwise
    /// A pooling: it links layers, and weighs nothing by itself.
    case pooling
    /// A map times one factor per image and channel (squeeze-and-excitation's gate): it links
    /// layers like a pooling.
    case channelScale
}
