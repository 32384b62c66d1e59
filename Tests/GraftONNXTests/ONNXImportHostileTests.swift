import Foundation
import GraftCore
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Hostile and broken files, built with ``ONNXWriter``: each import ends in a typed error naming
/// the file and the node or tensor at fault — never a crash, never a half-made model.
@Suite("ONNX import: hostile files")
struct ONNXImportHostileTests {
    static func relu(_ name: String, _ input: String, _ output: String) -> ONNXNode {
        ONNXNode(name: name, opType: "Relu", inputs: [input], outputs: [output])
    }

    static func model(_ nodes: [ONNXNode], _ initializers: [ONNXTensor] = [], outputs: [String] = ["y"]) -> ONNXModel {
        ONNXImportSupport.model(opset: 13, nodes: nodes, initializers: initializers, inputs: [("x", [1, 2, 4, 4])], outputs: outputs)
    }

    /// Writes `model` into a fresh folder and imports it, returning the error.
    static func importError(_ model: ONNXModel, options: ONNXImportOptions = ONNXImportOptions()) throws -> ONNXError? {
        let directory = TemporaryDirectory()
        try ONNXWriter.write(model, to: directory.path("m.onnx"))
        do { _ = try ONNXImporter.importModel(path: directory.path("m.onnx"), options: options) } catch { return error }
        return nil
    }

