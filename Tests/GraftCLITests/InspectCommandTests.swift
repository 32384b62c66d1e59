import Foundation
import Testing
import GraftCore
import GraftZoo
import GraftIO
import GraftTestSupport

/// `graft create`, `inspect`, `run` and `verify` through the real binary.
struct CommandTests {
    @Test func inspectShowsCaffeNetTable() throws {
        let dir = TemporaryDirectory()
        let model = dir.path("caffenet.graft")
        let created = try Graft.run(["create", "caffenet", "--seed", "3", "-o", model])
        #expect(created.status == 0, "\(created.stderr)")
        let result = try Graft.run(["inspect", model])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // The conv1 row: output 1x96x55x55, 34,944 parameters, 105,415,200 MACs.
        let conv1 = try #require(lines.first { $0.contains(" conv1 ") })
        #expect(conv1.contains("Convolution") && conv1.contains("1x96x55x55") && conv1.contains("34,944") && conv1.contains("105,415,200"))
        let fc6 = try #require(lines.first { $0.contains(" fc6 ") })
        #expect(fc6.contains("1x4096") && fc6.contains("37,752,832"))
        #expect(result.stdout.contains("Total: 60,965,224 parameters (60,965,224 trainable, 0 frozen), 724.4M MACs"))
        #expect(result.stdout.contains("Preprocessing: data 1x3x227x227: BGR 0...255, then subtract (104, 117, 123)"))
        // Columns align: every table row has the node column at the same offset.
        let header = try #require(lines.firstIndex { $0.contains("node") && $0.contains("MACs") })
        let column = lines[header].range(of: "node")!.lowerBound.utf16Offset(in: lines[header])
        #expect(conv1.dropFirst(column).hasPrefix("conv1"))
    }

    @Test func inspectJSONAndStats() throws {
        let dir = TemporaryDirectory()
        let model = dir.path("tiny.graft")
        try Graft.run(["create", "tiny-cnn", "-o", model])
        let result = try Graft.run(["inspect", model, "--json", "--stats"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        let graph = Architectures.tinyCNN()
        #expect(totals["parameters"] as? Int == graph.parameterTensors.reduce(0) { $0 + $1.spec.shape.elementCount })
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        let bias = try #require(tensors.first { $0["name"] as? String == "conv1.bias" })
        let stats = try #require(bias["statistics"] as? [String: Any])
        #expect(stats["zeros"] as? Int == 8)
    }

    @Test func inspectRejectsAMissingOrDamagedFile() throws {
        let dir = TemporaryDirectory()
        let missing = try Graft.run(["inspect", dir.path("nope.graft")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.graft"))
        try Data(repeating: 0xAB, count: 100).write(to: dir.url.appendingPathComponent("junk.graft"))
        let junk = try Graft.run(["inspect", dir.path("junk.graft")])
        #expect(junk.status != 0)
        #expect(junk.stderr.contains("junk.graft"))
    }

    @Test func runAndVerifyAgreeWithThemselvesAndCatchADifference() throws {
        let dir = TemporaryDirectory()
        let model = dir.path("quick.graft")
        try Graft.run(["create", "cifar10-quick", "--seed", "5", "-o", model])
        var rng = SeededGenerator(seed: 9)
        let input = Tensor(shape: [2, 3, 32, 32], scalars: (0..<(2 * 3 * 32 * 32)).map { _ in rng.nextUnitFloat() })
        try NPY.write(input, to: dir.path("input.npy"))
        let run = try Graft.run(["run", model, "--input", dir.path("input.npy"), "--blob", "ip1", "--blob", "prob", "-o", dir.path("out.npz")])
        #expect(run.status == 0, "\(run.stderr)")
        let arrays = try NPZ.read(path: dir.path("out.npz"))
        #expect(arrays.map(\.name) == ["input", "out:ip1", "out:prob"])
        #expect(arrays[2].tensor.shape == [2, 10])
        let ok = try Graft.run(["verify", model, "--reference", dir.path("out.npz")])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("out:prob") && ok.stdout.contains("ok"))
        // Perturb one probability: verify must fail and say so.
        var tampered = arrays
        tampered[2].tensor.scalars[3] += 1e-2
        try NPZ.write(tampered, to: dir.path("bad.npz"))
        let bad = try Graft.run(["verify", model, "--reference", dir.path("bad.npz")])
        #expect(bad.status != 0)
        #expect(bad.stdout.contains("FAIL (1 elements)"))
    }

    @Test func runTakesChannelsLastInputs() throws {
        let dir = TemporaryDirectory()
        let model = dir.path("tiny.graft")
        try Graft.run(["create", "tiny-cnn", "-o", model])
        var rng = SeededGenerator(seed: 1)
        let nchw = Tensor(shape: [1, 3, 16, 16], scalars: (0..<768).map { _ in rng.nextUnitFloat() })
        try NPY.write(nchw, to: dir.path("nchw.npy"))
        try NPY.write(nchw.converted(to: .nhwc), to: dir.path("nhwc.npy"))
        let a = try Graft.run(["run", model, "--input", dir.path("nchw.npy")])
        let b = try Graft.run(["run", model, "--input", dir.path("nhwc.npy"), "--layout", "nhwc"])
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
        let wrong = try Graft.run(["run", model, "--input", dir.path("nhwc.npy")])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("--layout nhwc"))
    }
}
