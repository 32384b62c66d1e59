import Foundation
import GraftCaffe
import GraftCore
import GraftZoo
import GraftTestSupport
import Testing

/// The library example the README shows is this package's code, and it runs.
struct ReadmeExampleTests {
    /// The lines between the markers of `FineTuneExample.swift`.
    static func example() throws -> String {
        let source = try String(contentsOfFile: SharedData.repositoryRoot.path + "/Tests/GraftExamplesTests/FineTuneExample.swift",
                                encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex(of: "// BEGIN README EXAMPLE"))
        let end = try #require(lines.firstIndex(of: "// END README EXAMPLE"))
        return lines[(begin + 1)..<end].joined(separator: "\n")
    }

    @Test func readmeAndTutorialShowTheExampleVerbatim() throws {
        let readme = try String(contentsOfFile: SharedData.repositoryRoot.path + "/README.md", encoding: .utf8)
        #expect(readme.contains("```swift\n" + (try Self.example()) + "\n```"), "README.md's Swift example differs from FineTuneExample.swift")
        let article = try String(contentsOfFile: SharedData.repositoryRoot.path
                                 + "/Sources/GraftCore/GraftCore.docc/FineTuningFromSwift.md", encoding: .utf8)
        #expect(article.contains("```swift\n" + (try Self.example()) + "\n```"), "the DocC tutorial's example differs from FineTuneExample.swift")
    }

    /// A Caffe export of the CIFAR-10 quick net (random weights) fine-tuned from conv3 on stripes.
    @Test func exampleFineTunesACaffeModel() throws {
        let dir = TemporaryDirectory()
        let graph = Architectures.cifar10Quick(classes: 10)
        let model = Model(graph: graph, weights: graph.randomWeights(seed: 3),
                          preprocessing: Preprocessing(input: "data", inputShape: [1, 3, 32, 32], channelOrder: .bgr,
                                                       valueRange: [0, 255], steps: []),
                          provenance: Provenance(sourceFormat: "graft"))
        let export = try CaffeExporter.export(model, to: dir.path("caffe"))
        let images = try Stripes.write(to: dir.url.appendingPathComponent("stripes"), perClass: 30, size: 32)
        let auc = try fineTune(prototxt: export.prototxtPath, caffemodel: export.caffemodelPath, images: images,
                               from: "conv3", saveTo: dir.path("tuned.graft"))
        #expect(auc >= 0 && auc <= 1)
        let tuned = try NativeFile.open(dir.path("tuned.graft"))
        #expect(tuned.graph.inputs[0].shape == [1, 3, 32, 32])
        #expect(tuned.training?.classLabels == ["horizontal", "vertical"])
        let loaded = try tuned.loadModel()
        #expect(loaded.weights["conv1.weight"] == model.weights["conv1.weight"], "conv1 is before conv3: frozen")
        #expect(loaded.weights["conv3.weight"] != model.weights["conv3.weight"], "conv3 was tuned")
    }
}
