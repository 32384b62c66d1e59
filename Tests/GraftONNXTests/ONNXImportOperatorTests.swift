import Foundation
import GraftCore
import GraftIO
import GraftTestSupport
import Testing
@testable import GraftONNX

private func node(_ op: String, _ inputs: [String], _ outputs: [String] = ["y"], _ attributes: [ONNXAttribute] = []) -> ONNXNode {
    ONNXNode(opType: op, inputs: inputs, outputs: outputs, attributes: attributes)
}
private func ints(_ name: String, _ v: [Int64]) -> ONNXAttribute { ONNXAttribute(name, .ints(v)) }
private func int(_ name: String, _ v: Int64) -> ONNXAttribute { ONNXAttribute(name, .int(v)) }
private func float(_ name: String, _ v: Float) -> ONNXAttribute { ONNXAttribute(name, .float(v)) }
private func string(_ name: String, _ v: String) -> ONNXAttribute { ONNXAttribute(name, .string(Array(v.utf8))) }
private func weight(_ name: String, _ dims: [Int], seed: UInt64) -> ONNXTensor {
    ONNXTensor(name: name, dims: dims, floats: ONNXImportSupport.random(dims, seed: seed))
}
private func int64s(_ name: String, _ values: [Int64], dims: [Int]? = nil) -> ONNXTensor {
    ONNXTensor(name: name, dims: dims ?? [values.count], int64s: values)
}
private func scalar(_ name: String, _ v: Float) -> ONNXTensor { ONNXTensor(name: name, dims: [], floats: [v]) }

/// One small model per operator setting, opsets 7 to 21, each run by Graft and by ONNX Runtime.
struct ONNXOperatorCase: Sendable, CustomStringConvertible {
    var name: String
    var model: ONNXModel
    var description: String { name }

