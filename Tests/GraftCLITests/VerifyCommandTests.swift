import Foundation
import Testing
import GraftCore
import GraftIO
import GraftTestSupport

/// `graft verify` finds the value for each `out:<name>` of a reference by value name, then by node
/// (layer) name, then through `--map`, and says which it used.
struct VerifyCommandTests {
    /// MTCNN LNet's naming: layer "landmark" writes top "landmark_offset".
    static let prototxt = """
        name: "lnet"
        input: "data" input_shape { dim: 1 dim: 3 dim: 12 dim: 12 }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.3 }
            bias_filler { type: "uniform" min: -0.2 max: 0.2 } } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "landmark" type: "InnerProduct" bottom: "conv1" top: "landmark_offset"
          inner_product_param { num_output: 10 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "cls" type: "InnerProduct" bottom: "conv1" top: "cls_score"
          inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "prob" type: "Softmax" bottom: "cls_score" top: "prob" }
        """

    /// The model converted from ``prototxt`` and a seeded input.
    static func model(in dir: TemporaryDirectory) throws -> (model: String, input: Tensor) {
        try prototxt.write(toFile: dir.path("lnet.prototxt"), atomically: true, encoding: .utf8)
        let converted = try Graft.run(["convert", dir.path("lnet.prototxt"), "--seed", "3", "-o", dir.path("lnet.graft")])
        #expect(converted.status == 0, "\(converted.stderr)")
        var rng = SeededGenerator(seed: 9)
        return (dir.path("lnet.graft"), Tensor(shape: [1, 3, 12, 12], scalars: (0..<432).map { _ in rng.nextUnitFloat() }))
    }

    /// A reference made by Graft itself, its arrays named by layer ("landmark") and by names the
    /// graph does not have ("probability").
    @Test func resolvesLayerNamesAndMapsTheRest() throws {
        let dir = TemporaryDirectory()
        let (model, input) = try Self.model(in: dir)
        try NPY.write(input, to: dir.path("x.npy"))
        let ran = try Graft.run(["run", model, "--input", dir.path("x.npy"), "--blob", "landmark_offset", "--blob", "prob",
                                 "-o", dir.path("run.npz")])
        #expect(ran.status == 0, "\(ran.stderr)")
        let outputs = Dictionary(uniqueKeysWithValues: try NPZ.read(path: dir.path("run.npz")).map { ($0.name, $0.tensor) })
        let landmark = try #require(outputs["out:landmark_offset"]), prob = try #require(outputs["out:prob"])
        try NPZ.write([("input", input), ("out:landmark", landmark), ("out:prob", prob), ("out:probability", prob)],
                      to: dir.path("ref.npz"))

        let unknown = try Graft.run(["verify", model, "--reference", dir.path("ref.npz")])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("out:probability: \(model) has no value or node named 'probability'; close names: prob (value); "
                                        + "name the value with --map probability=<value>"), "\(unknown.stderr)")

        let mapped = try Graft.run(["verify", model, "--reference", dir.path("ref.npz"), "--map", "probability=prob"])
        #expect(mapped.status == 0, "\(mapped.stdout)\(mapped.stderr)")
        for line in ["out:landmark is node 'landmark', its first output 'landmark_offset'", "out:prob is value 'prob'",
                     "out:probability is value 'prob' (--map)"] {
            #expect(mapped.stdout.contains(line), "\(line) not in\n\(mapped.stdout)")
        }
        #expect(mapped.stdout.components(separatedBy: " ok").count - 1 == 3, "\(mapped.stdout)")

        // JSON stays parseable: the resolutions go to stderr, the value into each entry.
        let json = try Graft.run(["verify", model, "--reference", dir.path("ref.npz"), "--map", "probability=prob", "--json"])
        #expect(json.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.first { $0["name"] as? String == "out:landmark" }?["value"] as? String == "landmark_offset")
        #expect(json.stderr.contains("note: out:landmark is node 'landmark'"))
    }

    @Test func badMapsAreRefusedClearly() throws {
        let dir = TemporaryDirectory()
        let (model, input) = try Self.model(in: dir)
        try NPZ.write([("input", input), ("out:prob", Tensor(shape: [1, 2], scalars: [0.5, 0.5]))], to: dir.path("ref.npz"))
        let cases: [([String], String)] = [
            (["--map", "prob"], "--map prob: expected <reference key>=<value name>"),
            (["--map", "prob=landmark"], "--map prob=landmark: \(model) has no value named 'landmark'; close names: "
                + "landmark_offset (value), landmark (node, output landmark_offset)"),
            (["--map", "score=prob"], "--map score=prob: \(dir.path("ref.npz")) has no array out:score"),
        ]
        for (arguments, message) in cases {
            let result = try Graft.run(["verify", model, "--reference", dir.path("ref.npz")] + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// A python with OpenCV 4.x (`GRAFT_PYTHON`), or nil.
    static let openCVPython = CrossCheck.openCVPython

    /// OpenCV's own reference, made through `forward(layer names)` on the Caffe export: the case
    /// that used to fail with "no value named 'landmark'".
    @Test(.enabled(if: openCVPython != nil, "set GRAFT_PYTHON to a python with opencv-python-headless<5"))
    func verifiesAgainstOpenCVByLayerName() throws {
        let python = try #require(Self.openCVPython)
        let dir = TemporaryDirectory()
        let (model, input) = try Self.model(in: dir)
        let exported = try Graft.run(["export", model, "--to", "caffe", "-o", dir.path("caffe")])
        #expect(exported.status == 0, "\(exported.stderr)")
        try NPY.write(input, to: dir.path("x.npy"))
        let script = """
            import sys, cv2, numpy as np
            net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2]); x = np.load(sys.argv[3]); net.setInput(x)
            ys = net.forward(['landmark', 'prob'])
            np.savez(sys.argv[4], **{'input': x, 'out:landmark': ys[0], 'out:prob': ys[1]})
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, dir.path("caffe/deploy.prototxt"), dir.path("caffe/weights.caffemodel"),
                             dir.path("x.npy"), dir.path("opencv.npz")]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "OpenCV could not run the export")
        let verified = try Graft.run(["verify", model, "--reference", dir.path("opencv.npz")])
        print(verified.stdout)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("out:landmark is node 'landmark', its first output 'landmark_offset'"))
        #expect(verified.stdout.components(separatedBy: " ok").count - 1 == 2)
    }
}