    static func importError(bytes: [UInt8]) throws -> ONNXError? {
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path("m.onnx")))
        do { _ = try ONNXImporter.importModel(path: directory.path("m.onnx")) } catch { return error }
        return nil
    }

    @Test func truncatedAndGarbageBytes() throws {
        let good = try ONNXWriter.serialize(Self.model([Self.relu("r", "x", "y")])).model
        guard case .undecodable(let file, _)? = try Self.importError(bytes: Array(good.prefix(good.count / 2))) else {
            Issue.record("a truncated file imported"); return
        }
        #expect(file.hasSuffix("m.onnx"))
        guard case .undecodable? = try Self.importError(bytes: Array("\u{1}garbage that is not protobuf at all".utf8)) else {
            Issue.record("garbage imported"); return
        }
    }

    @Test func tensorDimsThatOverflowOrExceedTheData() throws {
        let overflow = ONNXTensor(name: "huge", dims: [1 << 30, 1 << 30, 1 << 30], floats: [1])
        let short = ONNXTensor(name: "short", dims: [2, 3], floats: [1, 2, 3])
        for bad in [overflow, short] {
            let model = Self.model([ONNXNode(name: "add", opType: "Add", inputs: ["x", bad.name], outputs: ["y"])], [bad])
            guard case .invalidTensor(_, let tensor, _)? = try Self.importError(model) else { Issue.record("\(bad.name) imported"); continue }
            #expect(tensor == bad.name)
        }
    }

    @Test func externalDataOutsideTheFolder() throws {
        // Written with its weight in a data file named like the hostile path, then pointed at it.
        let w = ONNXTensor(name: "w", dims: [4], floats: [1, 2, 3, 4])
        let model = Self.model([ONNXNode(name: "add", opType: "Add", inputs: ["x", "w"], outputs: ["y"])], [w])
        let placeholder = "XXXXXXXXXXXXXXXX", hostile = "../../etc/passwd"
        var bytes = try ONNXWriter.serialize(model, external: .init(fileName: placeholder, threshold: 4)).model
        let needle = Array(placeholder.utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes.replaceSubrange(at..<(at + needle.count), with: Array(hostile.utf8))
        guard case .invalidExternalData(_, let tensor, let reason)? = try Self.importError(bytes: bytes) else { Issue.record("imported"); return }
        #expect(tensor == "w")
        #expect(reason.contains("leaves the model's folder"))
    }

    @Test func cycleUndefinedValueAndDuplicateOutput() throws {
        let cycle = Self.model([Self.relu("a", "b_out", "a_out"), Self.relu("b", "a_out", "b_out"), Self.relu("c", "b_out", "y")])
        guard case .invalidGraph(_, let node, let reason)? = try Self.importError(cycle) else { Issue.record("cycle imported"); return }
        #expect(["a", "b", "c"].contains(node) && reason.contains("cycle"))

        let undefined = Self.model([Self.relu("reader", "nowhere", "y")])
        guard case .invalidGraph(_, let node2, let reason2)? = try Self.importError(undefined) else { Issue.record("undefined imported"); return }
        #expect(node2 == "reader" && reason2.contains("nowhere"))

        let duplicate = Self.model([Self.relu("first", "x", "y"), Self.relu("second", "x", "y")])
        guard case .invalidGraph(_, let node3, let reason3)? = try Self.importError(duplicate) else { Issue.record("duplicate imported"); return }
        #expect(node3 == "second" && reason3.contains("first"))
    }

    @Test func outOfOrderNodesAreReorderedWithAWarning() throws {
        let directory = TemporaryDirectory()
        try ONNXWriter.write(Self.model([Self.relu("second", "h", "y"), Self.relu("first", "x", "h")]), to: directory.path("m.onnx"))
        let imported = try ONNXImporter.importModel(path: directory.path("m.onnx"))
        #expect(imported.model.graph.nodes.map(\.name) == ["first", "second"])
        #expect(imported.warnings.contains { $0.contains("topological") })
    }

    @Test func hugeReshapeAndConstantOfShapeTargets() throws {
        let reshape = Self.model([ONNXNode(name: "reshape", opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
                                 [ONNXTensor(name: "s", dims: [3], int64s: [1 << 40, 1 << 40, 1 << 40])])
        guard case .invalidGraph(_, let node, _)? = try Self.importError(reshape) else { Issue.record("huge reshape imported"); return }
        #expect(node == "reshape")

        let fill = Self.model([ONNXNode(name: "fill", opType: "ConstantOfShape", inputs: ["s"], outputs: ["c"]),
                               ONNXNode(name: "add", opType: "Add", inputs: ["x", "c"], outputs: ["y"])],
                              [ONNXTensor(name: "s", dims: [2], int64s: [1 << 20, 1 << 20])])
        guard case .unsupported(_, let node2, let reason2)? = try Self.importError(fill) else { Issue.record("huge fill imported"); return }
        #expect(node2 == "fill" && reason2.contains("limit"))

        let broadcast = Self.model([ONNXNode(name: "grow", opType: "Add", inputs: ["a", "b"], outputs: ["c"]),
                                    ONNXNode(name: "add", opType: "Add", inputs: ["x", "c"], outputs: ["y"])],
                                   [ONNXTensor(name: "a", dims: [100_000, 1], floats: .init(repeating: 1, count: 100_000)),
                                    ONNXTensor(name: "b", dims: [1, 100_000], floats: .init(repeating: 1, count: 100_000))])
        guard case .unsupported(_, let node3, _)? = try Self.importError(broadcast, options: ONNXImportOptions(maxConstantElements: 1 << 24)) else {
            Issue.record("huge broadcast imported"); return
        }
        #expect(node3 == "grow")
    }

    @Test func absurdAttributesAreRefusedByName() throws {
        let pool = Self.model([ONNXNode(name: "pool", opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                                        attributes: [ONNXAttribute("kernel_shape", .ints([2, 2])), ONNXAttribute("pads", .ints([Int64.max, 0, 0, 0]))])])
        guard case .invalidAttribute(_, let node, let attribute, _)? = try Self.importError(pool) else { Issue.record("imported"); return }
        #expect(node == "pool" && attribute == "pads")
    }

    @Test func unknownOperatorsAreOpaqueOrRefusedWhenStrict() throws {
        let w = ONNXTensor(name: "table", dims: [3], floats: [1, 2, 3])
        let model = Self.model([ONNXNode(name: "mystery", opType: "Frobnicate", inputs: ["x", "table"], outputs: ["y"],
                                         attributes: [ONNXAttribute("level", .int(3)), ONNXAttribute("mode", .string(Array("fast".utf8)))])], [w])
        let directory = TemporaryDirectory()
        try ONNXWriter.write(model, to: directory.path("m.onnx"))
        let imported = try ONNXImporter.importModel(path: directory.path("m.onnx"))
        let node = try #require(imported.model.graph.node(named: "mystery"))
        guard case .opaque(let opaque) = node.op else { Issue.record("not opaque"); return }
        #expect(opaque.framework == "onnx" && opaque.type == "Frobnicate")
        #expect(opaque.rawParameters == #"{"level":3,"mode":"fast"}"#)
        #expect(imported.model.weights[node.tensorName("input1")]?.scalars == [1, 2, 3])
        #expect(imported.warnings.contains { $0.contains("mystery") && $0.contains("Frobnicate") })
        guard case .unsupported(_, let name, _)? = try Self.importError(model, options: ONNXImportOptions(strict: true)) else {
            Issue.record("strict import accepted an unknown operator"); return
        }
        #expect(name == "mystery")
    }

    @Test func symbolicSpatialDimsNeedAnInputShape() throws {
        var model = Self.model([Self.relu("r", "x", "y")])
        model.graph.inputs[0].shape = [.parameter("N"), .value(2), .parameter("H"), .parameter("W")]
        guard case .unsupported(_, let name, let reason)? = try Self.importError(model) else { Issue.record("imported"); return }
        #expect(name == "x" && reason.contains("--input-shape"))
        let directory = TemporaryDirectory()
        try ONNXWriter.write(model, to: directory.path("m.onnx"))
        let imported = try ONNXImporter.importModel(path: directory.path("m.onnx"), options: ONNXImportOptions(inputShape: [1, 2, 8, 8]))
        #expect(imported.model.graph.inputs[0].shape == [1, 2, 8, 8])
    }
}