    init(_ name: String, opset: Int, _ nodes: [ONNXNode], _ initializers: [ONNXTensor] = [], inputs: [(String, [Int])] = [("x", [1, 4, 6, 6])],
         outputs: [String] = ["y"]) {
        self.name = name
        model = ONNXImportSupport.model(opset: opset, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
    }

    static let all: [ONNXOperatorCase] = [
        // Convolution
        .init("Conv pads group 2", opset: 9, [node("Conv", ["x", "w", "b"], ["y"], [ints("pads", [1, 0, 2, 1]), int("group", 2)])],
              [weight("w", [6, 2, 3, 3], seed: 1), weight("b", [6], seed: 2)]),
        .init("Conv SAME_UPPER stride 2", opset: 11, [node("Conv", ["x", "w"], ["y"], [string("auto_pad", "SAME_UPPER"), ints("strides", [2, 2])])],
              [weight("w", [3, 4, 4, 4], seed: 3)]),
        .init("Conv SAME_LOWER", opset: 13, [node("Conv", ["x", "w"], ["y"], [string("auto_pad", "SAME_LOWER"), ints("kernel_shape", [2, 2])])],
              [weight("w", [3, 4, 2, 2], seed: 4)]),
        .init("Conv VALID dilation 2", opset: 17, [node("Conv", ["x", "w"], ["y"], [string("auto_pad", "VALID"), ints("dilations", [2, 2])])],
              [weight("w", [2, 4, 2, 2], seed: 5)]),
        .init("ConvTranspose output_padding", opset: 11,
              [node("ConvTranspose", ["x", "w", "b"], ["y"], [ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1]), ints("output_padding", [1, 1])])],
              [weight("w", [4, 3, 3, 3], seed: 6), weight("b", [3], seed: 7)]),
        .init("ConvTranspose output_shape", opset: 9, [node("ConvTranspose", ["x", "w"], ["y"], [ints("strides", [2, 2]), ints("output_shape", [12, 12])])],
              [weight("w", [4, 2, 3, 3], seed: 8)]),
        .init("ConvTranspose SAME_UPPER group 2", opset: 17,
              [node("ConvTranspose", ["x", "w"], ["y"], [ints("strides", [2, 2]), string("auto_pad", "SAME_UPPER"), int("group", 2)])],
              [weight("w", [4, 1, 3, 3], seed: 9)]),
        // Dense
        .init("Gemm transB alpha beta", opset: 9, [node("Gemm", ["x", "w", "c"], ["y"], [int("transB", 1), float("alpha", 0.5), float("beta", 2)])],
              [weight("w", [5, 8], seed: 10), weight("c", [5], seed: 11)], inputs: [("x", [1, 8])]),
        .init("Gemm B [K, N] C [1, N]", opset: 13, [node("Gemm", ["x", "w", "c"])], [weight("w", [8, 5], seed: 12), weight("c", [1, 5], seed: 13)],
              inputs: [("x", [1, 8])]),
        .init("Gemm scalar C", opset: 11, [node("Gemm", ["x", "w", "c"], ["y"], [int("transB", 1)])], [weight("w", [5, 8], seed: 14), scalar("c", 0.25)],
              inputs: [("x", [1, 8])]),
        .init("MatMul 3-D by constant", opset: 13, [node("MatMul", ["x", "w"])], [weight("w", [6, 3], seed: 15)], inputs: [("x", [1, 4, 6])]),
        // Arithmetic with constants and between values
        .init("Add per-channel [C,1,1]", opset: 9, [node("Add", ["x", "c"])], [weight("c", [4, 1, 1], seed: 16)]),
        .init("Sub constant first per-channel", opset: 13, [node("Sub", ["c", "x"])], [weight("c", [1, 4, 1, 1], seed: 17)]),
        .init("Mul scalar", opset: 7, [node("Mul", ["x", "c"])], [scalar("c", -1.5)]),
        .init("Div by per-channel", opset: 14, [node("Div", ["x", "c"])], [ONNXTensor(name: "c", dims: [4, 1, 1], floats: [0.5, 2, -4, 1.25])]),
        .init("Div constant by value", opset: 13, [node("Relu", ["x"], ["r"]), node("Add", ["r", "one"], ["p"]), node("Div", ["c", "p"])],
              [scalar("one", 1), weight("c", [6], seed: 18)]),
        .init("Sub general constant", opset: 11, [node("Sub", ["x", "c"])], [weight("c", [6, 6], seed: 19)]),
        .init("Div general constant", opset: 11, [node("Div", ["x", "c"])], [ONNXTensor(name: "c", dims: [6], floats: [1, 2, 4, -2, 0.5, 8])]),
        .init("Sub and Div of values", opset: 13,
              [node("Sigmoid", ["x"], ["s"]), node("Sub", ["x", "s"], ["d"]), node("Add", ["s", "one"], ["t"]), node("Div", ["d", "t"])],
              [scalar("one", 1)]),
        .init("Max Min Sum Mean", opset: 13,
              [node("Tanh", ["x"], ["t"]), node("Sigmoid", ["x"], ["s"]), node("Max", ["x", "t", "s"], ["a"]), node("Min", ["x", "t", "s"], ["b"]),
               node("Mean", ["a", "b", "x"], ["m"]), node("Sum", ["m", "a", "c"])], [weight("c", [4, 1, 1], seed: 20)]),
        .init("Neg and Sqrt", opset: 13, [node("Sigmoid", ["x"], ["s"]), node("Sqrt", ["s"], ["r"]), node("Neg", ["r"])]),
        .init("Pow with a scalar exponent", opset: 13, [node("Sigmoid", ["x"], ["s"]), node("Pow", ["s", "e"])], [scalar("e", -0.75)]),
        // Normalisation and pooling
        .init("BatchNormalization opset 9", opset: 9, [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], [float("epsilon", 1e-3)])],
              [weight("s", [4], seed: 21), weight("b", [4], seed: 22), weight("m", [4], seed: 23),
               ONNXTensor(name: "v", dims: [4], floats: [0.5, 1, 1.5, 2])]),
        .init("BatchNormalization opset 15", opset: 15, [node("BatchNormalization", ["x", "s", "b", "m", "v"])],
              [weight("s", [4], seed: 24), weight("b", [4], seed: 25), weight("m", [4], seed: 26), ONNXTensor(name: "v", dims: [4], floats: [2, 1, 0.25, 3])]),
        .init("InstanceNormalization", opset: 6 + 3, [node("InstanceNormalization", ["x", "s", "b"])], [weight("s", [4], seed: 27), weight("b", [4], seed: 28)]),
        .init("LayerNormalization over C, H, W", opset: 17, [node("LayerNormalization", ["x", "s", "b"], ["y"], [int("axis", 1), float("epsilon", 1e-3)])],
              [weight("s", [4, 6, 6], seed: 29), weight("b", [4, 6, 6], seed: 30)]),
        .init("LayerNormalization last axis, no B", opset: 18, [node("LayerNormalization", ["x", "s"])], [weight("s", [6], seed: 31)]),
        .init("LayerNormalization of a 3-D input", opset: 21, [node("LayerNormalization", ["x", "s", "b"], ["y"], [int("axis", -1)])],
              [weight("s", [8], seed: 32), weight("b", [8], seed: 33)], inputs: [("x", [2, 5, 8])]),
        .init("Reciprocal", opset: 13, [node("Sigmoid", ["x"], ["s"]), node("Reciprocal", ["s"])]),
        .init("LRN", opset: 13, [node("LRN", ["x"], ["y"], [int("size", 3), float("alpha", 0.01), float("beta", 0.6), float("bias", 2)])]),
        .init("MaxPool ceil_mode", opset: 10, [node("MaxPool", ["x"], ["y"], [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), int("ceil_mode", 1)])],
              inputs: [("x", [1, 4, 8, 8])]),
        .init("MaxPool SAME_UPPER", opset: 12, [node("MaxPool", ["x"], ["y"], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2]), string("auto_pad", "SAME_UPPER")])],
              inputs: [("x", [1, 4, 7, 7])]),
        .init("AveragePool include pad", opset: 11,
              [node("AveragePool", ["x"], ["y"], [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), int("count_include_pad", 1)])]),
        .init("AveragePool exclude pad strided", opset: 19,
              [node("AveragePool", ["x"], ["y"], [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1])])]),
        .init("ReduceMean keepdims, ReduceMax not", opset: 13,
              [node("ReduceMean", ["x"], ["m"], [ints("axes", [2, 3])]), node("ReduceMax", ["m"], ["y"], [ints("axes", [-1, -2]), int("keepdims", 0)])]),
        .init("ReduceMean axes input opset 18", opset: 18, [node("ReduceMean", ["x", "a"], ["y"], [int("keepdims", 0)])], [int64s("a", [2, 3])]),
        .init("AveragePool ceil include pad", opset: 19,
              [node("AveragePool", ["x"], ["y"], [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1]),
                                                  int("ceil_mode", 1), int("count_include_pad", 1)])], inputs: [("x", [1, 4, 8, 8])]),
        .init("MaxPool ceil pads", opset: 12,
              [node("MaxPool", ["x"], ["y"], [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [0, 1, 1, 0]), int("ceil_mode", 1)])],
              inputs: [("x", [1, 4, 9, 8])]),
        .init("GlobalMaxPool and GlobalAveragePool", opset: 11, [node("GlobalMaxPool", ["x"], ["a"]), node("GlobalAveragePool", ["x"], ["b"]), node("Add", ["a", "b"])]),
        // Activations
        .init("LeakyRelu", opset: 7, [node("LeakyRelu", ["x"], ["y"], [float("alpha", 0.2)])]),
        .init("PRelu [C,1,1]", opset: 9, [node("PRelu", ["x", "s"])], [weight("s", [4, 1, 1], seed: 29)]),
        .init("PRelu shared", opset: 16, [node("PRelu", ["x", "s"])], [ONNXTensor(name: "s", dims: [1], floats: [0.3])]),
        .init("Clip attributes opset 7", opset: 7, [node("Clip", ["x"], ["y"], [float("min", -0.5), float("max", 0.25)])]),
        .init("Clip inputs 0..6 opset 11", opset: 11, [node("Mul", ["x", "k"], ["z"]), node("Clip", ["z", "lo", "hi"])], [scalar("k", 8), scalar("lo", 0), scalar("hi", 6)]),
        .init("Clip max only opset 13", opset: 13, [node("Clip", ["x", "", "hi"])], [scalar("hi", 0.1)]),
        .init("Elu Selu", opset: 13, [node("Elu", ["x"], ["e"], [float("alpha", 0.7)]), node("Selu", ["e"])]),
        .init("HardSigmoid default", opset: 7, [node("HardSigmoid", ["x"])]),
        .init("HardSigmoid custom", opset: 13, [node("Mul", ["x", "k"], ["z"]), node("HardSigmoid", ["z"], ["y"], [float("alpha", 0.3), float("beta", 0.4)])], [scalar("k", 4)]),
        .init("HardSwish Softplus", opset: 14, [node("HardSwish", ["x"], ["h"]), node("Softplus", ["h"])]),
        .init("Erf GELU chain as PyTorch writes it", opset: 13,
              [node("Div", ["x", "sqrt2"], ["d"]), node("Erf", ["d"], ["e"]), node("Add", ["e", "one"], ["a"]), node("Mul", ["x", "a"], ["m"]),
               node("Mul", ["m", "half"])], [scalar("sqrt2", Float(2).squareRoot()), scalar("one", 1), scalar("half", 0.5)]),
        .init("Gelu", opset: 20, [node("Gelu", ["x"], ["g"]), node("Gelu", ["g"], ["y"], [string("approximate", "tanh")])]),
        .init("Softmax opset 11 coerces to 2-D", opset: 11, [node("Softmax", ["x"])]),
        .init("Softmax opset 13 axis 1", opset: 13, [node("Softmax", ["x"], ["y"], [int("axis", 1)])]),
        .init("Sigmoid Tanh", opset: 13, [node("Sigmoid", ["x"], ["s"]), node("Tanh", ["s"])]),
        // Structure
        .init("Concat with constant", opset: 11, [node("Concat", ["x", "c", "x"], ["y"], [int("axis", 1)])], [weight("c", [1, 2, 6, 6], seed: 30)]),
        .init("Flatten axis 2", opset: 13, [node("Flatten", ["x"], ["y"], [int("axis", 2)])]),
        .init("Shape Gather Unsqueeze Concat Reshape", opset: 11,
              [node("Shape", ["x"], ["s"]), node("Gather", ["s", "i0"], ["n"], [int("axis", 0)]), node("Unsqueeze", ["n"], ["u"], [ints("axes", [0])]),
               node("Concat", ["u", "minus1"], ["t"], [int("axis", 0)]), node("Reshape", ["x", "t"], ["r"]), node("Softmax", ["r"], ["y"], [int("axis", 1)])],
              [int64s("i0", [0], dims: []), int64s("minus1", [-1])]),
        .init("Reshape with 0 and Transpose", opset: 13,
              [node("Reshape", ["x", "s"], ["r"]), node("Transpose", ["r"], ["t"], [ints("perm", [0, 2, 1, 3, 4])]), node("Reshape", ["t", "back"])],
              [int64s("s", [0, 2, 2, 6, 6]), int64s("back", [1, 4, 6, 6])]),
        .init("Squeeze Unsqueeze opset 11", opset: 11,
              [node("GlobalAveragePool", ["x"], ["g"]), node("Squeeze", ["g"], ["s"], [ints("axes", [2, 3])]), node("Unsqueeze", ["s"], ["y"], [ints("axes", [2])])]),
        .init("Squeeze Unsqueeze opset 13", opset: 13,
              [node("GlobalAveragePool", ["x"], ["g"]), node("Squeeze", ["g", "a"], ["s"]), node("Unsqueeze", ["s", "b"])],
              [int64s("a", [-1, -2]), int64s("b", [-1])]),
        .init("Pad attribute opset 7", opset: 7, [node("Pad", ["x"], ["y"], [ints("pads", [0, 0, 1, 2, 0, 0, 2, 0]), float("value", 0.5)])]),
        .init("Pad inputs opset 13", opset: 13, [node("Pad", ["x", "p", "v"])], [int64s("p", [0, 0, 0, 1, 0, 0, 3, 1]), scalar("v", -1)]),
        .init("Split attribute opset 11", opset: 11, [node("Split", ["x"], ["a", "b"], [int("axis", 1), ints("split", [1, 3])]), node("Concat", ["b", "a"], ["y"], [int("axis", 1)])]),
        .init("Split input opset 13", opset: 13, [node("Split", ["x", "s"], ["a", "b", "c"], [int("axis", 2)]), node("Sum", ["a", "b", "c"])],
              [int64s("s", [2, 2, 2])]),
        .init("Split num_outputs opset 18", opset: 18, [node("Split", ["x"], ["a", "b"], [int("axis", 1), int("num_outputs", 2)]), node("Mul", ["a", "b"])]),
        .init("Slice attributes opset 9", opset: 9, [node("Slice", ["x"], ["y"], [ints("starts", [1, 2]), ints("ends", [3, 100]), ints("axes", [1, 3])])]),
        .init("Slice inputs negative opset 13", opset: 13, [node("Slice", ["x", "st", "en", "ax"])],
              [int64s("st", [-5]), int64s("en", [-1]), int64s("ax", [2])]),
        .init("Upsample opset 9", opset: 9, [node("Upsample", ["x", "s"], ["y"], [string("mode", "nearest")])],
              [ONNXTensor(name: "s", dims: [4], floats: [1, 1, 2, 3])]),
        .init("Resize scales opset 11", opset: 11,
              [node("Resize", ["x", "roi", "s"], ["y"], [string("mode", "nearest"), string("coordinate_transformation_mode", "asymmetric"), string("nearest_mode", "floor")])],
              [ONNXTensor(name: "roi", dims: [0], floats: []), ONNXTensor(name: "s", dims: [4], floats: [1, 1, 2, 2])]),
        .init("Resize sizes half_pixel opset 13", opset: 13,
              [node("Resize", ["x", "", "", "sz"], ["y"], [string("mode", "nearest")])], [int64s("sz", [1, 4, 18, 12])]),
        .init("Dropout ratio input and Identity", opset: 12, [node("Dropout", ["x", "r"], ["d"]), node("Identity", ["d"])], [scalar("r", 0.3)]),
        .init("Constant ConstantOfShape Cast", opset: 11,
              [node("Constant", [], ["k"], [ONNXAttribute("value", .tensor(ONNXTensor(name: "", dims: [2], int64s: [1, 6])))]),
               node("ConstantOfShape", ["k"], ["c"], [ONNXAttribute("value", .tensor(ONNXTensor(name: "", dims: [1], floats: [0.5])))]),
               node("Cast", ["c"], ["f"], [int("to", 1)]), node("Add", ["x", "f"])]),
    ]
}

