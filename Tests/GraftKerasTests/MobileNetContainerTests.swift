import Foundation
import Testing
import GraftCore
import GraftTestSupport
@testable import GraftKeras

/// The same MobileNet (alpha 0.25, 128x128) written by tf.keras and Keras 3 in five containers
/// must import to the same layers and bit-identical weights.
@Suite(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras/generated_mobilenet025")), "\(SharedData.absentMessage)"))
struct MobileNetContainerTests {
    static let directory = "generated_mobilenet025/"

    /// Each container, with the architecture the weights-only ones need.
    static let containers: [(file: String, architecture: String?, layout: KerasFileLayout)] = [
        ("mobilenet025_tfk.h5", nil, .legacyFull),
        ("mobilenet025_tfk_weights.h5", "mobilenet025_tfk.h5", .legacyWeights),
        ("mobilenet025_k3.h5", nil, .legacyFull),
        ("mobilenet025_k3.weights.h5", "mobilenet025_k3.keras", .keras3Weights),
        ("mobilenet025_k3.keras", nil, .keras3Archive),
    ]

    static func load(_ index: Int) throws -> KerasModel {
        let container = containers[index]
        return try KerasModel.load(path: KerasFixtures.reference(directory + container.file),
                                   architecture: container.architecture.map { KerasFixtures.reference(directory + $0) })
    }

    /// The layer list with the input layer's name (input_1 in tf.keras, input_layer in Keras 3)
    /// replaced, so that the writers' naming is the only thing ignored.
    static func normalized(_ model: KerasModel) -> [KerasLayer] {
        let inputName = model.inputs[0].name
        return model.layers.map { layer in
            var layer = layer
            if layer.name == inputName { layer.name = "<input>" }
            layer.inboundNodes = layer.inboundNodes.map { node in
                KerasInboundNode(inputs: node.inputs.map { c in
                    c.layer == inputName ? KerasConnection(layer: "<input>", nodeIndex: c.nodeIndex, tensorIndex: c.tensorIndex) : c
                })
            }
            layer.weights = []
            layer.dtype = nil
            // tf.keras writes BatchNormalization's axis resolved against the input rank ([3]),
            // Keras 3 as given (-1): the same axis for these rank-4 NHWC tensors.
            if case .batchNormalization(var bn) = layer.configuration, bn.axis == 3 {
                bn.axis = -1
                layer.configuration = .batchNormalization(bn)
            }
            return layer
        }
    }

    @Test(arguments: 0..<5)
    func containerLoads(_ index: Int) throws {
        let model = try Self.load(index)
        #expect(model.layout == Self.containers[index].layout)
        #expect(model.name == "mobilenet_0.25_128")
        #expect(model.layers.count == 91)
        // h5py: 137 arrays, 475,544 parameters in every container.
        #expect(model.layers.reduce(0) { $0 + $1.weights.count } == 137)
        #expect(model.parameterCount == 475_544)
        #expect(model.classHistogram == ["Activation": 1, "BatchNormalization": 27, "Conv2D": 15, "DepthwiseConv2D": 13,
                                         "Dropout": 1, "GlobalAveragePooling2D": 1, "InputLayer": 1, "ReLU": 27,
                                         "Reshape": 1, "ZeroPadding2D": 4])
        #expect(model.inputs.count == 1 && model.inputs[0].shape == [128, 128, 3])
        #expect(model.outputs == [KerasConnection(layer: "predictions")])
        #expect(model.layers.allSatisfy { $0.isSupported })
        #expect(model.weightShapes["conv1"] == [[3, 3, 3, 8]])
        #expect(model.weightShapes["conv_dw_1"] == [[3, 3, 8, 1]])
        #expect(model.weightShapes["conv_preds"] == [[1, 1, 256, 1000], [1000]])
        #expect(model.layer(named: "conv_dw_13")?.weights.map(\.name) == ["depthwise_kernel"])
        guard case .relu(let relu6) = model.layer(named: "conv1_relu")?.configuration else { Issue.record("not ReLU"); return }
        #expect(relu6.maxValue == 6)
        guard case .zeroPadding2D(let pad) = model.layer(named: "conv_pad_2")?.configuration else {
            Issue.record("not ZeroPadding2D"); return
        }
        #expect(pad.padding == KerasInsets2D(top: 0, bottom: 1, left: 0, right: 1))
        guard case .globalAveragePooling2D(let pool) = model.layer(named: "global_average_pooling2d")?.configuration else {
            Issue.record("not GlobalAveragePooling2D"); return
        }
        #expect(pool.keepdims)
        guard case .reshape(let target) = model.layer(named: "reshape_2")?.configuration else { Issue.record("not Reshape"); return }
        #expect(target == [1000])
    }

    @Test func allContainersAgree() throws {
        let models = try (0..<5).map(Self.load)
        let reference = models[0]
        let referenceLayers = Self.normalized(reference)
        for (index, model) in models.enumerated().dropFirst() {
            let file = Self.containers[index].file
            let layers = Self.normalized(model)
            #expect(layers.count == referenceLayers.count)
            for (layer, expected) in zip(layers, referenceLayers) where layer != expected {
                Issue.record("\(file): layer \(layer.name) differs: \(layer) vs \(expected)")
            }
            for layer in reference.layers where !layer.weights.isEmpty {
                let other = try #require(model.layer(named: layer.name), "\(file) lacks \(layer.name)")
                #expect(other.weights.map(\.name) == layer.weights.map(\.name), "\(file) \(layer.name) names")
                #expect(other.weights.map(\.shape) == layer.weights.map(\.shape), "\(file) \(layer.name) shapes")
                let bitsEqual = zip(other.weights, layer.weights).allSatisfy { a, b in
                    a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
                }
                #expect(bitsEqual, "\(file) \(layer.name) values differ")
            }
        }
    }

    @Test func keras3GroupsFollowCreationOrderNotNames() throws {
        // Alphabetically batch_normalization_10 precedes batch_normalization_2; Keras 3 counts in
        // model.layers order, so the 11th BatchNormalization (conv_pw_5_bn) owns group _10.
        let model = try Self.load(3)
        let bn = try #require(model.layer(named: "conv_pw_5_bn"))
        #expect(bn.weights[0].sourcePath == "/layers/batch_normalization_10/vars/0")
        #expect(model.layer(named: "predictions")?.className == "Activation")
        #expect(model.layer(named: "conv_dw_1")?.weights[0].sourcePath == "/layers/depthwise_conv2d/vars/0")
    }
}
