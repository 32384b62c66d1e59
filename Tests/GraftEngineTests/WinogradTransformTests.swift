import GraftCore
@testable import GraftKernels
import Testing

/// The vector F(2, 3) transforms (`winograd23.c`) against the portable Swift ones they replace
/// wherever an instruction set runs: the same operations in the same order, so every float must
/// agree to the bit — signed zeros and infinities included — and every NaN be a NaN (a NaN's sign
/// is not kept: the portable transform writes `a + b` as `a - (-b)`).
@Suite("Winograd F(2, 3) vector transforms")
struct WinogradTransformTests {
    /// Instruction sets this CPU runs (the vector transforms exist for each).
    static let instructionSets = PanelKernels.InstructionSet.allCases.filter { $0 != .none && $0 <= PanelKernels.supported }

    /// Geometries whose tile rows end inside, at and just past a vector of 8 or 16 tiles, with
    /// every leading pad the transforms take (0-2), outputs cut short of the full map, odd sizes
    /// (a last tile half outside), groups and several images.
    static let geometries: [(name: String, geometry: ConvolutionGeometry, images: Int)] = {
        func make(_ channels: Int, _ h: Int, _ w: Int, pad: (Int, Int), output: (Int, Int)? = nil, outputChannels: Int,
                  groups: Int = 1) -> ConvolutionGeometry {
            let out = output ?? (h + 2 * pad.0 - 2, w + 2 * pad.1 - 2)
            return ConvolutionGeometry(
                patches: PatchGeometry(channels: channels, height: h, width: w, kernelHeight: 3, kernelWidth: 3,
                                       padTop: pad.0, padLeft: pad.1, outputHeight: out.0, outputWidth: out.1),
                outputChannels: outputChannels, groups: groups)
        }
        return [
            ("13x13 pad 1 (CaffeNet conv3-5), 2 images", make(5, 13, 13, pad: (1, 1), outputChannels: 7), 2),
            ("7x9 pad 0", make(4, 7, 9, pad: (0, 0), outputChannels: 3), 1),
            ("6x5 pad 2 (an input gradient's pads)", make(3, 6, 5, pad: (2, 2), outputChannels: 4), 3),
            ("8x7 pad 1, output cut to 7x6", make(4, 8, 7, pad: (1, 1), output: (7, 6), outputChannels: 5), 2),
            ("9x10 pad 1, 2 groups, 3 images", make(6, 9, 10, pad: (1, 1), outputChannels: 8, groups: 2), 3),
            ("1x1 pad 1", make(3, 1, 1, pad: (1, 1), outputChannels: 2), 2),
            ("32 wide: 16 tiles a row exactly", make(3, 5, 32, pad: (1, 1), outputChannels: 3), 2),
            ("33 wide: 17 tiles, the last half outside", make(2, 4, 33, pad: (1, 1), outputChannels: 2), 1),
            ("34 wide pad 0: 16 tiles", make(2, 6, 34, pad: (0, 0), outputChannels: 3), 2),
            ("47x31 pad 2, output 46x30", make(2, 47, 31, pad: (2, 2), output: (46, 30), outputChannels: 2), 1),
            ("56x56 pad 1 (ResNet's first stage), 19 kernels a row (partial vectors of kernels)",
             make(19, 56, 56, pad: (1, 1), outputChannels: 21), 1),
            ("14x14 pad 1, 4 groups of 9 kernels", make(36, 14, 14, pad: (1, 1), outputChannels: 36, groups: 4), 2),
        ]
    }()

