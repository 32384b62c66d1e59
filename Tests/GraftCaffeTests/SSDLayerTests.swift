import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// The SSD fork's Normalize (an L2 normalisation node) and PriorBox (evaluated at import into a
/// constant): values by hand and against OpenCV, bad parameters, and the way back to Caffe.
struct SSDLayerTests {
    static func importText(_ text: String, weights: CaffeNet? = nil, weightInit: CaffeWeightInit = .fillers) throws -> CaffeImport {
        try CaffeImporter.importNet(try CaffePrototxt.decode(text, file: "ssd.prototxt"), file: "ssd.prototxt",
                                    weights: weights, weightsFile: weights == nil ? nil : "ssd.caffemodel",
                                    options: CaffeImportOptions(seed: 5, weightInit: weightInit))
    }

    static func normalizeNet(_ normParam: String, shape: [Int] = [2, 3, 2, 2]) -> String {
        """
        input: "x" input_shape { \(shape.map { "dim: \($0)" }.joined(separator: " ")) }
        layer { name: "norm" type: "Normalize" bottom: "x" top: "y" \(normParam) }
        """
    }

    /// `x / sqrt(Σx² + eps) · scale`, summed over the channels at each position or over the sample.
    static func normalized(_ x: Tensor, scale: [Float], acrossSpatial: Bool, epsilon: Float) -> [Float] {
        let (n, c) = (x.shape[0], x.shape[1]), inner = x.shape.elementCount / (n * c)
        var y = [Float](repeating: 0, count: x.shape.elementCount)
        for b in 0..<n {
            let base = b * c * inner
            let total = (0..<(c * inner)).reduce(Float(0)) { $0 + x.scalars[base + $1] * x.scalars[base + $1] }
            for i in 0..<inner {
                let channels = (0..<c).reduce(Float(0)) { $0 + x.scalars[base + $1 * inner + i] * x.scalars[base + $1 * inner + i] }
                let norm = ((acrossSpatial ? total : channels) + epsilon).squareRoot()
                for ch in 0..<c { y[base + ch * inner + i] = x.scalars[base + ch * inner + i] / norm * scale[scale.count == 1 ? 0 : ch] }
            }
        }
        return y
    }

    @Test(arguments: [(false, false), (true, true), (true, false), (false, true)])
    func normalizeComputesTheForksFunction(acrossSpatial: Bool, channelShared: Bool) throws {
        let imported = try Self.importText(Self.normalizeNet(
            "norm_param { across_spatial: \(acrossSpatial) channel_shared: \(channelShared) eps: 0.001 }"), weightInit: .scaled)
        let node = try #require(imported.model.graph.node(named: "norm"))
        #expect(node.op == .l2Norm(L2Normalization(acrossSpatial: acrossSpatial, channelShared: channelShared, epsilon: 0.001)))
        let scale = try #require(imported.model.weights["norm.scale"])
        #expect(scale.shape == (channelShared ? [1] : [3]))
        let input = CaffeTesting.random([2, 3, 2, 2], seed: 2)
        let out = try #require(try CaffeTesting.run(imported.model, input: input, outputs: ["y"])["y"])
        let agreement = TensorComparison(out.scalars, Self.normalized(input, scale: scale.scalars, acrossSpatial: acrossSpatial, epsilon: 0.001))
        #expect(agreement.passed, "\(agreement)")
    }

    /// The fork's defaults: across the sample, one shared scale, filled with constant 1 unless
    /// `scale_filler` says otherwise (SSD300 fills 20).
    @Test func normalizeDefaultsAndScaleFiller() throws {
        let bare = try Self.importText(Self.normalizeNet(""))
        #expect(bare.model.graph.node(named: "norm")?.op == .l2Norm(L2Normalization(acrossSpatial: true, channelShared: true, epsilon: 1e-10)))
        #expect(bare.model.weights["norm.scale"]?.scalars == [1])
        let filled = try Self.importText(Self.normalizeNet(
            "norm_param { across_spatial: false channel_shared: false scale_filler { type: \"constant\" value: 20 } }"))
        #expect(filled.model.weights["norm.scale"]?.scalars == [20, 20, 20])
    }

