import Foundation
import GraftCore
import GraftTestSupport
import Testing

/// The transfer-learning model every Keras tutorial saves (a frozen pretrained base as a layer,
/// then pooling, dropout and a new Dense head), converted and fine-tuned: the base stays frozen
/// as Keras recorded it, the head learns, and the tuned model still runs.
struct NestedTuneTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras/nested").path

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("data/medmnist/breastmnist.npz")), "\(SharedData.absentMessage)"),
          arguments: ["k3_seq_head.keras", "tfk_func_head.h5"])
    func frozenBaseStaysFrozenAndTheHeadLearns(_ file: String) throws {
        let dir = TemporaryDirectory()
        let convert = try Graft.run(["convert", Self.fixtures + "/" + file, "-o", dir.path("m.graft")])
        #expect(convert.status == 0, "\(convert.stderr)")
        let tune = try Graft.run(["tune", dir.path("m.graft"), "--data", SharedData.path("data/medmnist/breastmnist.npz"),
                                  "--epochs", "2", "--batch-size", "16", "--lr", "0.01", "-o", dir.path("tuned.graft")])
        #expect(tune.status == 0, "\(tune.stderr)")
        let before = try NativeFile.open(dir.path("m.graft")).loadModel()
        let after = try NativeFile.open(dir.path("tuned.graft")).loadModel()
        let frozen = Set((before.training?.parameters ?? [:]).filter { $0.value.frozen }.map(\.key))
        #expect(frozen.count >= 8, "the base's tensors are recorded frozen: \(frozen.sorted())")
        for key in frozen {
            #expect(after.weights[key] == before.weights[key], "\(key) changed although the base is frozen")
        }
        let head = try #require(after.graph.nodes.last { if case .innerProduct = $0.op { true } else { false } })
        let weight = try #require(after.weights[head.tensorName("weight")])
        #expect(weight.shape[0] == 2, "a new 2-class head: \(weight.shape)")
        #expect(weight.scalars.contains { $0 != 0 })
        #expect(tune.stdout.contains("test"), "\(tune.stdout)")
    }

    /// A Keras 3 EfficientNetB0 base (random weights, 32x32, saved `trainable: false`) with a new
    /// pooling + Dropout + Dense head, made by the Keras venv: `graft tune` first trains the head
    /// alone, then `--tune-from` a layer of block 7 trains from there on (squeeze-and-excitation,
    /// swish, depthwise convolutions, BatchNorm backward), lifting Keras's freeze only where asked.
    @Test(.enabled(if: CrossCheck.runs(SharedData.has("data/medmnist/breastmnist.npz") && Self.kerasPython != nil),
                   "needs the Keras venv (GRAFT_KERAS_PYTHON) and \(SharedData.absentMessage)"))
    func efficientNetB0TransferModelTunesTheHeadThenDeeper() throws {
        let python = try #require(Self.kerasPython)
        let dir = TemporaryDirectory()
        let script = """
            import os, sys
            os.environ["KERAS_BACKEND"] = "jax"
            import keras
            keras.utils.set_random_seed(0)
            base = keras.applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
            base.trainable = False
            inputs = keras.Input((32, 32, 3))
            x = base(inputs, training=False)
            x = keras.layers.GlobalAveragePooling2D()(x)
            x = keras.layers.Dropout(0.2)(x)
            outputs = keras.layers.Dense(2, activation="softmax")(x)
            keras.Model(inputs, outputs).save(sys.argv[1])
            """
        let (status, output) = try ChildProcess.run(python, ["-c", script, dir.path("effnet.keras")],
                                                    environment: ["JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"])
        #expect(status == 0, "\(output.suffix(2000))")
        let convert = try Graft.run(["convert", dir.path("effnet.keras"), "-o", dir.path("m.graft")])
        #expect(convert.status == 0, "\(convert.stderr)")
        let data = SharedData.path("data/medmnist/breastmnist.npz")
        let common = ["--data", data, "--epochs", "1", "--batch-size", "16", "--lr", "0.01"]
        let head = try Graft.run(["tune", dir.path("m.graft")] + common + ["-o", dir.path("head.graft")])
        #expect(head.status == 0, "\(head.stderr)")
        let original = try NativeFile.open(dir.path("m.graft")).loadModel()
        let afterHead = try NativeFile.open(dir.path("head.graft")).loadModel()
        let frozen = (original.training?.parameters ?? [:]).filter { $0.value.frozen }.map(\.key)
        #expect(frozen.count > 100, "EfficientNetB0's tensors are recorded frozen: \(frozen.count)")
        #expect(frozen.allSatisfy { afterHead.weights[$0] == original.weights[$0] }, "the frozen base changed in the head-only run")

        // Deeper: from the first trainable layer of block 7 on.
        let from = try #require(afterHead.trainableLayers.first { $0.contains("block7a") })
        let deep = try Graft.run(["tune", dir.path("head.graft")] + common + ["--keep-head", "--tune-from", from, "-o", dir.path("deep.graft")])
        #expect(deep.status == 0, "\(deep.stderr)")
        #expect(deep.stderr.contains("trainable: false are trained"), "\(deep.stderr)")
        let afterDeep = try NativeFile.open(dir.path("deep.graft")).loadModel()
        let start = try #require(afterHead.graph.nodes.firstIndex { $0.name == from })
        let reached = Set(afterHead.graph.nodes[start...].flatMap { n in n.parameters.map { n.tensorName($0.name) } })
        let learning = frozen.filter { reached.contains($0) && !$0.hasSuffix(".mean") && !$0.hasSuffix(".variance") }
        let before = frozen.filter { !reached.contains($0) }
        #expect(!learning.isEmpty && !before.isEmpty)
        #expect(learning.contains { afterDeep.weights[$0] != afterHead.weights[$0] }, "no tensor of block 7 on changed")
        #expect(before.allSatisfy { afterDeep.weights[$0] == afterHead.weights[$0] }, "a tensor before --tune-from changed")
        for (key, tensor) in afterDeep.weights { #expect(tensor.scalars.allSatisfy { $0.isFinite }, "\(key) is not finite") }
    }

    static let kerasPython: String? = ProcessInfo.processInfo.environment["GRAFT_KERAS_PYTHON"].flatMap {
        FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
    }
}
