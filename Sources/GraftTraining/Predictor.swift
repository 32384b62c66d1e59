import GraftCore
import GraftData
import GraftEngine
import GraftImage

/// Class probabilities for many images with a fixed-batch executor (the last batch is padded).
public struct Predictor {
    /// Runs the model on whole batches.
    public let executor: ForwardExecutor
    /// Turns an image into the model's input.
    public let pipeline: ImagePipeline
    private let input: String
    private let output: String
    private let appliesSoftmax: Bool

    /// A predictor for a model with one input; applies a softmax when the first output is not one.
    public init(model: Model, pipeline: ImagePipeline, batchSize: Int) throws(TrainingError) {
        guard model.graph.inputs.count == 1, model.graph.outputs.count >= 1 else {
            throw .model("a classifier needs one input and an output; this graph has \(model.graph.inputs.count) inputs")
        }
        do { executor = try ForwardExecutor(graph: model.graph, weights: model.weights, batchSize: batchSize) } catch {
            throw .engine(error)
        }
        self.pipeline = pipeline
        input = model.graph.inputs[0].name
        output = model.graph.outputs[0]
        // Outputs that are not a softmax (logits) are turned into probabilities here.
        let producer = model.graph.nodes.last { $0.outputs.contains(model.graph.outputs[0]) }
        if case .softmax = producer?.op { appliesSoftmax = false } else { appliesSoftmax = true }
    }

    /// Probabilities `[images][classes]` for images rendered without augmentation.
    public func probabilities(_ images: [Image]) throws(TrainingError) -> [[Float]] {
        let batch = executor.batchSize, per = pipeline.elementCount
        var result: [[Float]] = []
        result.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let count = min(batch, images.count - start)
            var scalars = [Float](repeating: 0, count: batch * per)
            scalars.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<count { pipeline.render(images[start + i], into: buffer.baseAddress! + i * per) }
            }
            let shape = Shape([batch, pipeline.channels, pipeline.height, pipeline.width])
            let out: Tensor
            do { out = try executor.run(inputs: [input: Tensor(shape: shape, scalars: scalars)], outputs: [output])[output]! } catch {
                throw .engine(error)
            }
            let classes = out.elementCount / batch
            for i in 0..<count {
                var row = Array(out.scalars[(i * classes)..<((i + 1) * classes)])
                if appliesSoftmax { row = softmax(row) }
                result.append(row)
            }
            start += count
        }
        return result
    }
}

func softmax(_ x: [Float]) -> [Float] {
    let m = x.max() ?? 0
    let e = x.map { expf($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

#if canImport(Glibc)
import Glibc
#endif
