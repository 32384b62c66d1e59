import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Every `keras.applications` architecture, built with random weights by `Scripts/keras-sweep.py`
/// (Keras 3 or tf.keras 2) and written in every layout, must import without opaque nodes and
/// compute what Keras computed. Runs only when `GRAFT_KERAS_SWEEP` names the script's OUTDIR
/// (`make sweep` sets it): the files are gigabytes and take many minutes to make, so they are
/// never committed.
///
/// Each case writes `results/<name>__<layout>.json` under the sweep directory and rewrites
/// `results.md` (a table of every case written so far), so the table is complete when the last
/// case finishes, whatever order the parallel cases run in.
@Suite(.serialized)
struct KerasApplicationsSweepTests {
    /// One manifest entry of `keras-sweep.py`.
    struct Entry: Decodable, Sendable {
        struct Layout: Decodable, Sendable {
            var layout: String
            var file: String
            var architecture: String?
        }

        var name: String
        var family: String?
        var include_top: Bool?
        var input_shape: [Int]?
        var params: Int?
        var layouts: [Layout]?
        var error: String?
    }

    /// One (architecture, layout) case; `layout` is nil when Keras itself failed on the model.
    struct Case: CustomTestStringConvertible, Sendable {
        var entry: Entry
        var layout: Entry.Layout?
        var testDescription: String { "\(entry.name) \(layout?.layout ?? "(Keras failed)")" }
    }

    static let directory: String? = ProcessInfo.processInfo.environment["GRAFT_KERAS_SWEEP"].flatMap {
        $0.isEmpty ? nil : URL(fileURLWithPath: $0).standardizedFileURL.path
    }

