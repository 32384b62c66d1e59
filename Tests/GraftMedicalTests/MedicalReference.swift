import Foundation
import GraftTestSupport
import Testing

/// The medical cross-checks' Python side: pydicom and nibabel in the medical venv, reading their
/// own packages' test files in place (never copied into the repository).
enum MedicalReference {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/medical").appendingPathComponent(name).path
    }

    static func requirePython() throws -> String {
        try CrossCheck.require(CrossCheck.medicalPython != nil,
                               "no Python with pydicom, pylibjpeg and nibabel (make test builds .build-medical-venv; or set GRAFT_MEDICAL_PYTHON)")
        return CrossCheck.medicalPython!
    }

    /// A folder inside an installed package (`pydicom/data/test_files`, `nibabel/tests/data`).
    static func packageFolder(_ python: String, module: String, _ relative: String) throws -> String {
        let (status, output) = try ChildProcess.run(python, ["-c", "import \(module), os; print(os.path.dirname(\(module).__file__))"])
        guard status == 0 else { throw Failure("cannot locate \(module): \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + relative
    }

    /// Runs a fixture script; returns its JSON lines.
    static func jsonLines(_ python: String, _ arguments: [String]) throws -> [[String: Any]] {
        let (status, output) = try ChildProcess.run(python, arguments)
        guard status == 0 else { throw Failure("python \(arguments.first ?? "") failed: \(output.suffix(4000))") }
        return output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
