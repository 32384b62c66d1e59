import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftONNX

/// Exports models, has `onnx.checker` (full check) and ONNX Runtime run them through
/// `Tests/Fixtures/onnx/export/run_ort.py`, and compares ONNX Runtime's outputs with Graft's
/// forward pass on the same seeded random inputs.
enum ONNXRuntimeCheck {
    struct Job: Sendable {
        var name: String
        var model: Model
        var options: ONNXExportOptions
        /// The batch to run at (nil: the recorded one); needs `options.dynamicBatch` when it differs.
        var batch: Int?
        /// Input values scaled by this (models trained on raw pixels).
        var inputScale: Float = 1

        init(_ name: String, _ model: Model, _ options: ONNXExportOptions = ONNXExportOptions(), batch: Int? = nil,
             inputScale: Float = 1) {
            self.name = name
            self.model = model
            self.options = options
            self.batch = batch
            self.inputScale = inputScale
        }
    }

    struct Result: Sendable {
        var name: String
        var output: String
        var agreement: TensorComparison
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx/export/run_ort.py").path

    static let absentMessage = "ONNX Runtime check: run Scripts/make-onnx-venv.sh or set GRAFT_ONNX_PYTHON to a python with onnx, onnxruntime, numpy"

    /// A seeded random tensor in [-1, 1).
    static func random(_ shape: Shape, seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in (generator.nextUnitFloat() * 2 - 1) * scale })
    }

    /// Runs every job through ONNX Runtime in one Python process; records an issue for each
    /// export, checker or runtime failure and each output outside the portable tolerance.
    @discardableResult
    static func check(_ jobs: [Job]) throws -> [Result] {
        let python = try #require(CrossCheck.onnxPython, "\(absentMessage)")
        let directory = TemporaryDirectory()
        var specs: [[String: Any]] = []
        var expected: [[String: Tensor]] = []
        for (index, job) in jobs.enumerated() {
            let path = directory.path("m\(index).onnx")
            try ONNXExporter.write(job.model, to: path, options: job.options)
            var inputs: [String: Tensor] = [:]
            var inputFiles: [String: String] = [:]
            for (k, input) in job.model.graph.inputs.enumerated() {
                var shape = input.shape
                if let batch = job.batch { shape[0] = batch }
                let tensor = random(shape, seed: UInt64(17 + k), scale: job.inputScale)
                inputs[input.name] = tensor
                let file = directory.path("x\(index)_\(k).npy")
                try NPY.write(tensor, to: file)
                inputFiles[input.name] = file
            }
            expected.append(try job.batch == nil ? ForwardExecutor(model: job.model).run(inputs: inputs) : perSample(job.model, inputs))
            var outputFiles: [String: String] = [:]
            for (k, output) in job.model.graph.outputs.enumerated() { outputFiles[output] = directory.path("y\(index)_\(k).npy") }
            specs.append(["name": job.name, "model": path, "inputs": inputFiles, "outputs": outputFiles])
        }
        let jobsFile = directory.path("jobs.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: URL(fileURLWithPath: jobsFile))
        let (status, output) = try runPython(python, [script, jobsFile])
        let failures = output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(status == 0, "onnx.checker or ONNX Runtime refused an export:\n\(failures.joined(separator: "\n"))\n\(output.suffix(3000))")
        var results: [Result] = []
        for (index, job) in jobs.enumerated() {
            for (k, name) in job.model.graph.outputs.enumerated() {
                let path = directory.path("y\(index)_\(k).npy")
                guard FileManager.default.fileExists(atPath: path) else { continue }
                let actual = try NPY.read(path: path)
                let reference = try #require(expected[index][name])
                #expect(actual.shape == reference.shape, "\(job.name) \(name): ONNX Runtime \(actual.shape), Graft \(reference.shape)")
                guard actual.shape == reference.shape else { continue }
                let agreement = TensorComparison(actual.scalars, reference.scalars)
                print("[onnx-export] \(job.name) opset \(job.options.opset)\(job.batch.map { " batch \($0)" } ?? "") \(name): ONNX Runtime vs Graft \(agreement)")
                #expect(agreement.passed, "\(job.name) opset \(job.options.opset) \(name): \(agreement)")
                results.append(Result(name: job.name, output: name, agreement: agreement))
            }
        }
        return results
    }

    /// Graft's outputs computed one sample at a time and stacked: what a model with a symbolic
    /// batch must compute (a Caffe reshape that spells the batch as 1 mixes samples in Graft's
    /// own batched run; the export keeps samples apart).
    static func perSample(_ model: Model, _ inputs: [String: Tensor]) throws -> [String: Tensor] {
        let executor = try ForwardExecutor(model: model, batchSize: 1)
        let batch = inputs.values.first!.shape[0]
        var stacked: [String: Tensor] = [:]
        for n in 0..<batch {
            let sample = inputs.mapValues { t in
                let count = t.elementCount / batch
                var shape = t.shape
                shape[0] = 1
                return Tensor(shape: shape, scalars: Array(t.scalars[n * count ..< (n + 1) * count]))
            }
            for (name, y) in try executor.run(inputs: sample) {
                var all = stacked[name] ?? Tensor(shape: Shape([0] + y.shape.dims.dropFirst()), scalars: [])
                all.shape[0] += y.shape[0]
                all.scalars += y.scalars
                stacked[name] = all
            }
        }
        return stacked
    }

    static func runPython(_ python: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run(python, arguments, environment: ["OMP_NUM_THREADS": "1"])
    }
}

/// Graft graphs built in code for the exporter tests, with seeded random weights.
enum ONNXExportGraphs {
    static func model(_ name: String, input: Shape, _ nodes: [Node], outputs: [String]? = nil, extraInputs: [GraphInput] = [],
                      seed: UInt64 = 1) -> Model {
        var graph = Graph(name: name, inputs: [GraphInput(name: "data", shape: input)] + extraInputs, nodes: nodes,
                          outputs: outputs ?? [nodes.last!.outputs[0]])
        // Parameter specs from the inferred input shapes (deriveParameterSpecs needs every node to
        // have inputs; constants have none).
        var shapes = Dictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, $0.shape) })
        for i in graph.nodes.indices {
            let node = graph.nodes[i]
            let inputs = node.inputs.map { shapes[$0]! }
            if let specs = try! node.op.expectedParameters(for: inputs) { graph.nodes[i].parameters = specs }
            for (value, shape) in zip(node.outputs, try! node.op.outputShapes(for: inputs, outputCount: node.outputs.count)) {
                shapes[value] = shape
            }
        }
        var generator = SeededGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (key, _, spec) in graph.parameterTensors {
            let values: [Float] = (0..<spec.shape.elementCount).map { _ in
                switch spec.name {
                case "variance", "scale": 0.5 + generator.nextUnitFloat()
                case "slope": generator.nextUnitFloat() * 0.5
                default: generator.nextGaussian() * 0.5
                }
            }
            weights[key] = Tensor(shape: spec.shape, scalars: values)
        }
        return Model(graph: graph, weights: weights, provenance: Provenance(sourceFormat: "graft", sourceVersion: "test"))
    }

    /// One node reading `data`.
    static func single(_ name: String, _ op: Op, input: Shape = [2, 4, 9, 11]) -> Model {
        model(name, input: input, [Node(name: "op", op: op, inputs: ["data"])])
    }
}
