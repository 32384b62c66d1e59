import Foundation
import GraftNativeFixtures
import GraftTestSupport
import Testing
@testable import GraftCore

@Suite("Native format: writer")
struct NativeWriterTests {
    @Test func writingIntoAMissingDirectoryThrowsAndCreatesNothing() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("missing/sub/model.graft")
        #expect {
            try NativeWriter.write(try Fixtures.smallModel(), to: path)
        } throws: { error in
            guard case .io(let p, let reason) = error as? NativeFormatError else { return false }
            return p == path && reason.contains("does not exist")
        }
        #expect(dir.contents.isEmpty)
    }

    @Test(arguments: [NativeWriter.Fault.afterHeader, .afterTensor(0), .afterTensor(3), .beforeRename])
    func failureMidWayLeavesNoTargetAndNoTemporaryFile(_ fault: NativeWriter.Fault) throws {
        let dir = TemporaryDirectory()
        let path = dir.path("model.graft")
        #expect(throws: NativeFormatError.self) {
            try NativeWriter.write(try Fixtures.smallModel(), to: path, fault: fault)
        }
        #expect(dir.contents.isEmpty)
    }

    @Test func failureMidWayKeepsThePreviousFileIntact() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("model.graft")
        var old = try Fixtures.smallModel()
        old.provenance.notes = ["old"]
        try NativeWriter.write(old, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: NativeFormatError.self) {
            try NativeWriter.write(try Fixtures.smallModel(), to: path, fault: .afterTensor(1))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(dir.contents == ["model.graft"])
    }

    @Test func renameFailureRemovesTheTemporaryFile() throws {
        // A non-empty directory at the target path cannot be replaced by rename(2).
        let dir = TemporaryDirectory()
        let path = dir.path("model.graft")
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        #expect {
            try NativeWriter.write(try Fixtures.smallModel(), to: path)
        } throws: { error in
            guard case .io(let p, let reason) = error as? NativeFormatError else { return false }
            return p == path && reason.contains("rename")
        }
        #expect(dir.contents == ["model.graft"])
    }

    @Test func writeReplacesAnExistingFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("model.graft")
        var first = try Fixtures.smallModel()
        first.provenance.notes = ["first"]
        try NativeWriter.write(first, to: path)
        try NativeWriter.write(try Fixtures.smallModel(), to: path)
        #expect(try NativeFile.open(path).provenance == (try Fixtures.smallModel()).provenance)
        #expect(dir.contents == ["model.graft"])
    }

    @Test func missingWeightIsRejectedBeforeWriting() throws {
        let dir = TemporaryDirectory()
        var model = try Fixtures.smallModel()
        model.weights["fc.bias"] = nil
        let path = dir.path("model.graft")
        #expect(throws: NativeFormatError.missingTensor(path: path, name: "fc.bias", node: "fc")) {
            try NativeWriter.write(model, to: path)
        }
        #expect(dir.contents.isEmpty)
    }

    @Test func weightOfTheWrongShapeIsRejected() throws {
        var model = try Fixtures.smallModel()
        model.weights["fc.bias"] = Tensor(shape: [1, 5], repeating: 0)
        #expect(throws: NativeFormatError.tensorShapeMismatch(path: "m", name: "fc.bias", graphShape: [5], fileShape: [1, 5])) {
            try NativeWriter.encode(model, path: "m")
        }
    }

    @Test func extraWeightIsRejectedUnlessItIsState() throws {
        var model = try Fixtures.smallModel()
        model.weights["fc.extra"] = Tensor(shape: [1], repeating: 0)
        #expect(throws: NativeFormatError.unreferencedTensor(path: "m", name: "fc.extra")) {
            try NativeWriter.encode(model, path: "m")
        }
        model.weights["fc.extra"] = nil
        model.weights["state.fc.extra"] = Tensor(shape: [1], repeating: 0)
        _ = try NativeWriter.encode(model, path: "m")
    }

    @Test func invalidGraphIsRejected() throws {
        var model = try Fixtures.smallModel()
        model.graph.nodes.swapAt(0, 1)  // relu1 now reads conv1 before it is produced
        #expect {
            try NativeWriter.encode(model, path: "m")
        } throws: { error in
            guard case .badGraph("m", let reason) = error as? NativeFormatError else { return false }
            return reason.contains("relu1")
        }
    }

    @Test func unencodableMetadataIsATypedError() throws {
        var model = try Fixtures.smallModel()
        model.preprocessing?.steps = [.subtract([.nan])]
        #expect {
            try NativeWriter.encode(model, path: "m")
        } throws: { error in
            guard case .badMetadata("m", "graft.preprocessing", _) = error as? NativeFormatError else { return false }
            return true
        }
    }
}
