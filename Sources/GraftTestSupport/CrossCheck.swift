import Foundation

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

    /// Where `onnx`'s backend test data lives in ``onnxPython``'s site-packages (the model-zoo
    /// networks under `light/`, the `pytorch-converted` and `pytorch-operator` cases), or nil.
    public static let onnxBackendTestData: String? = {
        guard let python = onnxPython,
              let (status, output) = try? ChildProcess.run(python, ["-c", "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'backend', 'test', 'data'))"]),
              status == 0 else { return nil }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}
