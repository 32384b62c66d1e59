import Foundation
import GraftCore
import GraftEngine
import GraftIO
import GraftTestSupport
@testable import GraftCaffe

extension TensorComparison {
    /// Compares two tensors element by element (see ``TensorComparison``; `atol` nil scales to the reference).
    init(_ actual: Tensor, _ expected: Tensor, rtol: Float = TensorComparison.defaultRelative, atol: Float? = nil) {
        self.init(actual.scalars, expected.scalars, rtol: rtol, atol: atol)
    }
}

enum CaffeTesting {
    static func reference(_ path: String) -> String { SharedData.path("reference/" + path) }

    /// Runs `model` on `input` and returns the named values.
    static func run(_ model: Model, input: Tensor, outputs: [String]) throws -> [String: Tensor] {
        let executor = try ForwardExecutor(model: model, batchSize: input.shape[0], retaining: .outputs(plus: outputs))
        return try executor.run(inputs: [model.graph.inputs[0].name: input], outputs: outputs)
    }

    /// A python with OpenCV 4.x (`GRAFT_PYTHON`, as `make test` sets it), or nil.
    static let openCVPython = CrossCheck.openCVPython

    /// OpenCV's forward pass of a Caffe net on the reference's input, written to `output` (.npz).
    static func openCVForward(python: String, prototxt: String, caffemodel: String, reference: String,
                              output: String) throws -> Int32 {
        let script = """
            import sys, cv2, numpy as np
            z = np.load(sys.argv[3]); names = [k[4:] for k in z.files if k.startswith('out:')]
            net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2]); net.setInput(z['input'])
            ys = net.forward(names)
            np.savez(sys.argv[4], **{'out:' + n: y for n, y in zip(names, ys)})
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, prototxt, caffemodel, reference, output]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// OpenCV's values of the blobs `names` for `prototxt` + `caffemodel` on `input`, through
    /// ``openCVForward(python:prototxt:caffemodel:reference:output:)``; nil when OpenCV fails.
    static func openCVOutputs(python: String, prototxt: String, caffemodel: String, input: Tensor, names: [String],
                              in directory: TemporaryDirectory) throws -> [String: Tensor]? {
        let request = directory.path("opencv-request-\(UUID().uuidString).npz")
        let answer = directory.path("opencv-answer-\(UUID().uuidString).npz")
        try NPZ.write([("input", input)] + names.map { ("out:" + $0, input) }, to: request)
        let status = try openCVForward(python: python, prototxt: prototxt, caffemodel: caffemodel,
                                       reference: request, output: answer)
        guard status == 0 else { return nil }
        return Dictionary(uniqueKeysWithValues: try NPZ.read(path: answer).map { (String($0.name.dropFirst(4)), $0.tensor) })
    }

    /// A seeded uniform [0, 1) tensor.
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: Shape(shape), scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextUnitFloat() })
    }
}

extension Tensor {
    /// The scalars' bit patterns, for bit-exact comparisons.
    var bits: [UInt32] { scalars.map(\.bitPattern) }
}