    /// Values with a few signed zeros, infinities and NaNs among them.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var scalars = randomTensor([max(count, 1)], seed: seed).scalars
        for i in stride(from: 0, to: count, by: 37) { scalars[i] = -0.0 }
        for i in stride(from: 11, to: count, by: 101) { scalars[i] = .infinity }
        for i in stride(from: 23, to: count, by: 211) { scalars[i] = -.infinity }
        for i in stride(from: 5, to: count, by: 307) { scalars[i] = .nan }
        return Array(scalars.prefix(count))
    }

    /// Runs `body` on `isa` and on the portable transforms, over buffers filled with `fill`; returns both outputs.
    static func both(_ isa: PanelKernels.InstructionSet, count: Int,
                     _ body: (UnsafeMutablePointer<Float>) -> Void) -> (vector: [UInt32], portable: [UInt32]) {
        func run(_ set: PanelKernels.InstructionSet) -> [UInt32] {
            var out = [Float](repeating: Float(bitPattern: 0x7fc0_1234), count: max(count, 1))
            PanelKernels.$override.withValue(set) {
                out.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
            }
            return out.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern }
        }
        return (run(isa), run(.none))
    }

    /// "n of m differ, first at i" (or "equal"): a short message for a failed comparison.
    static func difference(_ a: [UInt32], _ b: [UInt32]) -> String {
        let differing = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }
        guard let first = differing.first else { return "equal" }
        return "\(differing.count) of \(a.count) differ, first at \(first.offset): \(Float(bitPattern: first.element.0)) vs \(Float(bitPattern: first.element.1))"
    }

    @Test("input and output-gradient tile transforms = the portable ones, to the bit", arguments: instructionSets)
    func tiles(_ isa: PanelKernels.InstructionSet) {
        let t = WinogradTransform.f2x3
        for (name, g, images) in Self.geometries {
            let p = g.patches
            let tiles = ConvolutionKernels.winogradTiles(p, t)
            let width = images * tiles.perImage
            let input = Self.values(images * g.inputImageCount, seed: 3)
            let v = Self.both(isa, count: g.inputChannels * 16 * width) { v in
                ConvolutionKernels.winogradInput(input, images: images, patches: p, transform: t, into: v)
            }
            #expect(v.vector == v.portable, "input transform, \(name), \(isa): \(Self.difference(v.vector, v.portable))")
            let gradient = Self.values(images * g.outputImageCount, seed: 4)
            let z = Self.both(isa, count: g.outputChannels * 16 * width) { z in
                ConvolutionKernels.winogradOutputGradient(gradient, images: images, geometry: g, transform: t, into: z)
            }
            #expect(z.vector == z.portable, "output-gradient transform, \(name), \(isa): \(Self.difference(z.vector, z.portable))")
            let product = Self.values(g.outputChannels * 16 * width, seed: 5)
            let bias = Self.values(g.outputChannels, seed: 6)
            for withBias in [true, false] {
                let y = Self.both(isa, count: images * g.outputImageCount) { y in
                    ConvolutionKernels.winogradOutput(product, images: images, geometry: g, transform: t,
                                                      bias: withBias ? bias : nil, output: y)
                }
                #expect(y.vector == y.portable, "output transform, \(name), bias \(withBias), \(isa): \(Self.difference(y.vector, y.portable))")
            }
        }
    }

    @Test("kernel transforms (plain and flipped) and the weight-gradient transform = the portable ones, to the bit",
          arguments: instructionSets)
    func kernels(_ isa: PanelKernels.InstructionSet) {
        let t = WinogradTransform.f2x3
        for (name, g, _) in Self.geometries {
            let weight = Self.values(g.weightCount, seed: 7)
            for flipped in [false, true] {
                let u = Self.both(isa, count: ConvolutionKernels.winogradWeightCount(g, t)) { u in
                    ConvolutionKernels.winogradWeights(weight, geometry: g, transform: t, flipped: flipped, into: u)
                }
                #expect(u.vector == u.portable, "weights, flipped \(flipped), \(name), \(isa): \(Self.difference(u.vector, u.portable))")
            }
            let du = Self.values(ConvolutionKernels.winogradWeightCount(g, t), seed: 8)
            let dw = Self.both(isa, count: g.weightCount) { dw in
                ConvolutionKernels.winogradWeightGradient(du, geometry: g, transform: t, into: dw)
            }
            #expect(dw.vector == dw.portable, "weight gradient, \(name), \(isa): \(Self.difference(dw.vector, dw.portable))")
        }
    }

    @Test("the comparison can fail: one changed float of the portable input transform is seen")
    func comparisonSeesADifference() throws {
        let isa = try #require(Self.instructionSets.first)
        let (_, g, images) = Self.geometries[0]
        let t = WinogradTransform.f2x3
        let width = images * ConvolutionKernels.winogradTiles(g.patches, t).perImage
        var input = Self.values(images * g.inputImageCount, seed: 3)
        let first = Self.both(isa, count: g.inputChannels * 16 * width) { v in
            ConvolutionKernels.winogradInput(input, images: images, patches: g.patches, transform: t, into: v)
        }
        input[g.patches.width + 1] += 1
        let second = Self.both(isa, count: g.inputChannels * 16 * width) { v in
            ConvolutionKernels.winogradInput(input, images: images, patches: g.patches, transform: t, into: v)
        }
        #expect(first.vector != second.vector)
        #expect(first.vector == first.portable && second.vector == second.portable)
    }
}
