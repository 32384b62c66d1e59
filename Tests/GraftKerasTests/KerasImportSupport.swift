import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Element-wise agreement of Graft's output with a reference.
struct Agreement: CustomStringConvertible {
    var maxAbs: Float = 0
    var maxRel: Float = 0
    var count = 0
    /// Elements with `|graft - reference| > atol + rtol * |reference|`.
    var failures = 0

    static let rtol: Float = 1e-4
    static let atol: Float = 1e-6

    init(_ graft: [Float], _ reference: [Float]) {
        precondition(graft.count == reference.count)
        count = graft.count
        for (g, r) in zip(graft, reference) {
            let diff = abs(g - r)
            if !(diff <= Self.atol + Self.rtol * abs(r)) { failures += 1 }
            maxAbs = max(maxAbs, diff.isNaN ? .infinity : diff)
            maxRel = max(maxRel, diff / max(abs(r), 1e-6))
        }
    }

    var ok: Bool { failures == 0 && count > 0 }

    var description: String {
        "max abs \(String(format: "%.3g", maxAbs)), max rel \(String(format: "%.3g", maxRel)) over \(count) values"
            + (failures > 0 ? ", \(failures) outside \(Self.atol) + \(Self.rtol)·|ref|" : "")
    }
}

enum KerasRun {
    /// Runs `model` on an NHWC (or flat) Keras input and returns its first output in Keras's
    /// layout (NCHW outputs transposed back to NHWC).
    static func run(_ model: Model, kerasInput: Tensor) throws -> Tensor {
        let input = graftInput(for: model, kerasInput: kerasInput)
        let executor = try ForwardExecutor(model: model, batchSize: input.shape[0])
        let outputs = try executor.run(inputs: [model.graph.inputs[0].name: input])
        let output = try #require(outputs[model.graph.outputs[0]])
        return output.shape.rank == 4 ? output.converted(to: .nhwc) : output
    }

    /// The NCHW input for `model` from a Keras input: an NHWC image is transposed; a channels-first
    /// model's input and non-images are taken as they are.
    static func graftInput(for model: Model, kerasInput: Tensor) -> Tensor {
        let s = model.graph.inputs[0].shape
        let isNHWC = kerasInput.shape.rank == 4 && s.rank == 4 && s[1] == kerasInput.shape[3] && s[2] == kerasInput.shape[1]
            && s[3] == kerasInput.shape[2]
        return isNHWC ? kerasInput.nchw(from: .nhwc) : kerasInput
    }

    /// Reads `input` and `output` from a Keras reference `.npz`.
    static func reference(_ path: String) throws -> (input: Tensor, output: Tensor) {
        let arrays = Dictionary(uniqueKeysWithValues: try NPZ.read(path: path).map { ($0.name, $0.tensor) })
        return (try #require(arrays["input"]), try #require(arrays["output"]))
    }
}
