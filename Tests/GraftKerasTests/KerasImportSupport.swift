import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftKeras

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
