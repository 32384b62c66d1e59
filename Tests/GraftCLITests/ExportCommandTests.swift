import Foundation
import Testing
import GraftTestSupport

/// `graft export --to caffe` refuses a model whose layers should have weights but have none.
struct ExportCommandTests {
    /// A fork's depthwise layer Graft keeps opaque: from a prototxt alone it has no blobs.
    static let prototxt = """
        name: "m"
        input: "data" input_shape { dim: 1 dim: 4 dim: 8 dim: 8 }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "dw" type: "DepthwiseConvolution" bottom: "conv" top: "dw"
          convolution_param { num_output: 4 group: 4 kernel_size: 3 bias_term: false } }
        """

    @Test func caffeExportRefusesLayersWithoutWeightsUnlessForced() throws {
        let dir = TemporaryDirectory()
        try Self.prototxt.write(toFile: dir.path("m.prototxt"), atomically: true, encoding: .utf8)
        let converted = try Graft.run(["convert", dir.path("m.prototxt"), "-o", dir.path("m.graft")])
        #expect(converted.status == 0, "\(converted.stderr)")
        let refused = try Graft.run(["export", dir.path("m.graft"), "--to", "caffe", "-o", dir.path("out")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("1 layer(s) should have weights but have none"), "\(refused.stderr)")
        #expect(refused.stderr.contains("dw (DepthwiseConvolution, convolution_param)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/weights.caffemodel")))
        let forced = try Graft.run(["export", dir.path("m.graft"), "--to", "caffe", "-o", dir.path("out"), "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("note: written without weights, as forced: dw (DepthwiseConvolution, convolution_param)"))
        #expect(FileManager.default.fileExists(atPath: dir.path("out/weights.caffemodel")))
    }
}