    static let manifest: [Entry] = {
        guard let directory,
              let data = FileManager.default.contents(atPath: directory + "/manifest.json") else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: data)) ?? []
    }()

    /// Read once, when the arguments are evaluated: every layout of every architecture.
    static let allCases: [Case] = manifest.flatMap { entry -> [Case] in
        guard entry.error == nil, let layouts = entry.layouts, !layouts.isEmpty else { return [Case(entry: entry, layout: nil)] }
        return layouts.map { Case(entry: entry, layout: $0) }
    }

    /// `GRAFT_KERAS_SWEEP_ONLY` (comma-separated names) restricts the run to those architectures:
    /// `make sweep` runs each in its own process, so a crash in one cannot hide the others.
    static let cases: [Case] = {
        guard let only = ProcessInfo.processInfo.environment["GRAFT_KERAS_SWEEP_ONLY"], !only.isEmpty else { return allCases }
        let names = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return allCases.filter { names.contains($0.entry.name) }
    }()

    static let absentMessage = "GRAFT_KERAS_SWEEP is not set to a Scripts/keras-sweep.py OUTDIR with a manifest.json (make sweep)"

    @Test(.enabled(if: !manifest.isEmpty, "\(absentMessage)"), arguments: cases)
    func architectureMatchesKeras(_ c: Case) throws {
        let directory = try #require(Self.directory)
        guard let layout = c.layout else {
            Self.record(Row(name: c.entry.name, layout: "-", result: "keras-error",
                            message: c.entry.error ?? "no layouts in the manifest"))
            return  // Keras could not build or save it: nothing of Graft's to check.
        }
        // Recorded first, so a case that kills the test process (a precondition in a kernel) shows as such.
        Self.record(Row(name: c.entry.name, layout: layout.layout, result: "crash", message: "the test process died in this case"))
        var row = Row(name: c.entry.name, layout: layout.layout, result: "pass")
        defer { Self.record(row) }
        let path = { (file: String) in directory + "/" + file }
        let started = Date()

        let imported: KerasImporter.Result
        do {
            imported = try KerasImporter.importModel(path: path(layout.file), architecture: layout.architecture.map(path))
        } catch {
            row.result = "import-error"
            row.message = "\(error)"
            Issue.record("\(c.testDescription): import: \(error)")
            return
        }
        let model = imported.model
        let opaque = model.graph.nodes.compactMap { node -> String? in
            if case .opaque(let o) = node.op { o.type } else { nil }
        }
        if !opaque.isEmpty {
            // The root causes first (the classes the importer does not support, with its reason),
            // then how many nodes ended up opaque because of them.
            var unsupported: [String] = []
            var seen = Set<String>()
            for case .unsupportedLayer(_, let className, let reason) in imported.warnings where seen.insert(className).inserted {
                unsupported.append(reason.contains(className) ? className : "\(className) (\(reason))")
            }
            // Layers kept opaque only because an earlier one was are consequences, not causes: last.
            unsupported = unsupported.filter { !$0.contains("opaque layer") } + unsupported.filter { $0.contains("opaque layer") }
            row.result = "opaque"
            row.message = "unsupported: " + (unsupported.isEmpty ? "?" : unsupported.joined(separator: ", "))
                + "; \(opaque.count) opaque nodes"
            Issue.record("\(c.testDescription): \(row.message)")
            return
        }

        let reference: (input: Tensor, output: Tensor)
        let output: Tensor
        do {
            reference = try KerasRun.reference(path(c.entry.name + ".npz"))
            output = try KerasRun.run(model, kerasInput: reference.input)
        } catch {
            row.result = "run-error"
            row.message = "\(error)"
            Issue.record("\(c.testDescription): run: \(error)")
            return
        }
        guard output.shape == reference.output.shape else {
            row.result = "shape"
            row.message = "output \(output.shape), Keras \(reference.output.shape)"
            if output.elementCount == reference.output.elementCount {
                // Same values in another layout (an NCHW/NHWC mix-up at the output), or not?
                let flat = TensorComparison(output.scalars, reference.output.scalars)
                row.maxAbsolute = flat.maxAbsolute
                row.maxRelative = flat.maxRelative
                row.message += flat.passed ? "; values agree in file order" : "; values differ in file order too"
            }
            Issue.record("\(c.testDescription): \(row.message)")
            return
        }
        let agreement = TensorComparison(output.scalars, reference.output.scalars)
        row.maxAbsolute = agreement.maxAbsolute
        row.maxRelative = agreement.maxRelative
        row.seconds = Date().timeIntervalSince(started)
        print("[keras-sweep] \(c.testDescription): \(agreement); \(imported.warnings.count) warnings")
        if !agreement.passed {
            row.result = "mismatch"
            row.message = "\(agreement)"
            Issue.record("\(c.testDescription): \(agreement)")
            return
        }
        // Export back, once per architecture (every layout imports to the same graph): both Keras
        // formats, loaded by Keras 3 and the Keras 2 file by tf.keras, must predict what Graft does.
        guard layout.layout == c.entry.layouts?.first?.layout else { return }
        let exports = Self.exportsReload(model, kerasInput: reference.input, graftOutput: output)
        row.export = exports.map { "\($0.loader): \($0.result)" }.joined(separator: "; ")
        print("[keras-sweep] \(c.entry.name) export: \(row.export ?? "")")
        if let failed = exports.first(where: { !$0.passed }) {
            row.result = "export-fail"
            row.message = "\(failed.loader): \(failed.result)"
            Issue.record("\(c.entry.name) export \(failed.loader): \(failed.result)")
        }
    }

    /// One export loaded by one Keras.
    struct ExportCheck {
        var loader: String
        var passed: Bool
        var result: String
    }

    static let predictScript = KerasFixtures.path("keras_predict.py")

    /// Exports `model` as a Keras 2 `.h5` and a Keras 3 `.weights.h5` + JSON, has Keras 3 load both
    /// (and tf.keras the `.h5`, when `GRAFT_TFKERAS_PYTHON` is set) and predict on `kerasInput`,
    /// and compares each with Graft's output.
    static func exportsReload(_ model: Model, kerasInput: Tensor, graftOutput: Tensor) -> [ExportCheck] {
        let directory = TemporaryDirectory()
        var checks: [ExportCheck] = []
        let input = directory.path("x.npy")
        do { try NPY.write(kerasInput, to: input) } catch { return [ExportCheck(loader: "input", passed: false, result: "\(error)")] }
        var jobs: [(loader: String, python: String?, spec: [String: Any])] = []
        for format in [KerasExportFormat.keras2H5, .keras3Weights] {
            let name = format == .keras2H5 ? "h5" : "keras3"
            let written: [String]
            do { written = try KerasExporter.export(model, to: directory.path("m-\(name).h5"), format: format) } catch {
                checks.append(ExportCheck(loader: "export \(format.rawValue)", passed: false, result: "\(error)"))
                continue
            }
            let spec: (String) -> [String: Any] = { mode in
                ["mode": mode, "model": written[0], "architecture": written.count > 1 ? written[1] : NSNull(), "input": input,
                 "output": directory.path("y-\(mode).npy")]
            }
            jobs.append(("Keras 3 \(format.rawValue)", KerasVenv.python, spec(name)))
            if format == .keras2H5, KerasVenv.tfKerasPython != nil { jobs.append(("tf.keras keras2H5", KerasVenv.tfKerasPython, spec("tfk"))) }
        }
        for job in jobs {
            guard let python = job.python else {
                checks.append(ExportCheck(loader: job.loader, passed: false, result: "no python (GRAFT_KERAS_PYTHON)"))
                continue
            }
            do {
                let jobsFile = directory.path("jobs.json")
                try JSONSerialization.data(withJSONObject: [job.spec]).write(to: URL(fileURLWithPath: jobsFile))
                let (status, output) = try KerasVenv.run(predictScript, [jobsFile], python: python)
                let outputPath = job.spec["output"] as! String
                guard status == 0, FileManager.default.fileExists(atPath: outputPath) else {
                    let reason = output.split(separator: "\n").first { $0.hasPrefix("FAIL") }.map(String.init) ?? String(output.suffix(400))
                    checks.append(ExportCheck(loader: job.loader, passed: false, result: reason))
                    continue
                }
                let keras = try NPY.read(path: outputPath)
                guard keras.shape.elementCount == graftOutput.shape.elementCount else {
                    checks.append(ExportCheck(loader: job.loader, passed: false, result: "output \(keras.shape), Graft \(graftOutput.shape)"))
                    continue
                }
                let agreement = TensorComparison(graftOutput.scalars, keras.scalars)
                checks.append(ExportCheck(loader: job.loader, passed: agreement.passed, result: "\(agreement)"))
            } catch {
                checks.append(ExportCheck(loader: job.loader, passed: false, result: "\(error)"))
            }
        }
        return checks
    }

    // MARK: - Results

    /// One line of `results.md`.
    struct Row: Codable, Sendable {
        var name: String
        var layout: String
        var result: String
        var maxAbsolute: Float?
        var maxRelative: Float?
        var message = ""
        var seconds: Double?
        /// The export check's results (first layout of each architecture only).
        var export: String?
    }

    private static let lock = NSLock()

    /// Writes `results/<name>__<layout>.json` and rewrites `results.md` from every result file.
    static func record(_ row: Row) {
        guard let directory else { return }
        lock.lock()
        defer { lock.unlock() }
        let results = URL(fileURLWithPath: directory).appendingPathComponent("results")
        try? FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        let file = "\(row.name)__\(row.layout)".map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let data = try? encoder.encode(row) {
            try? data.write(to: results.appendingPathComponent(String(file) + ".json"))
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: results.path)) ?? []
        let rows = files.filter { $0.hasSuffix(".json") }.compactMap { name -> Row? in
            FileManager.default.contents(atPath: results.appendingPathComponent(name).path).flatMap { try? decoder.decode(Row.self, from: $0) }
        }
        try? table(rows).write(toFile: directory + "/results.md", atomically: true, encoding: .utf8)
    }

    /// The markdown table, in manifest order, with a count by result.
    static func table(_ rows: [Row]) -> String {
        let order = Dictionary(manifest.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let layoutOrder = Dictionary(allCases.enumerated().map { ("\($1.entry.name) \($1.layout?.layout ?? "-")", $0) },
                                     uniquingKeysWith: { a, _ in a })
        let sorted = rows.sorted {
            (order[$0.name] ?? .max, layoutOrder["\($0.name) \($0.layout)"] ?? .max, $0.layout)
                < (order[$1.name] ?? .max, layoutOrder["\($1.name) \($1.layout)"] ?? .max, $1.layout)
        }
        func g(_ x: Float?) -> String { x.map { $0.isFinite ? String(format: "%.3g", Double($0)) : "\($0)" } ?? "" }
        func cell(_ s: String) -> String {
            let flat = s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "/")
            return flat.count > 100 ? String(flat.prefix(99)) + "…" : flat
        }
        // "Keras 3 keras2H5: max abs 1e-06, ..." shortened to "Keras 3 keras2H5 ok" unless it failed.
        func exportCell(_ s: String?) -> String {
            guard let s else { return "" }
            return cell(s.components(separatedBy: "; ").map { part in
                part.contains("outside") || !part.contains("max abs") ? part : (part.components(separatedBy: ":").first ?? part) + " ok"
            }.joined(separator: ", "))
        }
        let entries = Dictionary(manifest.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var lines = ["| name | layout | input | result | max abs | max rel | first error | exported, reloaded by Keras |",
                     "|---|---|---|---|---|---|---|---|"]
        for r in sorted {
            let e = entries[r.name]
            let input = e?.input_shape.map { s in s.map(String.init).joined(separator: "x") + (e?.include_top == true ? " top" : "") } ?? ""
            lines.append("| \(r.name) | \(r.layout) | \(input) | \(r.result) | \(g(r.maxAbsolute)) | \(g(r.maxRelative)) | \(cell(r.message)) | \(exportCell(r.export)) |")
        }
        let counts = Dictionary(grouping: sorted, by: \.result).map { "\($0.key): \($0.value.count)" }.sorted()
        let expected = allCases.count
        return "# Keras applications sweep: \(directory ?? "")\n\n"
            + "\(sorted.count) of \(expected) cases recorded; " + counts.joined(separator: ", ") + "\n\n"
            + lines.joined(separator: "\n") + "\n"
    }
}
