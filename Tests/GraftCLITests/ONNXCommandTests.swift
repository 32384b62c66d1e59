import Foundation
import Testing
import GraftCore
import GraftImage
import GraftONNX
import GraftTestSupport

/// `graft convert model.onnx` and fine-tuning what it wrote, on models built with ONNXWriter.
struct ONNXCommandTests {
    /// A small CNN as an exporter writes it: symbolic batch, Conv/BatchNormalization/Relu/MaxPool,
    /// GlobalAveragePool, Flatten, Gemm and Softmax.
    static func smallCNN() -> ONNXModel {
        var rng = SeededGenerator(seed: 11)
        func values(_ dims: [Int], scale: Float) -> [Float] { (0..<dims.reduce(1, *)).map { _ in (Float(rng.next() % 2001) / 1000 - 1) * scale } }
        func tensor(_ name: String, _ dims: [Int], scale: Float) -> ONNXTensor { ONNXTensor(name: name, dims: dims, floats: values(dims, scale: scale)) }
        let nodes = [
            ONNXNode(name: "conv1", opType: "Conv", inputs: ["image", "w1", "b1"], outputs: ["c1"], attributes: [ONNXAttribute("pads", .ints([1, 1, 1, 1]))]),
            ONNXNode(name: "bn1", opType: "BatchNormalization", inputs: ["c1", "g", "beta", "mean", "var"], outputs: ["n1"]),
            ONNXNode(name: "relu1", opType: "Relu", inputs: ["n1"], outputs: ["r1"]),
            ONNXNode(name: "pool1", opType: "MaxPool", inputs: ["r1"], outputs: ["p1"],
                     attributes: [ONNXAttribute("kernel_shape", .ints([2, 2])), ONNXAttribute("strides", .ints([2, 2]))]),
            ONNXNode(name: "conv2", opType: "Conv", inputs: ["p1", "w2"], outputs: ["c2"], attributes: [ONNXAttribute("auto_pad", .string(Array("SAME_UPPER".utf8)))]),
            ONNXNode(name: "relu2", opType: "Relu", inputs: ["c2"], outputs: ["r2"]),
            ONNXNode(name: "gap", opType: "GlobalAveragePool", inputs: ["r2"], outputs: ["g2"]),
            ONNXNode(name: "flatten", opType: "Flatten", inputs: ["g2"], outputs: ["f"]),
            ONNXNode(name: "fc", opType: "Gemm", inputs: ["f", "wf", "bf"], outputs: ["logits"], attributes: [ONNXAttribute("transB", .int(1))]),
            ONNXNode(name: "prob", opType: "Softmax", inputs: ["logits"], outputs: ["prob"], attributes: [ONNXAttribute("axis", .int(1))]),
        ]
        let initializers = [
            tensor("w1", [8, 3, 3, 3], scale: 0.4), tensor("b1", [8], scale: 0.1), tensor("g", [8], scale: 0.2).adding(1),
            tensor("beta", [8], scale: 0.1), tensor("mean", [8], scale: 0.1), tensor("var", [8], scale: 0.2).adding(1),
            tensor("w2", [8, 8, 3, 3], scale: 0.2), tensor("wf", [2, 8], scale: 0.5), tensor("bf", [2], scale: 0.1),
        ]
        let graph = ONNXGraph(name: "small", nodes: nodes, initializers: initializers,
                              inputs: [ONNXValueInfo(name: "image", shape: [.parameter("batch"), .value(3), .value(16), .value(16)])],
                              outputs: [ONNXValueInfo(name: "prob")])
        return ONNXModel(irVersion: 8, opsets: [ONNXOperatorSet(version: 17)], producerName: "graft-tests", graph: graph)
    }

    @Test func convertedONNXModelFineTunes() throws {
        let dir = TemporaryDirectory()
        try ONNXWriter.write(Self.smallCNN(), to: dir.path("small.onnx"))
        let convert = try Graft.run(["convert", dir.path("small.onnx"), "-o", dir.path("small.graft"), "--strict", "--scale", "0.0039"])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("wrote"))
        let inspect = try Graft.run(["inspect", dir.path("small.graft")])
        #expect(inspect.status == 0 && inspect.stdout.contains("onnx"), "\(inspect.stdout)\(inspect.stderr)")

        let data = try Stripes.write(to: dir.url.appendingPathComponent("stripes"), perClass: 12)
        let tune = try Graft.run(["tune", dir.path("small.graft"), "--data", data, "--epochs", "2", "--batch-size", "4", "--lr", "0.01",
                                  "--seed", "1", "-o", dir.path("tuned.graft")])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stderr.contains("epoch 2/2"), "\(tune.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path("tuned.graft")))
        let predict = try Graft.run(["predict", dir.path("tuned.graft"), data + "/vertical/vertical 0.png", "--top", "1"])
        #expect(predict.status == 0, "\(predict.stderr)")
    }

    @Test func brokenOrUnmappableFilesWriteNothing() throws {
        let dir = TemporaryDirectory()
        var cycle = Self.smallCNN()
        cycle.graph.nodes[2].inputs = ["p1"]  // relu1 reads pool1's output, which reads relu1's
        try ONNXWriter.write(cycle, to: dir.path("cycle.onnx"))
        let broken = try Graft.run(["convert", dir.path("cycle.onnx"), "-o", dir.path("cycle.graft")])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("cycle") && broken.stderr.contains("node '"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("cycle.graft")))

        try Data("garbage, not protobuf".utf8).write(to: URL(fileURLWithPath: dir.path("garbage.onnx")))
        let garbage = try Graft.run(["convert", dir.path("garbage.onnx"), "-o", dir.path("garbage.graft")])
        #expect(garbage.status != 0 && garbage.stderr.contains("garbage.onnx"), "\(garbage.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("garbage.graft")))

        var unknown = Self.smallCNN()
        unknown.graph.nodes[5].opType = "Mish"
        try ONNXWriter.write(unknown, to: dir.path("mish.onnx"))
        let strict = try Graft.run(["convert", dir.path("mish.onnx"), "-o", dir.path("strict.graft"), "--strict"])
        #expect(strict.status != 0 && strict.stderr.contains("relu2"), "\(strict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("strict.graft")))
        let lenient = try Graft.run(["convert", dir.path("mish.onnx"), "-o", dir.path("opaque.graft")])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.contains("warning") && lenient.stderr.contains("Mish"))
    }
}

private extension ONNXTensor {
    func adding(_ v: Float) -> ONNXTensor {
        var t = self
        t.data = .floats((floatValues ?? []).map { $0 + v })
        return t
    }
}
