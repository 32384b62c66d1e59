import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import Testing

/// Looking inside any weights file (`graft inspect` on Keras and Caffe weights that hold no
/// graph) and writing a model's weights as NumPy arrays (`graft export --to npz`).
struct WeightsFileTests {
    static let nested = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras/nested").path

    struct Listed: Decodable {
        struct Array: Decodable {
            var path: String
            var shape: [Int]
            var storedType: String
            var statistics: TensorStatistics
        }
        var format: String
        var arrays: [Array]
    }

    static func list(_ path: String) throws -> Listed {
        let result = try Graft.run(["inspect", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Listed.self, from: Data(result.stdout.utf8))
    }

    /// A Keras 3 `.weights.h5` (no architecture inside): every variable, nested model's included,
    /// with the shapes Keras wrote; the same arrays as in the `.keras` archive.
    @Test func keras3WeightsFileListsEveryArray() throws {
        let listed = try Self.list(Self.nested + "/k3_deep.weights.h5")
        #expect(listed.format == "keras")
        let kernel = try #require(listed.arrays.first { $0.path == "/layers/sequential/layers/functional/layers/conv2d/vars/0" })
        #expect(kernel.shape == [3, 3, 3, 8] && kernel.storedType == "float32" && kernel.statistics.count == 216)
        #expect(kernel.statistics.std > 0)
        let archive = try Self.list(Self.nested + "/k3_deep.keras")
        // The archive's model.weights.h5 holds the same arrays (model.save and save_weights agree).
        let archived = Dictionary(uniqueKeysWithValues: archive.arrays.map { ($0.path, $0.statistics) })
        let weights = Dictionary(uniqueKeysWithValues: listed.arrays.map { ($0.path, $0.statistics) })
        #expect(archived == weights)
        let text = try Graft.run(["inspect", Self.nested + "/tfk_deep_weights.h5"])
        #expect(text.status == 0 && text.stdout.contains("/backbone/stem_conv/kernel:0") && text.stdout.contains("[3, 3, 3, 8]"),
                "\(text.stdout)\(text.stderr)")
    }

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/caffe/lenet_ethereon/lenet_iter_10000.caffemodel")),
                   "\(SharedData.absentMessage)"))
    func caffemodelWithoutItsPrototxtListsEveryBlob() throws {
        let listed = try Self.list(SharedData.path("reference/caffe/lenet_ethereon/lenet_iter_10000.caffemodel"))
        #expect(listed.format == "caffe")
        #expect(listed.arrays.map(\.path) == ["conv1/0", "conv1/1", "conv2/0", "conv2/1", "ip1/0", "ip1/1", "ip2/0", "ip2/1"])
        #expect(listed.arrays[0].shape == [20, 1, 5, 5] && listed.arrays.reduce(0) { $0 + $1.statistics.count } == 431_080)
    }

    @Test func aDamagedWeightsFileIsATypedErrorNotACrash() throws {
        let dir = TemporaryDirectory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.nested + "/k3_seq_head.weights.h5")))
        bytes = Array(bytes.prefix(bytes.count / 3))
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("cut.weights.h5")))
        let result = try Graft.run(["inspect", dir.path("cut.weights.h5")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cut.weights.h5"), "\(result.stderr)")
    }

    /// `--to npz`: every tensor under its Graft name, bit for bit.
    @Test func exportToNpzWritesEveryTensorBitForBit() throws {
        let dir = TemporaryDirectory()
        #expect(try Graft.run(["convert", Self.nested + "/k3_func_head.keras", "-o", dir.path("m.graft")]).status == 0)
        let export = try Graft.run(["export", dir.path("m.graft"), "--to", "npz", "-o", dir.path("w.npz")])
        #expect(export.status == 0, "\(export.stderr)")
        let model = try NativeFile.open(dir.path("m.graft")).loadModel()
        let arrays = try NPZ.read(path: dir.path("w.npz"))
        #expect(Set(arrays.map(\.name)) == Set(model.weights.keys))
        for (name, tensor) in arrays {
            #expect(tensor.shape == model.weights[name]?.shape && tensor.scalars.map(\.bitPattern) == model.weights[name]?.scalars.map(\.bitPattern),
                    "\(name)")
        }
    }
}
