import Foundation
import GraftCore
import GraftEngine
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Seeded mutations of the layer configs of real Keras files (the zoo models), imported with the
/// files' own weights: each must give a Graft model that validates, writes and (without opaque
/// nodes) runs, or a typed error — never a crash. This covers the config → graph mapping: kernel
/// sizes, strides, paddings, axes, data formats, activations, target shapes and connections
/// that no longer fit the weights or each other.
struct KerasImportMutationTests {
    static let seed: UInt64 = 0x4B45_5241_5349_4D50
    /// Mutations per zoo model (`GRAFT_MUTATIONS` raises it for a longer local run).
    static let perModel = Int(ProcessInfo.processInfo.environment["GRAFT_MUTATIONS"] ?? "") ?? 100

    /// Values a mutation writes into a config field: plausible ones (so that mapping, not only
    /// decoding, is reached) and hostile ones.
    static func randomValue(_ rng: inout SeededGenerator) -> KerasJSON {
        let strings = ["same", "valid", "channels_first", "channels_last", "relu", "relu6", "hard_sigmoid", "softmax",
                       "gelu", "linear", "bogus", "th", "tf"]
        switch rng.next() % 12 {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .number(Double(rng.next() % 5))
        case 3: return .number(-1)
        case 4: return .number([2, 3, 7, 64][Int(rng.next() % 4)])
        case 5: return .number(0.5)
        case 6: return .string(strings[Int(rng.next() % UInt64(strings.count))])
        case 7: return .array([.number(Double(rng.next() % 4)), .number(Double(1 + rng.next() % 3))])
        case 8: return .array([.number(-1)])
        case 9: return .array([.number(2), .number(-1)])
        case 10: return .array([.array([.number(1), .number(0)]), .array([.number(0), .number(2)])])
        default: return .number(Double(rng.next() % 100_000))
        }
    }

    /// Replaces or deletes one field inside a layer's `config`, or rewires one connection.
    static func mutate(_ root: KerasJSON, _ rng: inout SeededGenerator) -> KerasJSON {
        var all: [[KerasConfigMutationTests.Step]] = []
        KerasConfigMutationTests.paths(root, into: &all)
        let inLayers = all.filter { path in
            path.count >= 5 && path[0] == .key("config") && path[1] == .key("layers")
                && (path[3] == .key("config") || path[3] == .key("inbound_nodes"))
        }
        guard !inLayers.isEmpty else { return root }
        let target = inLayers[Int(rng.next() % UInt64(inLayers.count))]
        if rng.next() % 5 == 0 { return KerasConfigMutationTests.replacing(root, at: target[...], with: nil) }
        return KerasConfigMutationTests.replacing(root, at: target[...], with: randomValue(&rng))
    }

    @Test func mutatedZooConfigsImportOrThrowTypedErrors() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let directory = TemporaryDirectory()
        var outcomes: [String: Int] = [:]
        for (index, zoo) in KerasLayerZooTests.zoos.enumerated() {
            let file = KerasLayerZooTests.path(zoo + ".h5")
            let config = try KerasLoader(path: file, limits: .default).architectureConfig()
            let tree = try JSONReader.parse(config.bytes, source: zoo, limits: .default)
            for iteration in 0..<Self.perModel {
                var mutated = Self.mutate(tree, &rng)
                if rng.next() % 3 == 0 { mutated = Self.mutate(mutated, &rng) }
                let path = directory.path("\(index)-\(iteration).json")
                try Data(mutated.compactText.utf8).write(to: URL(fileURLWithPath: path))
                do {
                    let (model, _) = try KerasImporter.importModel(path: file, architecture: path)
                    outcomes["imported", default: 0] += 1
                    try check(model, label: "\(zoo) mutation \(iteration)")
                } catch let error as KerasImportError {
                    #expect(!error.description.isEmpty)
                    func caseName(_ value: Any) -> String { Mirror(reflecting: value).children.first?.label ?? "\(value)" }
                    let kind: String = switch error {
                    case .load(let inner): "load." + caseName(inner)
                    default: caseName(error)
                    }
                    outcomes[kind, default: 0] += 1
                }
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        print("[keras-mutation] outcomes: \(outcomes.sorted { $0.key < $1.key })")
        #expect(outcomes["imported", default: 0] > 50, "\(outcomes)")
        #expect(outcomes["layerMismatch", default: 0] > 10, "\(outcomes)")
        #expect(outcomes.count >= 5, "\(outcomes)")
    }

    /// A model the importer returned is sound: it validates, writes as `.graft`, runs when it can,
    /// and exports to Keras or says why not.
    func check(_ model: Model, label: String) throws {
        #expect(throws: Never.self, "\(label)") { _ = try NativeWriter.encode(model) }
        let table = try model.graph.inferShapesPartially()
        let opaque = model.graph.nodes.contains { if case .opaque = $0.op { true } else { false } }
        let largest = table.values.values.map(\.elementCount).max() ?? 0
        if !opaque, largest < 1 << 20 {
            #expect(throws: Never.self, "\(label)") {
                let executor = try ForwardExecutor(model: model, batchSize: 1)
                let input = Tensor(shape: model.graph.inputs[0].shape, repeating: 0.5)
                _ = try executor.run(inputs: [model.graph.inputs[0].name: input])
            }
        }
        let directory = TemporaryDirectory()
        do {
            try KerasExporter.export(model, to: directory.path("m.h5"), format: .keras2H5)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }
}
