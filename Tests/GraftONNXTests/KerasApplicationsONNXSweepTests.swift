import Foundation
import GraftCore
import GraftKeras
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Every `keras.applications` architecture of the Keras sweep (`Scripts/keras-sweep.py`, `make
/// sweep`), imported by Graft from its first layout, exported to ONNX (opset 17), checked by
/// `onnx.checker` and run by ONNX Runtime: the route from a Keras 3 model to ONNX that tf2onnx
/// does not offer. Runs only when `GRAFT_KERAS_SWEEP` names a sweep directory; writes
/// `onnx-results/<name>.json` and rewrites `onnx-results.md` there.
@Suite(.serialized)
struct KerasApplicationsONNXSweepTests {
    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        struct Layout: Decodable, Sendable {
            var layout: String
            var file: String
            var architecture: String?
        }

        var name: String
        var layouts: [Layout]?
        var error: String?
        var testDescription: String { name }
    }

    static let directory: String? = ProcessInfo.processInfo.environment["GRAFT_KERAS_SWEEP"].flatMap {
        $0.isEmpty ? nil : URL(fileURLWithPath: $0).standardizedFileURL.path
    }

    static let manifest: [Entry] = {
        guard let directory, let data = FileManager.default.contents(atPath: directory + "/manifest.json") else { return [] }
        return ((try? JSONDecoder().decode([Entry].self, from: data)) ?? []).filter { $0.error == nil && $0.layouts?.isEmpty == false }
    }()

    /// `GRAFT_KERAS_SWEEP_ONLY` restricts the run, as for ``KerasApplicationsSweepTests``.
    static let cases: [Entry] = {
        guard let only = ProcessInfo.processInfo.environment["GRAFT_KERAS_SWEEP_ONLY"], !only.isEmpty else { return manifest }
        let names = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return manifest.filter { names.contains($0.name) }
    }()

    struct Row: Codable {
        var name: String
        var result: String
        var detail: String
    }

    @Test(.enabled(if: !manifest.isEmpty && CrossCheck.onnxPython != nil,
                   "needs GRAFT_KERAS_SWEEP (make sweep) and GRAFT_ONNX_PYTHON"), arguments: cases)
    func architectureRunsInONNXRuntime(_ entry: Entry) throws {
        let directory = try #require(Self.directory)
        let layout = try #require(entry.layouts?.first)
        var row = Row(name: entry.name, result: "crash", detail: "the test process died in this case")
        Self.record(row)
        defer { Self.record(row) }
        let path = { (file: String) in directory + "/" + file }
        let model = try KerasImporter.importModel(path: path(layout.file), architecture: layout.architecture.map(path)).model
        do {
            let results = try ONNXRuntimeCheck.check([ONNXRuntimeCheck.Job(entry.name, model)])
            guard let worst = results.max(by: { $0.agreement.maxAbsolute / $0.agreement.atol < $1.agreement.maxAbsolute / $1.agreement.atol }) else {
                row.result = "fail"
                row.detail = "ONNX Runtime gave no output (export, checker or runtime failed: see the log)"
                return
            }
            row.result = results.allSatisfy(\.agreement.passed) ? "pass" : "mismatch"
            row.detail = "\(worst.agreement)"
        } catch {
            row.result = "error"
            row.detail = "\(error)"
            throw error
        }
    }

    private static let lock = NSLock()

    static func record(_ row: Row) {
        guard let directory else { return }
        lock.lock()
        defer { lock.unlock() }
        let folder = URL(fileURLWithPath: directory).appendingPathComponent("onnx-results")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(row) { try? data.write(to: folder.appendingPathComponent(row.name + ".json")) }
        let order = Dictionary(manifest.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).compactMap { file -> Row? in
            FileManager.default.contents(atPath: folder.appendingPathComponent(file).path).flatMap { try? JSONDecoder().decode(Row.self, from: $0) }
        }.sorted { (order[$0.name] ?? .max, $0.name) < (order[$1.name] ?? .max, $1.name) }
        let counts = Dictionary(grouping: rows, by: \.result).map { "\($0.key): \($0.value.count)" }.sorted()
        let lines = ["# keras.applications through ONNX Runtime (Graft export, opset 17): \(directory)", "",
                     "\(rows.count) of \(manifest.count) architectures recorded; " + counts.joined(separator: ", "), "",
                     "| name | result | ONNX Runtime vs Graft |", "|---|---|---|"]
            + rows.map { "| \($0.name) | \($0.result) | \($0.detail.replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ").prefix(200)) |" }
        try? (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/onnx-results.md", atomically: true, encoding: .utf8)
    }
}
