import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftCaffe

/// The forks' `ceil_mode: false` (DenseNet-121's deploy prototxt, as OpenCV reads it) rounds the
/// pooled size down; the exporters write it so that OpenCV and Graft read it back the same.
struct PoolingRoundingTests {
    /// A 10x10 image: max pooling 3/2 pad 1 gives 6 rounding up, 5 down; then average 2/2 on 5
    /// gives 3 up, 2 down. The convolution's fillers make the weights random.
    static let net = """
        name: "floor"
        input: "data" input_shape { dim: 1 dim: 3 dim: 10 dim: 10 }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1
            weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
        layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool"
          pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 ceil_mode: false } }
        layer { name: "ave" type: "Pooling" bottom: "pool" top: "ave"
          pooling_param { pool: AVE kernel_size: 2 stride: 2 ceil_mode: false } }
        """

    static func importText(_ text: String) throws -> CaffeImport {
        try CaffeImporter.importNet(try CaffePrototxt.decode(text, file: "floor.prototxt"), file: "floor.prototxt",
                                    weights: nil, weightsFile: nil, options: CaffeImportOptions(seed: 5))
    }

    @Test func ceilModeFalseRoundsDownWithoutAWarning() throws {
        let imported = try Self.importText(Self.net)
        let shapes = try imported.model.graph.inferShapes()
        #expect(shapes.values["pool"] == [1, 4, 5, 5])
        #expect(shapes.values["ave"] == [1, 4, 2, 2])
        guard case .pooling(let p)? = imported.model.graph.node(named: "pool")?.op else { Issue.record("pool"); return }
        #expect(p.rounding == .floor)
        #expect(!imported.warnings.contains { $0.contains("ceil_mode") }, "\(imported.warnings)")
        // The field as decoded, and `ceil_mode: true` (the forks' default) keeping Caffe's ceil.
        let layer = try #require(try CaffePrototxt.decode(Self.net, file: "f").layer(named: "pool"))
        #expect(layer.pooling?.ceilMode == false && layer.pooling?.roundMode == .ceil)
        let ceil = try Self.importText(Self.net.replacingOccurrences(of: "ceil_mode: false", with: "ceil_mode: true"))
        let ceilShapes = try ceil.model.graph.inferShapes()
        #expect(ceilShapes.values["pool"] == [1, 4, 6, 6] && ceilShapes.values["ave"] == [1, 4, 3, 3])
    }

    /// DenseNet-121's pool1 (3/2 pad 1 on 112x112) is 56x56, not Caffe's default 57x57.
    @Test func denseNetPool1Is56() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 64 dim: 112 dim: 112 }
            layer { name: "pool1" type: "Pooling" bottom: "data" top: "pool1"
              pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 ceil_mode: false } }
            """)
        #expect(try imported.model.graph.inferShapes().values["pool1"] == [1, 64, 56, 56])
    }

    @Test func roundModeFloorAndCeilModeTrueDisagree() throws {
        let text = Self.net.replacingOccurrences(of: "pool: MAX kernel_size: 3 stride: 2 pad: 1 ceil_mode: false",
                                                 with: "pool: MAX kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR ceil_mode: true")
        #expect(throws: CaffeImportError.invalidLayer(file: "floor.prototxt", layer: "pool",
                                                      reason: "round_mode: FLOOR and ceil_mode: true disagree")) {
            try Self.importText(text)
        }
    }

    /// The prototxt writer writes `ceil_mode: false` (OpenCV rejects `round_mode`), the caffemodel
    /// BVLC's `round_mode: FLOOR`; both read back as floor pooling.
    @Test func exportWritesCeilModeInTextAndRoundModeInBinary() throws {
        let imported = try Self.importText(Self.net)
        let directory = TemporaryDirectory()
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let text = try String(contentsOfFile: export.prototxtPath, encoding: .utf8)
        #expect(text.components(separatedBy: "ceil_mode: false").count - 1 == 2)
        #expect(!text.contains("round_mode"))
        #expect(export.notes.contains { $0.hasPrefix("2 Pooling layer(s) round down") }, "\(export.notes)")
        let binary = try CaffeModelReader.read(path: export.caffemodelPath)
        #expect(binary.layer(named: "pool")?.pooling?.roundMode == .floor)
        for (prototxt, caffemodel) in [(export.prototxtPath, export.caffemodelPath), (nil, export.caffemodelPath)] {
            let again = try CaffeImporter.importFiles(prototxt: prototxt, caffemodel: caffemodel)
            #expect(again.model.graph.nodes.map(\.op) == imported.model.graph.nodes.map(\.op))
        }
    }

    /// OpenCV on the hand-written prototxt and on the export, with the exported weights, against
    /// Graft's forward pass.
    @Test(.enabled(if: CaffeTesting.openCVPython != nil, "set GRAFT_PYTHON to a python with opencv-python-headless<5"))
    func matchesOpenCVBeforeAndAfterExport() throws {
        let python = try #require(CaffeTesting.openCVPython)
        let imported = try Self.importText(Self.net)
        let directory = TemporaryDirectory()
        let source = directory.path("floor.prototxt")
        try Self.net.write(toFile: source, atomically: true, encoding: .utf8)
        let export = try CaffeExporter.export(imported.model, to: directory.path("caffe"))
        let input = CaffeTesting.random([1, 3, 10, 10], seed: 11)
        let ours = try CaffeTesting.run(imported.model, input: input, outputs: ["pool", "ave"])
        for prototxt in [source, export.prototxtPath] {
            let theirs = try #require(try CaffeTesting.openCVOutputs(python: python, prototxt: prototxt, caffemodel: export.caffemodelPath,
                                                                    input: input, names: ["pool", "ave"], in: directory),
                                      "OpenCV could not run \(prototxt)")
            for name in ["pool", "ave"] {
                let expected = try #require(theirs[name])
                let actual = try #require(ours[name])
                #expect(actual.shape == expected.shape, "\(name): \(actual.shape) vs OpenCV \(expected.shape)")
                guard actual.shape == expected.shape else { continue }
                let agreement = TensorComparison(actual, expected)
                print("floor pooling \(name) vs OpenCV (\(prototxt == source ? "ceil_mode prototxt" : "export")): \(agreement)")
                #expect(agreement.passed, "\(name): \(agreement)")
            }
        }
    }
}
