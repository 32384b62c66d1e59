import Foundation
import Testing
import GraftTestSupport

/// `graft export --to onnx`: writes the model, checks its options, and refuses a node ONNX
/// cannot express by name without leaving a file.
struct ONNXExportCommandTests {
    static let prototxt = """
        name: "m"
        input: "data" input_shape { dim: 1 dim: 3 dim: 12 dim: 12 }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
        layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
        """

    @Test func exportsAnONNXModel() throws {
        let dir = TemporaryDirectory()
        try Self.prototxt.write(toFile: dir.path("m.prototxt"), atomically: true, encoding: .utf8)
        let converted = try Graft.run(["convert", dir.path("m.prototxt"), "-o", dir.path("m.graft")])
        #expect(converted.status == 0, "\(converted.stderr)")
        let exported = try Graft.run(["export", dir.path("m.graft"), "--to", "onnx", "-o", dir.path("m.onnx"), "--opset", "13",
                                      "--dynamic-batch", "--fold-batchnorm"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("wrote \(dir.path("m.onnx")) (opset 13)"), "\(exported.stdout)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("m.onnx")))
        #expect(bytes.count > 400, "the conv's 108 weights are in the file")
        let refused = try Graft.run(["export", dir.path("m.graft"), "--to", "onnx", "-o", dir.path("n.onnx"), "--opset", "12"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--opset 12"), "\(refused.stderr)")
        let misplaced = try Graft.run(["export", dir.path("m.graft"), "--to", "keras", "-o", dir.path("m.h5"), "--dynamic-batch"])
        #expect(misplaced.status != 0)
        #expect(misplaced.stderr.contains("apply to --to onnx only"), "\(misplaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("n.onnx")))
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.h5")))
    }

    @Test func refusesAnOpaqueNodeByNameAndWritesNothing() throws {
        let dir = TemporaryDirectory()
        try ExportCommandTests.prototxt.write(toFile: dir.path("m.prototxt"), atomically: true, encoding: .utf8)
        let converted = try Graft.run(["convert", dir.path("m.prototxt"), "-o", dir.path("m.graft")])
        #expect(converted.status == 0, "\(converted.stderr)")
        let refused = try Graft.run(["export", dir.path("m.graft"), "--to", "onnx", "-o", dir.path("m.onnx")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("node 'dw' (Opaque(DepthwiseConvolution)) cannot be written as ONNX"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.onnx")))
        #expect(Set(dir.contents) == ["m.prototxt", "m.graft"], "\(dir.contents)")
    }
}
