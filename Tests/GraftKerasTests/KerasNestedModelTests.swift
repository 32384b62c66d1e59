import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// A pretrained base used as a layer inside a transfer-learning model, written by real Keras 3
/// and tf.keras 2 in every layout (`Tests/Fixtures/keras/nested/make_nested.py`): flattened into
/// one graph with scoped names, weights found in every layout, the frozen base recorded as frozen,
/// and the same outputs as Keras.
struct KerasNestedModelTests {
    static let models = ["seq_head", "func_head", "deep", "shared"]

    /// (file, architecture) pairs: every layout each writer produces.
    static let layouts: [(writer: String, file: String, architecture: String?)] = [
        ("k3_", ".keras", nil), ("k3_", ".h5", nil), ("k3_", ".weights.h5", ".keras"),
        ("tfk_", ".h5", nil), ("tfk_", "_weights.h5", ".json"), ("tfk_", "_weights.h5", ".h5"),
    ]

    static func path(_ name: String) -> String { KerasFixtures.path("nested/\(name)") }

    static func importNested(_ model: String, _ layout: Int) throws -> KerasImporter.Result {
        let l = layouts[layout]
        return try KerasImporter.importModel(path: path(l.writer + model + l.file),
                                             architecture: l.architecture.map { path(l.writer + model + $0) })
    }

    /// Runs every input of the reference (`input`, or `input0`, `input1`, ...) through `model`.
    static func run(_ model: Model, reference: [(name: String, tensor: Tensor)]) throws -> Tensor {
        let inputs = reference.filter { $0.name.hasPrefix("input") }.sorted { $0.name < $1.name }
        #expect(inputs.count == model.graph.inputs.count)
        var feed: [String: Tensor] = [:]
        for (graphInput, input) in zip(model.graph.inputs, inputs) {
            feed[graphInput.name] = KerasRun.graftInput(for: model, kerasInput: input.tensor)
        }
        let executor = try ForwardExecutor(model: model, batchSize: inputs[0].tensor.shape[0])
        return try #require(try executor.run(inputs: feed)[model.graph.outputs[0]])
    }

