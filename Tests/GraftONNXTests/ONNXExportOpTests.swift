import Foundation
import GraftCore
import GraftTestSupport
import Testing
@testable import GraftONNX

/// One small graph per operation and setting, exported at opsets 13, 17 and 21 (the decompositions
/// differ: HardSwish below 14, LayerNormalization below 17, ReduceMean's axes from 18, Gelu from
/// 20), checked by `onnx.checker` and run by ONNX Runtime against Graft's forward pass.
@Suite(.enabled(if: CrossCheck.runs(CrossCheck.onnxPython != nil), "\(ONNXRuntimeCheck.absentMessage)"))
struct ONNXExportOpTests {
    typealias G = ONNXExportGraphs

    /// 10 x 12 with kernel 3, stride 2: Caffe's ceil rounding adds a last window that overhangs
    /// the (end) padding, where the divisors differ.
    static func pool(_ name: String, _ p: Pooling, input: Shape = [2, 3, 10, 12]) -> (String, Model) {
        (name, G.single(name, .pooling(p), input: input))
    }

    /// Convolutions, inner products, pooling (Caffe's ceil mode and both divisors), LRN.
    static var spatial: [(String, Model)] {
        [
            ("conv_grouped_dilated_asymmetric", G.single("conv", .convolution(Convolution(
                outputChannels: 6, kernel: [3, 3], stride: [2, 1], padBegin: [1, 0], padEnd: [2, 1], dilation: [2, 1], groups: 2)))),
            ("conv_depthwise_no_bias", G.single("dw", .convolution(Convolution(
                outputChannels: 8, kernel: [3, 3], padBegin: [1, 1], groups: 4, hasBias: false)))),
            ("deconv_output_padding", G.single("deconv", .deconvolution(Deconvolution(
                outputChannels: 6, kernel: [3, 3], stride: [2, 2], padBegin: [1, 0], padEnd: [0, 1], outputPadding: [1, 1])))),
            ("deconv_grouped_dilated", G.single("deconv_g", .deconvolution(Deconvolution(
                outputChannels: 6, kernel: [3, 2], stride: [1, 2], padBegin: [1, 1], dilation: [2, 1], groups: 2)))),
            ("inner_product_4d", G.single("ip", .innerProduct(InnerProduct(outputCount: 5)))),
            ("inner_product_axis2", G.single("ip2", .innerProduct(InnerProduct(outputCount: 3, axis: 2)))),
            ("inner_product_last_axis_no_bias", G.single("ip3", .innerProduct(InnerProduct(outputCount: 3, hasBias: false, axis: -1)))),
            ("inner_product_2d", G.single("ip4", .innerProduct(InnerProduct(outputCount: 3)), input: [3, 7])),
            pool("max_ceil_pads", Pooling(method: .max, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil)),
            pool("avg_ceil_pads_include", Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil)),
            pool("avg_ceil_pads_exclude", Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil,
                                                  averageDivisor: .excludePadding)),
            pool("avg_ceil_overhang_no_pads", Pooling(method: .average, kernel: [3, 3], stride: [2, 2], rounding: .ceil)),
            pool("max_ceil_overhang_no_pads", Pooling(method: .max, kernel: [3, 2], stride: [2, 2], rounding: .ceil)),
            // 5 + 2 pads, kernel 2, stride 2: ceil gives 4 windows, Caffe drops the one starting in the end padding.
            pool("max_ceil_drops_window", Pooling(method: .max, kernel: [2, 2], stride: [2, 2], padBegin: [1, 1], rounding: .ceil),
                 input: [1, 2, 5, 5]),
            pool("avg_ceil_drops_window", Pooling(method: .average, kernel: [2, 2], stride: [2, 2], padBegin: [1, 1], rounding: .ceil),
                 input: [1, 2, 5, 5]),
            pool("avg_asymmetric_include", Pooling(method: .average, kernel: [3, 3], stride: [1, 2], padBegin: [0, 1], padEnd: [2, 0])),
            pool("avg_asymmetric_exclude", Pooling(method: .average, kernel: [3, 3], stride: [1, 2], padBegin: [0, 1], padEnd: [2, 0],
                                                   averageDivisor: .excludePadding)),
            pool("max_asymmetric", Pooling(method: .max, kernel: [2, 3], stride: [2, 2], padBegin: [1, 0], padEnd: [0, 2])),
            pool("global_average", Pooling(method: .average, global: true)),
            pool("global_max", Pooling(method: .max, global: true)),
            ("lrn_across", G.single("lrn", .lrn(LRN(region: .acrossChannels, size: 3, alpha: 0.5, beta: 0.75, k: 2)), input: [2, 5, 6, 7])),
            ("lrn_within", G.single("lrn_w", .lrn(LRN(region: .withinChannel, size: 3, alpha: 0.8, beta: 0.75)), input: [2, 5, 6, 7])),
        ]
    }

    /// Normalisations, per-channel arithmetic, every ReLU form and activation, Power, Softmax.
    static var elementwise: [(String, Model)] {
        var cases: [(String, Model)] = [
            ("batchnorm_scale_shift", G.single("bn", .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)))),
            ("batchnorm_bare", G.single("bn0", .batchNorm(BatchNorm(epsilon: 1e-5)))),
            ("layernorm_channels", G.single("ln", .layerNorm(LayerNormalization(axis: 1, epsilon: 1e-6)))),
            ("layernorm_trailing", G.single("ln2", .layerNorm(LayerNormalization(axis: 1, endAxis: -1, epsilon: 1e-5, hasShift: false)))),
            ("layernorm_rank3", G.single("ln3", .layerNorm(LayerNormalization(axis: 2, epsilon: 1e-3)), input: [2, 5, 8])),
            ("l2norm_channels", G.single("n1", .l2Norm(L2Normalization(acrossSpatial: false, channelShared: false, epsilon: 1e-10)))),
            ("l2norm_spatial_shared", G.single("n2", .l2Norm(L2Normalization(acrossSpatial: true, channelShared: true, epsilon: 1e-6)))),
            ("scale_channel_bias", G.single("scale", .scale(Scale(axis: 1, axisCount: 1, hasBias: true)))),
            ("scale_spatial", G.single("scale2", .scale(Scale(axis: 2, axisCount: 2)))),
            ("bias_channel", G.single("bias", .bias(Bias()))),
            ("relu", G.single("relu", .relu(ReLU()))),
            ("leaky_relu", G.single("leaky", .relu(ReLU(negativeSlope: 0.1)))),
            ("relu_max", G.single("relu6", .relu(ReLU(maxValue: 0.5)))),
            ("relu_threshold", G.single("thr", .relu(ReLU(negativeSlope: 0.1, maxValue: 0.7, threshold: 0.2)))),
            ("leaky_relu_max", G.single("lmax", .relu(ReLU(negativeSlope: 0.3, maxValue: 0.6)))),
            ("prelu_channels", G.single("prelu", .prelu(PReLU()))),
            ("prelu_shared", G.single("prelu1", .prelu(PReLU(channelShared: true)))),
            ("prelu_2d", G.single("prelu2", .prelu(PReLU()), input: [3, 6])),
            ("power", G.single("pow", .power(Power(power: 2, scale: 0.5, shift: 1.5)))),
            ("power_sqrt", G.single("sqrt", .power(Power(power: 0.5, scale: 0.25, shift: 1)))),
            ("power_affine", G.single("affine", .power(Power(power: 1, scale: -2, shift: 0.5)))),
            ("softmax_channels", G.single("sm", .softmax(Softmax(axis: 1)))),
            ("softmax_height", G.single("sm2", .softmax(Softmax(axis: 2)))),
            ("softmax_last", G.single("sm3", .softmax(Softmax(axis: -1)))),
            ("dropout", G.single("drop", .dropout(Dropout(ratio: 0.3)))),
        ]
        let activations: [Activation] = [.elu(alpha: 0.7), .selu, .sigmoid, .tanh, .hardSigmoid, .hardSigmoidOneSixth, .swish,
                                         .hardSwish, .gelu(approximate: false), .gelu(approximate: true), .softplus]
        for (i, f) in activations.enumerated() {
            cases.append(("activation_\(f.name)", G.single("act\(i)", .activation(f))))
        }
        return cases
    }

    /// Merges, layouts, crops, splits, pads and constants.
    static var structure: [(String, Model)] {
        let x: Shape = [2, 4, 9, 11]
        return [
            ("concat_branches", G.model("concat", input: x, [
                Node(name: "a", op: .relu(ReLU()), inputs: ["data"]),
                Node(name: "b", op: .activation(.tanh), inputs: ["data"]),
                Node(name: "cat", op: .concat(Concat(axis: 3)), inputs: ["a", "b", "data"]),
            ])),
            ("eltwise_sum_coefficients", G.model("esum", input: x, [
                Node(name: "a", op: .activation(.sigmoid), inputs: ["data"]),
                Node(name: "b", op: .relu(ReLU()), inputs: ["data"]),
                Node(name: "sum", op: .eltwise(Eltwise(operation: .sum, coefficients: [1, -0.5, 2])), inputs: ["data", "a", "b"]),
            ])),
            ("eltwise_sum_two_coefficients", G.model("esum2", input: x, [
                Node(name: "a", op: .activation(.sigmoid), inputs: ["data"]),
                Node(name: "sum", op: .eltwise(Eltwise(operation: .sum, coefficients: [0.25, 3])), inputs: ["data", "a"]),
            ])),
            ("eltwise_product_max", G.model("eprod", input: x, [
                Node(name: "a", op: .activation(.sigmoid), inputs: ["data"]),
                Node(name: "b", op: .activation(.tanh), inputs: ["data"]),
                Node(name: "prod", op: .eltwise(Eltwise(operation: .product)), inputs: ["data", "a", "b"]),
                Node(name: "max", op: .eltwise(Eltwise(operation: .max)), inputs: ["prod", "a", "data"]),
            ])),
            ("flatten_channels_last_dense", G.model("flat_cl", input: x, [
                Node(name: "flat", op: .flatten(Flatten(order: .channelsLast)), inputs: ["data"]),
                Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 5)), inputs: ["flat"]),
            ], outputs: ["flat", "fc"])),
            ("flatten_middle_axes", G.single("flat_mid", .flatten(Flatten(axis: 2, endAxis: 3)))),
            ("flatten_channels_height", G.single("flat_ch", .flatten(Flatten(axis: 1, endAxis: 2)))),
            ("flatten_default", G.single("flat", .flatten(Flatten()))),
            ("reshape_copy_infer", G.single("reshape", .reshape(Reshape(shape: [0, -1, 11])))),
            ("reshape_explicit", G.single("reshape2", .reshape(Reshape(shape: [0, 2, 2, 99])))),
            ("permute", G.single("perm", .permute(Permute(order: [0, 2, 3, 1])))),
            ("crop_one_input", G.single("crop", .crop(Crop(axis: 2, offsets: [1, 2], endCrops: [2, 1])))),
            ("crop_reference", G.model("crop2", input: x, [
                Node(name: "ref", op: .pooling(Pooling(method: .max, kernel: [2, 2], stride: [2, 2])), inputs: ["data"]),
                Node(name: "crop", op: .crop(Crop(axis: 2, offsets: [3, 1])), inputs: ["data", "ref"]),
            ])),
            ("crop_reference_all_axes", G.model("crop3", input: x, [
                Node(name: "ref", op: .convolution(Convolution(outputChannels: 2, kernel: [3, 3])), inputs: ["data"]),
                Node(name: "crop", op: .crop(Crop(axis: 1, offsets: [1])), inputs: ["data", "ref"]),
            ])),
            ("slice_points", G.model("slice", input: x, [
                Node(name: "split", op: .slice(Slice(axis: 1, points: [1, 3])), inputs: ["data"], outputs: ["s0", "s1", "s2"]),
            ], outputs: ["s0", "s1", "s2"])),
            ("slice_equal", G.model("slice2", input: x, [
                Node(name: "split", op: .slice(Slice(axis: 2, points: [])), inputs: ["data"], outputs: ["h0", "h1", "h2"]),
                Node(name: "sum", op: .eltwise(Eltwise(operation: .sum)), inputs: ["h0", "h2"]),
            ], outputs: ["sum", "h1"])),
            ("pad", G.single("pad", .pad(Pad(padBegin: [1, 0], padEnd: [2, 3], value: 0.5)))),
            ("constant_broadcast", G.model("const", input: x, [
                Node(name: "c", op: .constant(Constant(shape: [4, 1, 1])), inputs: []),
                Node(name: "add", op: .eltwise(Eltwise(operation: .sum)), inputs: ["data", "c"]),
                Node(name: "mul", op: .eltwise(Eltwise(operation: .product)), inputs: ["add", "c"]),
            ])),
            ("scale_second_input", G.model("se", input: x, [
                Node(name: "squeeze", op: .pooling(Pooling(method: .average, global: true)), inputs: ["data"]),
                Node(name: "gate", op: .activation(.sigmoid), inputs: ["squeeze"]),
                Node(name: "gate_flat", op: .flatten(Flatten()), inputs: ["gate"]),
                Node(name: "excite", op: .scale(Scale(axis: 0, axisCount: 2)), inputs: ["data", "gate_flat"]),
            ])),
        ]
    }

    /// A Caffe-style block whose BatchNorm, Scale and Bias fold into the convolution.
    static func foldable() -> Model {
        G.model("fold", input: [2, 3, 10, 10], [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 5, kernel: [3, 3], padBegin: [1, 1], hasBias: false)),
                 inputs: ["data"]),
            Node(name: "bn", op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: ["conv"]),
            Node(name: "scale", op: .scale(Scale(axis: 1, axisCount: 1, hasBias: true)), inputs: ["bn"]),
            Node(name: "relu", op: .relu(ReLU()), inputs: ["scale"]),
            Node(name: "conv2", op: .convolution(Convolution(outputChannels: 4, kernel: [1, 1])), inputs: ["relu"]),
            Node(name: "bn2", op: .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: true)), inputs: ["conv2"]),
            Node(name: "bias2", op: .bias(Bias()), inputs: ["bn2"]),
        ])
    }

    static var all: [(String, Model)] { spatial + elementwise + structure }

    @Test(arguments: [13, 17, 21])
    func everyOperationMatchesONNXRuntime(_ opset: Int) throws {
        let options = ONNXExportOptions(opset: opset)
        var jobs = Self.all.map { name, model in
            // Activations see inputs in [-4, 4) so that the clipped and saturated parts count.
            ONNXRuntimeCheck.Job(name, model, options, inputScale: name.hasPrefix("activation_") || name.hasPrefix("relu") ? 4 : 1)
        }
        jobs.append(ONNXRuntimeCheck.Job("fold_batchnorm", Self.foldable(), ONNXExportOptions(opset: opset, foldBatchNorm: true)))
        let results = try ONNXRuntimeCheck.check(jobs)
        #expect(results.count == jobs.reduce(0) { $0 + $1.model.graph.outputs.count }, "every output compared")
    }

    @Test func dynamicBatchRunsAtBatchThree() throws {
        let options = ONNXExportOptions(opset: 17, dynamicBatch: true)
        let names: Set = ["conv_grouped_dilated_asymmetric", "inner_product_axis2", "avg_ceil_pads_include", "flatten_middle_axes",
                          "reshape_copy_infer", "reshape_explicit", "flatten_channels_last_dense", "crop_reference", "slice_points",
                          "scale_second_input", "layernorm_channels", "constant_broadcast", "inner_product_2d"]
        var jobs = Self.all.filter { names.contains($0.0) }.map { ONNXRuntimeCheck.Job($0.0, $0.1, options, batch: 3) }
        #expect(jobs.count == names.count)
        // Weights in an external data file, as models over 1.8 GB are written.
        jobs.append(ONNXRuntimeCheck.Job("external_data", Self.foldable(),
                                         ONNXExportOptions(opset: 17, dynamicBatch: true, externalDataThreshold: 0), batch: 3))
        try ONNXRuntimeCheck.check(jobs)
    }
}
