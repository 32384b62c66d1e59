import Foundation
import Testing
import GraftTestSupport
@testable import GraftONNX

/// The interop layer: what the writer packs the reader gets back; real files from the `onnx`
/// package decode; hostile bytes give typed errors naming the file and tensor.
@Suite("ONNX reader and writer")
struct ONNXReaderTests {
    static func sample() -> ONNXModel {
        let graph = ONNXGraph(
            name: "g",
            nodes: [
                ONNXNode(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                         attributes: [ONNXAttribute("kernel_shape", .ints([3, 3])), ONNXAttribute("pads", .ints([1, 1, 1, 1])),
                                      ONNXAttribute("alpha", .float(0.5)), ONNXAttribute("mode", .string(Array("constant".utf8))),
                                      ONNXAttribute("value", .tensor(ONNXTensor(name: "", dims: [], floats: [2.5])))]),
                ONNXNode(name: "shape", opType: "Reshape", inputs: ["y", "s"], outputs: ["z"]),
            ],
            initializers: [
                ONNXTensor(name: "w", dims: [2, 1, 3, 3], floats: (0..<18).map { Float($0) * 0.25 - 2 }),
                ONNXTensor(name: "b", dims: [2], floats: [-1, 1]),
                ONNXTensor(name: "s", dims: [2], int64s: [1, -1]),
            ],
            inputs: [ONNXValueInfo(name: "x", shape: [.parameter("N"), .value(1), .value(4), .value(4)])],
            outputs: [ONNXValueInfo(name: "z", shape: [.unknown, .value(32)])])
        return ONNXModel(irVersion: 8, opsets: [ONNXOperatorSet(version: 17)], producerName: "graft", producerVersion: "test",
                         graph: graph, metadata: [ONNXKeyValue("graft.preprocessing", "{}")])
    }

    @Test func writerAndReaderRoundTrip() throws {
        let model = Self.sample()
        let (bytes, data) = try ONNXWriter.serialize(model)
        #expect(data == nil)
        let read = try ONNXReader.decode(Data(bytes), file: "mem.onnx")
        #expect(read == model)
        #expect(read.defaultOpset == 17)
        #expect(read.metadata("graft.preprocessing") == "{}")
    }

    @Test func externalDataRoundTripStaysInsideTheFolder() throws {
        let dir = TemporaryDirectory()
        let model = Self.sample()
        try ONNXWriter.write(model, to: dir.path("m.onnx"), external: .init(fileName: "m.data", threshold: 16))
        let read = try ONNXReader.read(path: dir.path("m.onnx"))
        guard case .external(let ext) = read.graph.initializers[0].data else { Issue.record("weight not external"); return }
        #expect(ext.location == "m.data" && ext.offset % 4096 == 0 && ext.length == 72)
        let loaded = try read.graph.initializers.map { try $0.loadingExternalData(folder: dir.url.path, modelFile: "m.onnx") }
        #expect(loaded == model.graph.initializers)
    }

    @Test("External data that leaves the folder, runs past its file or mismatches the dims is refused",
          arguments: [
            (ONNXExternalData(location: "../../etc/passwd"), "leaves the model's folder"),
            (ONNXExternalData(location: "/etc/passwd"), "must be relative"),
            (ONNXExternalData(location: "link/passwd"), "resolves outside"),
            (ONNXExternalData(location: "d.bin", offset: 8, length: 16), "lie outside"),
            (ONNXExternalData(location: "d.bin", offset: 0, length: 12), "need 16"),
            (ONNXExternalData(location: "missing.bin"), "cannot open"),
          ])
    func hostileExternalData(external: ONNXExternalData, message: String) throws {
        let dir = TemporaryDirectory()
        try Data(repeating: 1, count: 20).write(to: URL(fileURLWithPath: dir.path("d.bin")))
        try FileManager.default.createSymbolicLink(atPath: dir.path("link"), withDestinationPath: "/etc")
        let tensor = ONNXTensor(name: "w", dims: [4], dataType: .float, data: .external(external))
        #expect {
            _ = try tensor.loadingExternalData(folder: dir.url.path, modelFile: "m.onnx")
        } throws: { error in
            guard case ONNXError.invalidExternalData(_, let name, let reason) = error else { return false }
            return name == "w" && reason.contains(message)
        }
    }

    @Test func hostileBytesGiveTypedErrors() throws {
        let good = try ONNXWriter.serialize(Self.sample()).model
        // Truncated anywhere: never a crash, always .undecodable or (rarely) a shorter valid prefix.
        for cut in stride(from: 1, to: good.count, by: 7) {
            do { _ = try ONNXReader.decode(Data(good[..<cut]), file: "cut.onnx") } catch {
                if case .undecodable(let file, _) = error { #expect(file == "cut.onnx") }
            }
        }
        #expect(throws: ONNXError.self) { try ONNXReader.decode(Data("not a model at all".utf8), file: "g.onnx") }
        #expect(throws: ONNXError.self) { try ONNXReader.decode(Data(), file: "empty.onnx") }
    }

    /// A graph inside an attribute inside a node inside a graph..., 100 000 levels in about a
    /// megabyte: refused on the wire before protobuf-c's recursion could overflow the stack.
    @Test func deepNestingIsRefusedBeforeUnpacking() throws {
        func lengthDelimited(_ field: UInt8, _ payload: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [field << 3 | 2]
            var n = payload.count
            repeat { out.append(UInt8(n & 0x7f) | (n >= 0x80 ? 0x80 : 0)); n >>= 7 } while n > 0
            return out + payload
        }
        // GraphProto.node = 1, NodeProto.attribute = 5, AttributeProto.g = 6, ModelProto.graph = 7.
        var graph: [UInt8] = []
        for _ in 0..<2_000 { graph = lengthDelimited(1, lengthDelimited(5, lengthDelimited(6, graph))) }
        let bytes = lengthDelimited(7, graph)
        #expect {
            _ = try ONNXReader.decode(Data(bytes), file: "deep.onnx")
        } throws: { error in
            guard case ONNXError.undecodable(_, let reason) = error else { return false }
            return reason.contains("nest deeper")
        }
    }

    @Test func tensorsWhoseDataDisagreesWithTheirDims() throws {
        for bad in [ONNXTensor(name: "short", dims: [2, 3], floats: [1, 2, 3]),
                    ONNXTensor(name: "huge", dims: [1 << 20, 1 << 20, 1 << 20], floats: [1])] {
            var model = Self.sample()
            model.graph.initializers.append(bad)
            let bytes = try ONNXWriter.serialize(model).model
            #expect {
                _ = try ONNXReader.decode(Data(bytes), file: "bad.onnx")
            } throws: { error in
                guard case ONNXError.invalidTensor(let file, let name, _) = error else { return false }
                return file == "bad.onnx" && name == bad.name
            }
        }
    }

    /// Every model-zoo network the `onnx` package ships decodes (IR 3, opset 9 files).
    @Test func onnxPackageModelsDecode() throws {
        try CrossCheck.require(CrossCheck.onnxBackendTestData != nil, "no ONNX venv (Scripts/make-onnx-venv.sh or GRAFT_ONNX_PYTHON)")
        let light = try #require(CrossCheck.onnxBackendTestData, "ONNX venv missing") + "/light"
        let files = try FileManager.default.contentsOfDirectory(atPath: light).filter { $0.hasSuffix(".onnx") }.sorted()
        #expect(files.count >= 9)
        for file in files {
            let model = try ONNXReader.read(path: light + "/" + file)
            #expect(!model.graph.nodes.isEmpty && model.defaultOpset != nil, "\(file)")
        }
    }
}
