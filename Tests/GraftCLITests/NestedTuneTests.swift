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
}
