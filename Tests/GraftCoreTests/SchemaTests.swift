import Foundation
import GraftNativeFixtures
import GraftTestSupport
import Testing
@testable import GraftCore

@Suite("Native format: JSON schema and the Python validator")
struct SchemaTests {
    private func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/schemas/graft.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func schemaListsEveryOpKindAndHasAnAttributesSchemaForEach() throws {
        let defs = try #require(try schema()["$defs"] as? [String: Any])
        let node = try #require(defs["node"] as? [String: Any])
        let properties = try #require(node["properties"] as? [String: Any])
        let op = try #require(properties["op"] as? [String: Any])
        let kinds = try #require(op["enum"] as? [String])
        #expect(kinds == OpKind.allCases.map(\.rawValue))
        for kind in kinds { #expect(defs["op.\(kind)"] != nil, "no attributes schema for \(kind)") }
    }

    @Test func schemaRequiresTheMandatoryMetadataAndKnowsEveryDType() throws {
        let defs = try #require(try schema()["$defs"] as? [String: Any])
        let metadata = try #require(defs["metadata"] as? [String: Any])
        #expect(metadata["required"] as? [String] == [NativeFormat.MetadataKey.format, NativeFormat.MetadataKey.graph,
                                                       NativeFormat.MetadataKey.provenance])
        let entry = try #require(defs["tensorEntry"] as? [String: Any])
        let dtype = try #require((entry["properties"] as? [String: Any])?["dtype"] as? [String: Any])
        #expect(dtype["enum"] as? [String] == DType.allCases.map(\.rawValue))
    }

    /// The python with safetensors, numpy and jsonschema to validate against (see `Scripts/validate_graft.py`).
    static let python = ProcessInfo.processInfo.environment["GRAFT_PYTHON"]

    private func runValidator(_ files: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = [repositoryRoot + "/Scripts/validate_graft.py"] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(.enabled(if: CrossCheck.runs(python != nil), "set GRAFT_PYTHON to a python with safetensors, numpy and jsonschema"))
    func pythonValidatorAndSafetensorsAcceptWrittenFiles() throws {
        let dir = TemporaryDirectory()
        var full = try Fixtures.smallModel()
        full.weights["state.step"] = Tensor(shape: [], scalars: [1])
        full.weights["state.empty"] = Tensor(shape: [0, 2], scalars: [])
        var bare = try Fixtures.smallModel()
        bare.preprocessing = nil
        bare.training = nil
        try NativeWriter.write(full, to: dir.path("full.graft"))
        try NativeWriter.write(bare, to: dir.path("bare.graft"))
        // Direct I/O, and a header completed last that came out shorter than its reserved space
        // (padded with spaces beyond the usual multiple of 8).
        try NativeWriter.write(full, to: dir.path("direct.graft"), fault: nil, directIOThreshold: 0)
        var reserving = bare
        reserving.provenance.notes.append(String(repeating: "x", count: 50))
        try NativeWriter.write(reserving, to: dir.path("padded.graft")) { bare.provenance }
        let files = ["full", "bare", "direct", "padded"].map { dir.path("\($0).graft") }
        let (status, output) = try runValidator(files)
        #expect(status == 0, "\(output)")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("OK ") }.count == 4, "\(output)")
    }

    @Test(.enabled(if: CrossCheck.runs(python != nil), "set GRAFT_PYTHON to a python with safetensors, numpy and jsonschema"))
    func safetensorsReadsTheHandMadeMixedDTypeFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.path("mixed.graft")
        try HandMadeFile.mixedDTypes().write(to: URL(fileURLWithPath: path))
        let (status, output) = try runValidator([path])
        #expect(status == 0, "\(output)")
    }

    @Test(.enabled(if: CrossCheck.runs(python != nil), "set GRAFT_PYTHON to a python with safetensors, numpy and jsonschema"),
          arguments: [Damage.duplicateNestedKey, .graphReferencesMissingTensor, .trailingBytes, .unknownOpKind, .futureVersion,
                     .graphWithCycle, .offsetsWithGap])
    func pythonValidatorRejectsDamagedFiles(_ damage: Damage) throws {
        let dir = TemporaryDirectory()
        let path = dir.path("\(damage.rawValue).graft")
        try damage.bytes.write(to: URL(fileURLWithPath: path))
        let (status, output) = try runValidator([path])
        #expect(status == 1, "\(output)")
        #expect(output.contains("INVALID \(path)"), "\(output)")
    }
}