    @Test(arguments: models, Array(layouts.indices))
    func nestedModelMatchesKeras(_ name: String, _ layout: Int) throws {
        let l = Self.layouts[layout]
        let (model, warnings) = try Self.importNested(name, layout)
        let reference = try NPZ.read(path: Self.path(l.writer + name + ".npz"))
        let expected = try #require(reference.first { $0.name == "output" }).tensor
        let output = try Self.run(model, reference: reference)
        #expect(output.shape == expected.shape)
        let agreement = TensorComparison(output.scalars, expected.scalars)
        print("[keras-nested] \(l.writer)\(name)\(l.file): \(agreement)")
        #expect(agreement.passed, "\(l.writer)\(name)\(l.file): \(agreement)")
        #expect(!model.graph.nodes.contains { if case .opaque = $0.op { true } else { false } },
                "opaque nodes; warnings: \(warnings)")
    }

    @Test(arguments: Array(layouts.indices))
    func innerLayersAreScopedAndTheFrozenBaseIsFrozen(_ layout: Int) throws {
        let (model, _) = try Self.importNested("seq_head", layout)
        let names = model.graph.nodes.map(\.name)
        #expect(names.contains("tiny_base/stem_conv"), "\(names)")
        #expect(names.contains("tiny_base/block_project"))
        let frozen = Set((model.training?.parameters ?? [:]).filter { $0.value.frozen }.map(\.key))
        let baseTensors = model.weights.keys.filter { $0.hasPrefix("tiny_base/") }
        #expect(!baseTensors.isEmpty)
        #expect(baseTensors.allSatisfy(frozen.contains), "not frozen: \(baseTensors.filter { !frozen.contains($0) })")
        let head = model.weights.keys.filter { !$0.hasPrefix("tiny_base/") }
        #expect(!head.isEmpty && head.allSatisfy { !frozen.contains($0) }, "head: \(head), frozen: \(frozen.sorted())")
    }

    /// Depth 2: the Sequential `backbone` holds the functional `core`; freezing the Sequential
    /// freezes both levels, and names carry both scopes.
    @Test func twoLevelsOfNestingKeepBothScopes() throws {
        let (model, _) = try Self.importNested("deep", 0)
        let names = Set(model.graph.nodes.map(\.name))
        #expect(names.contains("backbone/core/stem_conv") && names.contains("backbone/adapter"), "\(names.sorted())")
        #expect(model.training?.parameters.keys.contains { $0.hasPrefix("backbone/core/") } == true)
        #expect(model.training?.parameters.keys.contains { $0.hasPrefix("logits") } == false)
    }

    /// One base called on two inputs: two copies of its layers with the same weights.
    @Test func aSharedNestedModelIsCopiedPerCallWithTheSameWeights() throws {
        for layout in [0, 3] {
            let (model, warnings) = try Self.importNested("shared", layout)
            let first = try #require(model.weights.first { $0.key.hasPrefix("twin/stem_conv.") })
            let second = try #require(model.weights[first.key.replacingOccurrences(of: "twin/", with: "twin_1/")])
            #expect(first.value == second)
            #expect(warnings.contains { if case .sharedLayerDuplicated = $0 { true } else { false } } == false)
        }
    }

    // MARK: - Malformed nesting

    static func architecture(_ name: String) throws -> KerasJSON {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
        return try JSONReader.parse(bytes, source: name, limits: .default)
    }

    static func parse(_ json: KerasJSON) throws(KerasError) -> KerasModel {
        try KerasModel.parseArchitecture(json: Array(json.compactText.utf8))
    }

    /// The `backbone` Sequential inside `tfk_deep.json`, edited by `edit`.
    static func editedDeep(_ edit: (inout [KerasJSON]) -> Void) throws -> KerasJSON {
        var root = try architecture("tfk_deep.json")
        guard case .object(var top) = root, case .object(var config) = top["config"]!,
              case .array(var layers) = config["layers"]!, case .object(var backbone) = layers[1],
              case .object(var backboneConfig) = backbone["config"]!, case .array(var inner) = backboneConfig["layers"]! else {
            Issue.record("tfk_deep.json has an unexpected shape")
            return root
        }
        edit(&inner)
        backboneConfig["layers"] = .array(inner)
        backbone["config"] = .object(backboneConfig)
        layers[1] = .object(backbone)
        config["layers"] = .array(layers)
        top["config"] = .object(config)
        root = .object(top)
        return root
    }

    /// The layers of the functional `core` inside `backbone`, edited by `edit`.
    static func editedCore(_ edit: (inout [KerasJSON]) -> Void) throws -> KerasJSON {
        try editedDeep { inner in
            guard case .object(var core) = inner[1], case .object(var config) = core["config"]!,
                  case .array(var layers) = config["layers"]! else { return }
            edit(&layers)
            config["layers"] = .array(layers)
            core["config"] = .object(config)
            inner[1] = .object(core)
        }
    }

    @Test func aMissingInnerLayerNamesTheLayerThatReadsIt() throws {
        // The functional `core` inside `backbone`: drop its `block_bn`, which `block_project` reads.
        let json = try Self.editedCore { layers in
            layers.removeAll { $0["name"]?.stringValue == "block_bn" || $0["config"]?["name"]?.stringValue == "block_bn" }
        }
        #expect {
            try Self.parse(json)
        } throws: { error in
            guard case KerasError.unknownInboundLayer(_, let layer, let inbound) = error else { return false }
            return layer == "block_project" && inbound == "block_bn"
        }
    }

    @Test func aCycleInsideANestedModelIsRefused() throws {
        // `core`'s stem_conv made to read top_conv, which depends on it.
        let json = try Self.editedCore { layers in
            for i in layers.indices where layers[i]["name"]?.stringValue == "stem_conv" {
                guard case .object(var layer) = layers[i] else { continue }
                layer["inbound_nodes"] = .array([.array([.array([.string("top_conv"), .number(0), .number(0), .object([:])])])])
                layers[i] = .object(layer)
            }
        }
        #expect {
            try Self.parse(json)
        } throws: { error in
            guard case KerasError.cycle(_, let layers) = error else { return false }
            return layers.contains("stem_conv") && layers.contains("top_conv")
        }
    }

    @Test func aWeightThatBelongsToNoLayerIsRefusedWithItsName() throws {
        // The architecture without `adapter`, the weights with it.
        let json = try Self.editedDeep { inner in
            inner.removeAll { $0["config"]?["name"]?.stringValue == "adapter" }
        }
        let directory = TemporaryDirectory()
        let architecture = directory.path("deep.json")
        try Data(json.compactText.utf8).write(to: URL(fileURLWithPath: architecture))
        #expect {
            try KerasModel.load(path: Self.path("tfk_deep_weights.h5"), architecture: architecture)
        } throws: { error in
            guard case KerasError.unexpectedWeights(_, let groups) = error else { return false }
            return groups.count == 1 && groups[0].contains("backbone/adapter/kernel") && groups[0].contains("no layer")
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        let json = try Self.architecture("tfk_deep.json")
        var limits = KerasLimits.default
        limits.maxModelNesting = 1
        #expect {
            try KerasModel.parseArchitecture(json: Array(json.compactText.utf8), limits: limits)
        } throws: { error in
            guard case KerasError.limitExceeded(_, let what, _, let limit) = error else { return false }
            return what.contains("nested") && limit == 1
        }
    }
}