@Suite("ONNX import: operators against ONNX Runtime")
struct ONNXImportOperatorTests {
    @Test(.enabled(if: CrossCheck.runs(CrossCheck.onnxPython != nil), "needs the ONNX venv (GRAFT_ONNX_PYTHON)"))
    func everyOperatorCaseMatchesONNXRuntime() throws {
        let directory = TemporaryDirectory()
        var paths: [String] = []
        var inputs: [[Tensor]] = []
        for (index, c) in ONNXOperatorCase.all.enumerated() {
            let path = directory.path("case\(index).onnx")
            try ONNXWriter.write(c.model, to: path)
            var feeds: [Tensor] = []
            for (k, input) in c.model.graph.inputs.enumerated() {
                let dims = input.shape!.map { if case .value(let v) = $0 { v } else { 1 } }
                let t = Tensor(shape: Shape(dims), scalars: ONNXImportSupport.random(dims, seed: UInt64(100 + index * 7 + k)))
                try NPY.write(t, to: directory.path("case\(index).input\(k).npy"))
                feeds.append(t)
            }
            paths.append(path)
            inputs.append(feeds)
        }
        try ONNXImportSupport.python([ONNXImportSupport.fixture("ort_run.py")] + paths)
        var failures: [String] = []
        var compared = 0
        for (index, c) in ONNXOperatorCase.all.enumerated() {
            do {
                let imported = try ONNXImporter.importModel(path: paths[index])
                guard imported.opaqueNodes.isEmpty else { failures.append("\(c.name): opaque \(imported.opaqueNodes)"); continue }
                let outputs = try ONNXImportSupport.run(imported.model, inputs: inputs[index])
                for (k, output) in outputs.enumerated() {
                    let expected = try NPY.read(path: directory.path("case\(index).output\(k).npy"))
                    guard expected.scalars.count == output.scalars.count else {
                        failures.append("\(c.name): output \(k) has shape \(output.shape), ONNX Runtime \(expected.shape)")
                        continue
                    }
                    let agreement = TensorComparison(output.scalars, expected.scalars)
                    compared += 1
                    if !agreement.passed { failures.append("\(c.name): \(agreement)") }
                }
            } catch {
                failures.append("\(c.name): \(error)")
            }
        }
        print("ONNX operator cases: \(compared) outputs of \(ONNXOperatorCase.all.count) models compared with ONNX Runtime")
        #expect(compared >= ONNXOperatorCase.all.count)
        #expect(failures.isEmpty, "\(failures.count) of \(ONNXOperatorCase.all.count) cases:\n\(failures.joined(separator: "\n"))")
    }
}