    /// The fork stores a channel-shared scale as a blob with no axes; a per-channel one must have C values.
    @Test func normalizeScaleBlobs() throws {
        func weights(_ blob: CaffeBlob) -> CaffeNet {
            var layer = CaffeLayer(name: "norm", type: "Normalize")
            layer.blobs = [blob]
            var net = CaffeNet(name: "w")
            net.layers = [layer]
            return net
        }
        let shared = try Self.importText(Self.normalizeNet("norm_param { channel_shared: true }"),
                                         weights: weights(CaffeBlob(shape: [], data: [3])))
        #expect(shared.model.weights["norm.scale"]?.scalars == [3])
        #expect(throws: CaffeImportError.blobShape(file: "ssd.caffemodel", layer: "norm", blob: 0, role: "scale", expected: [3], actual: [2])) {
            try Self.importText(Self.normalizeNet("norm_param { channel_shared: false }"), weights: weights(CaffeBlob(shape: [2], data: [1, 2])))
        }
    }

    @Test func normalizeRejectsBadParameters() throws {
        #expect(throws: CaffeImportError.invalidLayer(file: "ssd.prototxt", layer: "norm", reason: "norm_param eps -1.0 must be finite and >= 0")) {
            try Self.importText(Self.normalizeNet("norm_param { eps: -1 }"))
        }
        #expect(throws: CaffeImportError.invalidLayer(file: "ssd.prototxt", layer: "norm", reason: "needs an input with a channel axis, got 6")) {
            try Self.importText(Self.normalizeNet("", shape: [6]))
        }
        // OpenCV's own fields are not the fork's: the layer is kept whole rather than misread.
        let opaque = try Self.importText(Self.normalizeNet("norm_param { across_spatial: false p: 1 }"))
        #expect(opaque.model.graph.node(named: "norm")?.op.kind == .opaque)
        #expect(opaque.warnings.contains { $0.contains("norm_param has fields the SSD fork does not define: p") })
    }

    static func priorBoxNet(_ priorBoxParam: String, image: [Int] = [1, 3, 12, 16], pool: Int = 4) -> String {
        """
        input: "data" input_shape { \(image.map { "dim: \($0)" }.joined(separator: " ")) }
        layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { pool: MAX kernel_size: \(pool) stride: \(pool) } }
        layer { name: "priors" type: "PriorBox" bottom: "pool" bottom: "data" top: "priors" \(priorBoxParam) }
        """
    }

    /// A 2x2 map over an 8x8 image (step 4): at (h, w) the min_size box is centred at
    /// `(4w + 2, 4h + 2)`; the max_size box is `sqrt(4·16) = 8` wide; ratio 4 gives 8x2, flipped 2x8.
    @Test func priorBoxGridByHand() throws {
        let imported = try Self.importText(Self.priorBoxNet(
            "prior_box_param { min_size: 4 max_size: 16 aspect_ratio: 4 aspect_ratio: 1 aspect_ratio: 4 flip: true clip: true variance: 0.1 }",
            image: [1, 3, 8, 8]))
        let node = try #require(imported.model.graph.node(named: "priors"))
        guard case .constant(let c) = node.op else { Issue.record("priors is \(node.op.displayName)"); return }
        #expect(node.inputs.isEmpty && c.shape == [1, 2, 2 * 2 * 4 * 4])
        #expect(c.origin?.layer.type == "PriorBox" && c.origin?.inputs == ["pool", "data"])
        #expect(imported.model.training?.parameters["priors.value"]?.frozen == true)
        let value = try #require(imported.model.weights["priors.value"])
        var expected: [Float] = []
        for h in 0..<2 {
            for w in 0..<2 {
                let (cx, cy) = (Float(4 * w + 2), Float(4 * h + 2))
                for (bw, bh) in [(Float(4), Float(4)), (8, 8), (8, 2), (2, 8)] {
                    expected += [(cx - bw / 2) / 8, (cy - bh / 2) / 8, (cx + bw / 2) / 8, (cy + bh / 2) / 8].map { min(max($0, 0), 1) }
                }
            }
        }
        expected += [Float](repeating: 0.1, count: 64)
        let agreement = TensorComparison(value.scalars, expected)
        #expect(agreement.passed, "\(agreement)")
        let run = try #require(try CaffeTesting.run(imported.model, input: CaffeTesting.random([1, 3, 8, 8], seed: 1), outputs: ["priors"])["priors"])
        #expect(run.scalars == value.scalars)
    }

    @Test(arguments: [
        ("prior_box_param { max_size: 8 }", "prior_box_param has no min_size"),
        ("", "has no prior_box_param (min_size is required)"),
        ("prior_box_param { min_size: 8 max_size: 8 }", "prior_box_param max_size 8.0 must be greater than min_size 8.0"),
        ("prior_box_param { min_size: 4 min_size: 8 max_size: 16 }", "prior_box_param has 1 max_size for 2 min_size"),
        ("prior_box_param { min_size: 4 variance: 0.1 variance: 0.2 }", "prior_box_param has 2 variances; give 1 or 4"),
        ("prior_box_param { min_size: 4 aspect_ratio: -2 }", "prior_box_param aspect_ratio -2.0 must be positive"),
        ("prior_box_param { min_size: 4 step: 8 step_h: 8 step_w: 8 }", "prior_box_param gives step and step_h/step_w; give one"),
        ("prior_box_param { min_size: 4 img_h: 8 }", "prior_box_param needs both img_h and img_w"),
    ])
    func priorBoxRejectsBadParameters(param: String, reason: String) throws {
        #expect(throws: CaffeImportError.invalidLayer(file: "ssd.prototxt", layer: "priors", reason: reason)) {
            try Self.importText(Self.priorBoxNet(param))
        }
    }

    /// After an opaque layer the bottoms' shapes are unknown, so the grid cannot be computed.
    @Test func priorBoxAfterAnOpaqueLayerStaysOpaque() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
            layer { name: "warp" type: "Warp" bottom: "data" top: "feature" }
            layer { name: "priors" type: "PriorBox" bottom: "feature" bottom: "data" top: "priors" prior_box_param { min_size: 4 } }
            """)
        #expect(imported.model.graph.node(named: "priors")?.op.kind == .opaque)
        #expect(imported.warnings.contains { $0.contains("'priors' of type PriorBox") && $0.contains("unknown") })
    }

    /// Export writes Normalize and PriorBox back (fork fields in the prototxt); re-importing gives
    /// the same operations, scale and grid.
    @Test func normalizeAndPriorBoxRoundTripThroughCaffe() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 3 dim: 12 dim: 16 }
            layer { name: "norm" type: "Normalize" bottom: "data" top: "norm" norm_param { across_spatial: false channel_shared: false eps: 1e-6 } }
            layer { name: "pool" type: "Pooling" bottom: "norm" top: "pool" pooling_param { pool: MAX kernel_size: 4 stride: 4 } }
            layer { name: "priors" type: "PriorBox" bottom: "pool" bottom: "data" top: "priors"
                    prior_box_param { min_size: 5 max_size: 9 aspect_ratio: 2 variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 step: 4 offset: 0.25 } }
            """
        let imported = try Self.importText(text, weightInit: .scaled)
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let prototxt = try String(contentsOfFile: export.prototxtPath, encoding: .utf8)
        #expect(prototxt.contains("type: \"Normalize\"") && prototxt.contains("norm_param"))
        #expect(prototxt.contains("type: \"PriorBox\"") && prototxt.contains("prior_box_param"))
        let again = try CaffeImporter.importFiles(prototxt: export.prototxtPath, caffemodel: export.caffemodelPath)
        #expect(again.model.graph.nodes.map(\.op) == imported.model.graph.nodes.map(\.op))
        #expect(again.model.weights["norm.scale"] == imported.model.weights["norm.scale"])
        #expect(again.model.weights["priors.value"] == imported.model.weights["priors.value"])
    }

    /// A constant whose PriorBox read a value that surgery removed cannot go back as a PriorBox.
    @Test func priorBoxWithoutItsBottomsIsNotExported() throws {
        var model = try Self.importText(Self.priorBoxNet("prior_box_param { min_size: 4 }")).model
        model.graph.nodes.removeAll { $0.name == "pool" }
        #expect(throws: CaffeExportError.notRepresentable(
            node: "priors", reason: "it was evaluated from a Caffe layer that read 'pool', which no earlier node or input holds any more")) {
            try CaffeExporter.net(for: model)
        }
    }

    /// OpenCV's NormalizeBBox and PriorBox on the original prototxt, with the weights Graft
    /// exported: every variant OpenCV supports (it asserts on a per-channel scale across the sample).
    @Test(.enabled(if: CrossCheck.runs(CaffeTesting.openCVPython != nil), "set GRAFT_PYTHON to a python with opencv-python-headless<5"))
    func agreesWithOpenCV() throws {
        let python = try #require(CaffeTesting.openCVPython)
        let text = """
            input: "data" input_shape { dim: 1 dim: 3 dim: 20 dim: 30 }
            layer { name: "norm1" type: "Normalize" bottom: "data" top: "norm1" norm_param { across_spatial: false channel_shared: false } }
            layer { name: "norm2" type: "Normalize" bottom: "data" top: "norm2" norm_param { across_spatial: true channel_shared: true eps: 0.01 } }
            layer { name: "norm3" type: "Normalize" bottom: "data" top: "norm3" norm_param { across_spatial: false channel_shared: true } }
            layer { name: "pool" type: "Pooling" bottom: "norm1" top: "pool" pooling_param { pool: MAX kernel_size: 3 stride: 3 } }
            layer { name: "p1" type: "PriorBox" bottom: "pool" bottom: "data" top: "p1"
                    prior_box_param { min_size: 4 max_size: 9 aspect_ratio: 2 aspect_ratio: 3 flip: true clip: false variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
            layer { name: "p2" type: "PriorBox" bottom: "pool" bottom: "data" top: "p2"
                    prior_box_param { min_size: 6 aspect_ratio: 2 flip: false clip: true variance: 0.2 step: 2.5 offset: 0.3 } }
            layer { name: "p3" type: "PriorBox" bottom: "pool" bottom: "data" top: "p3"
                    prior_box_param { min_size: 3 min_size: 7 max_size: 5 max_size: 11 aspect_ratio: 0.5 clip: true variance: 0.1 step_h: 3 step_w: 2 } }
            layer { name: "priors" type: "Concat" bottom: "p1" bottom: "p2" bottom: "p3" top: "priors" concat_param { axis: 2 } }
            """
        let imported = try Self.importText(text, weightInit: .scaled)
        #expect(!imported.model.graph.nodes.contains { $0.op.kind == .opaque })
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let prototxt = directory.path("ssd.prototxt")
        try text.write(toFile: prototxt, atomically: true, encoding: .utf8)
        let names = ["norm1", "norm2", "norm3", "p1", "p2", "p3", "priors"]
        let input = CaffeTesting.random([1, 3, 20, 30], seed: 9)
        let ours = try CaffeTesting.run(imported.model, input: input, outputs: names)
        let theirs = try #require(try CaffeTesting.openCVOutputs(python: python, prototxt: prototxt, caffemodel: export.caffemodelPath,
                                                                input: input, names: names, in: directory))
        for name in names {
            let (a, e) = (try #require(ours[name]), try #require(theirs[name]))
            #expect(a.shape.elementCount == e.shape.elementCount, "\(name): \(a.shape) vs OpenCV \(e.shape)")
            let agreement = TensorComparison(a, e)
            #expect(agreement.passed, "\(name): \(agreement)")
        }
    }
}
