import Foundation
import Testing

/// Whether a test that needs an outside tool or data (a Python venv, OpenCV, Keras, ../shared,
/// rsvg-convert) runs. Locally a missing tool skips the test with a message; under CI
/// (`CI=true`) the test runs anyway and fails, so a broken install step can never turn a
/// cross-check green by skipping it.
public enum CrossCheck {
    /// True under CI (`CI=true` or `CI=1`).
    public static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }()

    /// `available`, or true under CI (where the test must then fail on the missing tool).
    public static func runs(_ available: Bool) -> Bool { available || isCI }

    /// For a check decided inside a running test: when `available` is false, the test stops here
    /// and is reported as skipped with `reason` through the test framework (not a print and a
    /// pass); under CI it fails instead.
    public static func require(_ available: Bool, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard !available else { return }
        if isCI {
            Issue.record("CI needs this check: \(reason)", sourceLocation: sourceLocation)
            throw MissingTool(reason: reason)
        }
        try Test.cancel("skipped: \(reason)", sourceLocation: sourceLocation)
    }

    /// Thrown under CI by ``require(_:_:sourceLocation:)`` after recording the issue.
    public struct MissingTool: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "missing: \(reason)" }
    }

    /// A python with OpenCV 4.x (`GRAFT_PYTHON`, as `make test` sets it; OpenCV 5 dropped the
    /// Caffe reader), or nil.
    public static let openCVPython: String? = {
        guard let python = ProcessInfo.processInfo.environment["GRAFT_PYTHON"] else { return nil }
        return ChildProcess.succeeds(python, ["-c", "import cv2, numpy; assert int(cv2.__version__.split('.')[0]) < 5"]) ? python : nil
    }()

    /// A python with onnx, ONNX Runtime, numpy and torch (`GRAFT_ONNX_PYTHON`, as `make test`
    /// sets it, else `.build-onnx-venv` under the current directory), or nil.
    public static let onnxPython: String? = {
        let environment = ProcessInfo.processInfo.environment["GRAFT_ONNX_PYTHON"]
        let python = environment ?? FileManager.default.currentDirectoryPath + "/.build-onnx-venv/bin/python"
        return ChildProcess.succeeds(python, ["-c", "import onnx, onnxruntime, numpy"]) ? python : nil
    }()

    /// A python with pydicom (and the pylibjpeg decoders), nibabel and numpy
    /// (`GRAFT_MEDICAL_PYTHON`, as `make test` sets it, else `.build-medical-venv` under the
    /// current directory), or nil.
    public static let medicalPython: String? = {
        let environment = ProcessInfo.processInfo.environment["GRAFT_MEDICAL_PYTHON"]
        let python = environment ?? FileManager.default.currentDirectoryPath + "/.build-medical-venv/bin/python"
        return ChildProcess.succeeds(python, ["-c", "import pydicom, nibabel, numpy, pylibjpeg"]) ? python : nil
    }()

    /// Where `onnx`'s backend test data lives in ``onnxPython``'s site-packages (the model-zoo
    /// networks under `light/`, the `pytorch-converted` and `pytorch-operator` cases), or nil.
    public static let onnxBackendTestData: String? = {
        guard let python = onnxPython,
              let (status, output) = try? ChildProcess.run(python, ["-c", "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'backend', 'test', 'data'))"]),
              status == 0 else { return nil }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}
