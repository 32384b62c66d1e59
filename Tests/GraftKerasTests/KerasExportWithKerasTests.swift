import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Real Keras (3, on JAX) opens every file the exporter writes — Keras 2 full-model `.h5` with
/// `load_model`, Keras 3 `.weights.h5` with `model_from_json` + `load_weights` — and predicts
/// what Graft computes.
@Suite(.enabled(if: CrossCheck.runs(KerasVenv.python != nil), "\(KerasVenv.absentMessage)"))
struct KerasExportWithKerasTests {
    struct Job {
        var name: String
        var model: Model
        var input: Tensor
        var format: KerasExportFormat
    }

    static let script = KerasFixtures.path("keras_predict.py")

    /// Exports each job, runs Keras once over all of them, and compares with Graft's outputs.
    /// With `tfKeras`, the Keras 2 files are loaded by tf.keras instead (`GRAFT_TFKERAS_PYTHON`).
    static func check(_ jobs: [Job], tfKeras: Bool = false) throws {
        let directory = TemporaryDirectory()
        var specs: [[String: Any]] = []
        var expected: [Tensor] = []
        for (index, job) in jobs.enumerated() {
            let written = try KerasExporter.export(job.model, to: directory.path("m\(index).h5"), format: job.format)
            // The exported model is channels-last whatever the source was: give it NHWC images.
            let graftInput = KerasRun.graftInput(for: job.model, kerasInput: job.input)
            let input = directory.path("x\(index).npy")
            try NPY.write(graftInput.shape.rank == 4 ? graftInput.converted(to: .nhwc) : graftInput, to: input)
            specs.append(["mode": job.format == .keras2H5 ? (tfKeras ? "tfk" : "h5") : "keras3", "model": written[0],
                          "architecture": written.count > 1 ? written[1] : NSNull(), "input": input,
                          "output": directory.path("y\(index).npy")])
            expected.append(try KerasRun.run(job.model, kerasInput: job.input))
        }
        let jobsFile = directory.path("jobs.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: URL(fileURLWithPath: jobsFile))
        let (status, output) = try KerasVenv.run(script, [jobsFile], python: tfKeras ? KerasVenv.tfKerasPython : KerasVenv.python)
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("OK") || $0.hasPrefix("FAIL") }
        #expect(status == 0, "Keras could not load every export:\n\(lines.joined(separator: "\n"))\n\(output.suffix(2000))")
        for (index, job) in jobs.enumerated() {
            let path = directory.path("y\(index).npy")
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let keras = try NPY.read(path: path)
            #expect(keras.shape == expected[index].shape, "\(job.name) \(job.format): shape \(keras.shape)")
            guard keras.shape == expected[index].shape else { continue }
            let agreement = TensorComparison(expected[index].scalars, keras.scalars)
            print("[keras-export] \(job.name) \(job.format.rawValue)\(tfKeras ? " (tf.keras)" : ""): Keras vs Graft \(agreement)")
            #expect(agreement.passed, "\(job.name) \(job.format): \(agreement)")
        }
    }

    @Test func kerasLoadsEveryKerasImportedModelExported() throws {
        var jobs: [Job] = []
        for subject in KerasExportTests.subjects {
            let model = try KerasImporter.importModel(path: subject.file, architecture: subject.architecture).model
            for format in KerasExportFormat.allCases {
                jobs.append(Job(name: subject.name, model: model, input: try subject.input(), format: format))
            }
        }
        try Self.check(jobs)
    }

    @Test func kerasLoadsCaffeStyleGraphs() throws {
        var jobs: [Job] = []
        for (name, model) in CaffeStyleGraphs.all {
            let input = CaffeStyleGraphs.input(for: model)
            for format in KerasExportFormat.allCases { jobs.append(Job(name: name, model: model, input: input, format: format)) }
        }
        try Self.check(jobs)
    }
}

/// The Keras 2 files opened by tf.keras itself (`GRAFT_TFKERAS_PYTHON`: a Python with `tensorflow`
/// and `tf-keras`, about 2.2 GB, made by `Scripts/make-tfkeras-venv.sh`, which `make test` runs).
@Suite(.enabled(if: CrossCheck.runs(KerasVenv.tfKerasPython != nil), "tf.keras check: set GRAFT_TFKERAS_PYTHON to a python with tensorflow and tf-keras"))
struct KerasExportWithTFKerasTests {
    @Test func tfKerasLoadsTheKeras2Files() throws {
        var jobs: [KerasExportWithKerasTests.Job] = []
        for subject in KerasExportTests.subjects {
            let model = try KerasImporter.importModel(path: subject.file, architecture: subject.architecture).model
            jobs.append(KerasExportWithKerasTests.Job(name: subject.name, model: model, input: try subject.input(), format: .keras2H5))
        }
        for (name, model) in CaffeStyleGraphs.all {
            jobs.append(KerasExportWithKerasTests.Job(name: name, model: model, input: CaffeStyleGraphs.input(for: model), format: .keras2H5))
        }
        try KerasExportWithKerasTests.check(jobs, tfKeras: true)
    }
}
