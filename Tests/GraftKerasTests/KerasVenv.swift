import Foundation
import GraftTestSupport

/// The Python of the Keras venv (`Scripts/make-keras-venv.sh`: Keras 3 on JAX, h5py), found
/// through `GRAFT_KERAS_PYTHON` or at `.build-keras-venv/bin/python`; nil when absent, and the
/// tests that need real Keras are then skipped.
enum KerasVenv {
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment["GRAFT_KERAS_PYTHON"]
        let candidates: [String] = [environment ?? "", SharedData.repositoryRoot.appendingPathComponent(".build-keras-venv/bin/python").path]
        return candidates.first { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let absentMessage = "Keras venv not found: run Scripts/make-keras-venv.sh or set GRAFT_KERAS_PYTHON"

    /// A Python with `tensorflow` and `tf-keras` (Keras 2 itself), given by `GRAFT_TFKERAS_PYTHON`
    /// (`Scripts/make-tfkeras-venv.sh` makes it; `make test` sets it).
    static let tfKerasPython: String? = ProcessInfo.processInfo.environment["GRAFT_TFKERAS_PYTHON"]
        .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

    /// Runs a Python script with the venv (JAX backend, CPU), returning its exit status and output.
    static func run(_ script: String, _ arguments: [String],
                    python: String? = KerasVenv.python) throws -> (status: Int32, output: String) {
        guard let python else { throw CocoaError(.fileNoSuchFile) }
        return try ChildProcess.run(python, [script] + arguments,
                                    environment: ["KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"])
    }
}
