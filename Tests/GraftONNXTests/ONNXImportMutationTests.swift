import Foundation
import GraftCore
import GraftEngine
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Seeded mutations of the operator cases, through the reader and the importer: attribute
/// values, initializer dims and data, wiring and operator types changed at the value level,
/// and bytes flipped or cut in the serialized file. Each must import to a model that validates
/// (and, without opaque nodes, plans and runs or throws a typed execution error) or throw an
/// ``ONNXError`` — never crash.
struct ONNXImportMutationTests {
    static let seed: UInt64 = 0x4F4E_4E58_4D55_5441
    /// Mutations per case (`GRAFT_MUTATIONS` raises it for a longer local run).
    static let perCase = Int(ProcessInfo.processInfo.environment["GRAFT_MUTATIONS"] ?? "") ?? 12

    static func randomInt(_ rng: inout SeededGenerator) -> Int64 {
        [0, 1, 2, 3, -1, -2, 7, 64, 1 << 20, 1 << 31, Int64.max, Int64.min, -(1 << 40)][Int(rng.next() % 13)]
    }

    static func mutate(_ model: ONNXModel, _ rng: inout SeededGenerator) -> ONNXModel {
        var m = model
        let g = m.graph
        switch rng.next() % 7 {
        case 0 where !g.nodes.isEmpty:  // an attribute value
            let i = Int(rng.next() % UInt64(g.nodes.count))
            if m.graph.nodes[i].attributes.isEmpty {
                m.graph.nodes[i].attributes.append(ONNXAttribute(["axis", "pads", "strides", "group", "kernel_shape", "perm"][Int(rng.next() % 6)],
                                                                 .ints([randomInt(&rng), randomInt(&rng)])))
            } else {
                let j = Int(rng.next() % UInt64(m.graph.nodes[i].attributes.count))
                m.graph.nodes[i].attributes[j].value = switch rng.next() % 4 {
                case 0: .int(randomInt(&rng))
                case 1: .ints((0..<Int(rng.next() % 5)).map { _ in randomInt(&rng) })
                case 2: .float([0, -1, .nan, .infinity, 1e30][Int(rng.next() % 5)])
                default: .string(Array(["SAME_UPPER", "VALID", "reflect", "tanh", ""][Int(rng.next() % 5)].utf8))
                }
            }
        case 1 where !g.initializers.isEmpty:  // initializer dims
            let i = Int(rng.next() % UInt64(g.initializers.count))
            var t = m.graph.initializers[i]
            t.dims = t.dims.isEmpty ? [Int(rng.next() % 3)] : t.dims.map { rng.next() % 3 == 0 ? Int(rng.next() % 5) : $0 }.shuffled(using: &rng)
            if rng.next() % 4 == 0 { t.dims.append(1) }
            if t.elementCount != (t.floatValues?.count ?? -1) {
                let n = min(t.elementCount ?? 0, 1 << 16)
                t.data = t.dataType == .int64 ? .integers((0..<n).map { _ in randomInt(&rng) % 8 }) : .floats((0..<n).map { _ in Float(rng.next() % 7) - 3 })
                t.dims = t.elementCount == n ? t.dims : [n]
            }
            m.graph.initializers[i] = t
        case 2 where !g.initializers.isEmpty:  // initializer values
            let i = Int(rng.next() % UInt64(g.initializers.count))
            switch m.graph.initializers[i].data {
            case .integers(let v): m.graph.initializers[i].data = .integers(v.map { _ in randomInt(&rng) })
            case .floats(let v): m.graph.initializers[i].data = .floats(v.map { _ in [0, -1, 2, .nan, 1e30][Int(rng.next() % 5)] })
            default: break
            }
        case 3 where g.nodes.count > 0:  // rewire an input
            let i = Int(rng.next() % UInt64(g.nodes.count))
            let values = g.inputs.map(\.name) + g.initializers.map(\.name) + g.nodes.flatMap(\.outputs) + ["", "missing"]
            if !m.graph.nodes[i].inputs.isEmpty {
                let j = Int(rng.next() % UInt64(m.graph.nodes[i].inputs.count))
                m.graph.nodes[i].inputs[j] = values[Int(rng.next() % UInt64(values.count))]
            }
        case 4 where g.nodes.count > 0:  // another operator type
            let i = Int(rng.next() % UInt64(g.nodes.count))
            let types = ONNXMappers.all.map { $0.opType } + ["Frobnicate"]
            m.graph.nodes[i].opType = types[Int(rng.next() % UInt64(types.count))]
        case 5:  // another opset
            m.opsets = [ONNXOperatorSet(version: Int64(rng.next() % 25))]
        default:  // another input shape
            m.graph.inputs[0].shape = (0..<Int(1 + rng.next() % 5)).map { _ in
                rng.next() % 6 == 0 ? .parameter("d") : .value(Int(1 + rng.next() % 9))
            }
        }
        return m
    }

    static func check(_ imported: ONNXImport, label: String) {
        let graph = imported.model.graph
        do { _ = try graph.inferShapesPartially() } catch { Issue.record("\(label): imported graph does not validate: \(error)"); return }
        guard imported.opaqueNodes.isEmpty, let table = try? graph.inferShapes(),
              table.values.values.allSatisfy({ $0.elementCount <= 1 << 20 }) else { return }
        do {
            let executor = try ForwardExecutor(model: imported.model)
            var feeds: [String: Tensor] = [:]
            for input in graph.inputs { feeds[input.name] = Tensor(shape: input.shape, repeating: 0.5) }
            _ = try executor.run(inputs: feeds)
        } catch {
            // A typed execution error (e.g. an Eltwise the engine does not broadcast) is an outcome, not a crash.
        }
    }

    @Test func mutatedModelsImportOrThrowTypedErrors() throws {
        var rng = SeededGenerator(seed: Self.seed)
        var outcomes: [String: Int] = [:]
        // GRAFT_ONNX_CORPUS=<folder> writes the unmutated cases there: the libFuzzer harness's seeds.
        if let corpus = ProcessInfo.processInfo.environment["GRAFT_ONNX_CORPUS"] {
            try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
            for (index, c) in ONNXOperatorCase.all.enumerated() {
                try Data(try ONNXWriter.serialize(c.model).model).write(to: URL(fileURLWithPath: "\(corpus)/case\(index).onnx"))
            }
        }
        for c in ONNXOperatorCase.all {
            for iteration in 0..<Self.perCase {
                var model = Self.mutate(c.model, &rng)
                if rng.next() % 3 == 0 { model = Self.mutate(model, &rng) }
                let bytes: [UInt8]
                do { bytes = try ONNXWriter.serialize(model).model } catch { outcomes["unwritable", default: 0] += 1; continue }
                var damaged = bytes
                if rng.next() % 4 == 0, !damaged.isEmpty {
                    for _ in 0..<Int(1 + rng.next() % 4) { damaged[Int(rng.next() % UInt64(damaged.count))] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8)) }
                    if rng.next() % 2 == 0 { damaged = Array(damaged.prefix(Int(rng.next() % UInt64(damaged.count)))) }
                }
                do {
                    let read = try ONNXReader.decode(Data(damaged), file: "mutant.onnx")
                    let imported = try ONNXImporter.importModel(read, file: "mutant.onnx")
                    outcomes["imported", default: 0] += 1
                    Self.check(imported, label: "\(c.name) mutation \(iteration)")
                } catch {
                    #expect(!error.description.isEmpty)
                    outcomes[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
                }
            }
        }
        print("ONNX import mutations: \(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(outcomes["imported", default: 0] > 0)
        #expect(outcomes.keys.count >= 3, "mutations should reach several outcomes")
    }
}
