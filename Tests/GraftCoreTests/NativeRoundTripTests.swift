import Foundation
import GraftNativeFixtures
import GraftTestSupport
import Testing
@testable import GraftCore

@Suite("Native format: round trip")
struct NativeRoundTripTests {
    @Test func writtenModelReadsBackIdentically() throws {
        let dir = TemporaryDirectory()
        let model = try Fixtures.smallModel()
        let path = dir.path("small.graft")
        try NativeWriter.write(model, to: path)

        let file = try NativeFile.open(path)
        #expect(file.path == path)
        #expect(file.formatVersion == 1)
        #expect(file.graph == model.graph)
        #expect(file.preprocessing == model.preprocessing)
        #expect(file.provenance == model.provenance)
        #expect(file.training == model.training)
        #expect(file.metadata["graft.format"] == "1")
        #expect(Set(file.metadata.keys) == ["graft.format", "graft.graph", "graft.preprocessing",
                                            "graft.provenance", "graft.training"])
        #expect(file.tensors.map(\.name) == ["conv1.weight", "conv1.bias", "fc.weight", "fc.bias"])
        #expect(file.tensors.allSatisfy { $0.dtype == .float32 })
        #expect(file.dataStart % 8 == 0)
        #expect(file.fileSize == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))

        let loaded = try file.loadModel()
        #expect(Set(loaded.weights.keys) == Set(model.weights.keys))
        for (name, tensor) in model.weights {
            let read = try #require(loaded.weights[name])
            #expect(read.shape == tensor.shape)
            #expect(read.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern), "tensor \(name) bits differ")
            let raw = try file.rawBytes(name)
            #expect([UInt8](raw) == tensor.scalars.withUnsafeBytes { [UInt8]($0) })
        }
    }

    @Test func twoWritesGiveTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let model = try Fixtures.smallModel()
        try NativeWriter.write(model, to: dir.path("a.graft"))
        try NativeWriter.write(try Fixtures.smallModel(), to: dir.path("b.graft"))
        let a = try Data(contentsOf: URL(fileURLWithPath: dir.path("a.graft")))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir.path("b.graft")))
        #expect(a == b)
        #expect(a == (try NativeWriter.encode(model)))
        // Rewriting what was read changes nothing either.
        let reread = try NativeFile.open(dir.path("a.graft")).loadModel()
        #expect(try NativeWriter.encode(reread) == a)
    }

    @Test func headerIsPaddedWithSpacesSoDataIsAligned() throws {
        let bytes = try NativeWriter.encode(try Fixtures.smallModel())
        let file = try NativeFile.parse(data: bytes, path: "mem")
        #expect(file.headerSize % 8 == 0)
        let header = [UInt8](bytes[8..<file.dataStart])
        #expect(header.first == UInt8(ascii: "{"))
        let closing = try #require(header.lastIndex(of: UInt8(ascii: "}")))
        #expect(header[(closing + 1)...].allSatisfy { $0 == UInt8(ascii: " ") })
        #expect(header.count - closing - 1 < 8)
        // The metadata comes first, then tensors in data order.
        let text = String(decoding: header, as: UTF8.self)
        #expect(text.hasPrefix(#"{"__metadata__":{"graft.format":"1","graft.graph":"#))
    }

    @Test func stateTensorsAreKeptAfterGraphParametersSortedByName() throws {
        var model = try Fixtures.smallModel()
        model.weights["state.momentum.fc.weight"] = Tensor(shape: [5, 64], repeating: 0.5)
        model.weights["state.adam.step"] = Tensor(shape: [], scalars: [7])
        model.weights["state.empty"] = Tensor(shape: [0, 3], scalars: [])
        let file = try NativeFile.parse(data: try NativeWriter.encode(model), path: "mem")
        #expect(file.tensors.map(\.name) == ["conv1.weight", "conv1.bias", "fc.weight", "fc.bias",
                                             "state.adam.step", "state.empty", "state.momentum.fc.weight"])
        #expect(try file.tensor("state.adam.step") == Tensor(shape: [], scalars: [7]))
        #expect(try file.tensor("state.empty").shape == [0, 3])
        #expect(try file.loadModel().weights.count == 7)
    }

    @Test func modelWithoutOptionalMetadataRoundTrips() throws {
        var model = try Fixtures.smallModel()
        model.preprocessing = nil
        model.training = nil
        let file = try NativeFile.parse(data: try NativeWriter.encode(model), path: "mem")
        #expect(file.preprocessing == nil)
        #expect(file.training == nil)
        #expect(file.metadata["graft.preprocessing"] == nil)
    }

    @Test func unknownTensorNameIsATypedError() throws {
        let file = try NativeFile.parse(data: try NativeWriter.encode(try Fixtures.smallModel()), path: "mem.graft")
        #expect(throws: NativeFormatError.noSuchTensor(path: "mem.graft", name: "nope")) { try file.tensor("nope") }
        #expect(throws: NativeFormatError.noSuchTensor(path: "mem.graft", name: "nope")) { try file.rawBytes("nope") }
    }

    @Test func openingAMissingFileNamesThePath() {
        let path = "/nonexistent-\(UUID().uuidString)/model.graft"
        #expect {
            try NativeFile.open(path)
        } throws: { error in
            guard case .io(let p, _) = error as? NativeFormatError else { return false }
            return p == path && "\(error)".contains(path)
        }
    }

    @Test func hugeSparseFileOpensWithoutReadingTensorData() throws {
        // A 5 GiB tensor that is all hole: opening maps the file and validates the header only.
        let dir = TemporaryDirectory()
        let path = dir.path("huge.graft")
        let size = 5 << 30
        var file = HandMadeFile()
        file.tensors.append(("state.huge", #"{"dtype":"U8","shape":[\#(size)],"data_offsets":[24,\#(24 + size)]}"#))
        try file.bytes.write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(file.bytes.count + size))
        try handle.close()

        let start = Date()
        let opened = try NativeFile.open(path)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(opened.entry("state.huge")?.byteCount == size)
        #expect(opened.fileSize == file.bytes.count + size)
        #expect(try opened.tensor("fc.bias").scalars == [4, 5])
    }

    @Test func slicedDataParsesLikeAFreshBuffer() throws {
        let bytes = try NativeWriter.encode(try Fixtures.smallModel())
        let padded = Data([1, 2, 3]) + bytes
        let slice = padded[3...]
        let file = try NativeFile.parse(data: slice, path: "slice")
        #expect(try file.rawBytes("fc.bias") == NativeFile.parse(data: bytes, path: "whole").rawBytes("fc.bias"))
    }
}
