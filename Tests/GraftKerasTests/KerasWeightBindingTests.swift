import Foundation
import Testing
import GraftHDF5
import GraftTestSupport
@testable import GraftKeras

/// Binding stored arrays to the weights a config expects: by name in every naming scheme Keras
/// has used, by position where names say nothing, and the Keras 3 group naming.
struct KerasWeightBindingTests {
    @Test func roleNames() {
        #expect(KerasWeightBinding.role("conv2d_1_1/kernel:0") == "kernel")
        #expect(KerasWeightBinding.role("conv1/kernel") == "kernel")
        #expect(KerasWeightBinding.role("convolution2d_1_W:0") == "convolution2d_1_W")
        #expect(KerasWeightBinding.role("model/block/dense/bias:12") == "bias")
        #expect(KerasWeightBinding.role("odd:name") == "odd:name")
        let bn = [KerasWeightSpec("gamma", shape: [nil]), KerasWeightSpec("beta", shape: [nil]),
                  KerasWeightSpec("moving_mean", aliases: ["running_mean"], shape: [nil]),
                  KerasWeightSpec("moving_variance", aliases: ["running_std"], shape: [nil])]
        #expect(KerasWeightBinding.resolve("batchnormalization_1_running_std", among: bn) == 3)
        #expect(KerasWeightBinding.resolve("batchnormalization_1_running_mean", among: bn) == 2)
        #expect(KerasWeightBinding.resolve("moving_mean", among: bn) == 2)
        #expect(KerasWeightBinding.resolve("Variable", among: bn) == nil)
    }

    /// Keras's naming.to_snake_case, checked against group names Keras 3 wrote (MobileNet file)
    /// and Keras's automatic layer names.
    @Test func keras3SnakeCase() {
        let expected = ["Conv2D": "conv2d", "ReLU": "re_lu", "PReLU": "p_re_lu", "LeakyReLU": "leaky_re_lu",
                        "BatchNormalization": "batch_normalization", "DepthwiseConv2D": "depthwise_conv2d",
                        "Conv2DTranspose": "conv2d_transpose", "GlobalAveragePooling2D": "global_average_pooling2d",
                        "ZeroPadding2D": "zero_padding2d", "InputLayer": "input_layer", "ELU": "elu", "Dense": "dense",
                        "HTTPServer": "http_server", "Functional": "functional", "My-Layer2": "my_layer2"]
        for (className, snake) in expected { #expect(Keras3WeightReader.snakeCase(className) == snake, "\(className)") }
        #expect(Keras3WeightReader.groupNames(classNames: ["Conv2D", "ReLU", "Conv2D", "Conv2D", "ReLU"])
                == ["conv2d", "re_lu", "conv2d_1", "conv2d_2", "re_lu_1"])
    }

    @Test func keras1NamesAndReorderedArrays() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k1.h5"), json = directory.path("k1.json")
        try Data("""
        {"class_name": "Sequential", "config": [
          {"class_name": "Convolution2D", "config": {"name": "convolution2d_1", "nb_filter": 4, "nb_row": 3, "nb_col": 3,
            "dim_ordering": "th", "batch_input_shape": [null, 2, 8, 8]}},
          {"class_name": "BatchNormalization", "config": {"name": "batchnormalization_1", "axis": 1, "mode": 0}},
          {"class_name": "PReLU", "config": {"name": "prelu_1"}}
        ]}
        """.utf8).write(to: URL(fileURLWithPath: json))
        typealias A = KerasFileBuilder.Array
        try KerasFileBuilder(encoding: .fixedLength).writeLegacyWeights(path, layers: [
            // Keras 1 "th" stores OIHW kernels; names carry the layer name, no slash.
            .init("convolution2d_1", [A("W", [4, 2, 3, 3]), A("b", [4])],
                  paths: ["convolution2d_1_W:0", "convolution2d_1_b:0"]),
            // Stored out of Keras's order: binding by name puts them back.
            .init("batchnormalization_1", [A("r_std", [4]), A("gamma", [4]), A("r_mean", [4]), A("beta", [4])],
                  paths: ["batchnormalization_1_running_std", "batchnormalization_1_gamma",
                          "batchnormalization_1_running_mean", "batchnormalization_1_beta"]),
            .init("prelu_1", [A("alphas", [4, 6, 6])], paths: ["prelu_1_alphas:0"]),
        ], kerasVersion: nil, backend: nil)
        let model = try KerasModel.load(path: path, architecture: json)
        #expect(model.warnings.contains(.backendMissing) && model.warnings.contains(.kerasVersionMissing))
        let conv = try #require(model.layer(named: "convolution2d_1"))
        #expect(conv.weights.map(\.name) == ["kernel", "bias"])
        #expect(conv.weights[0].shape == [4, 2, 3, 3])
        let bn = try #require(model.layer(named: "batchnormalization_1"))
        #expect(bn.weights.map(\.name) == ["gamma", "beta", "moving_mean", "moving_variance"])
        #expect(bn.weights.map(\.sourcePath) == ["/batchnormalization_1/batchnormalization_1_gamma",
                                                 "/batchnormalization_1/batchnormalization_1_beta",
                                                 "/batchnormalization_1/batchnormalization_1_running_mean",
                                                 "/batchnormalization_1/batchnormalization_1_running_std"])
        #expect(model.layer(named: "prelu_1")?.weights.map(\.name) == ["alpha"])
    }

    @Test func unrecognisedNamesBindByPositionWithAWarning() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("m.h5")
        var layers = KerasConfigs.sequentialLayers()
        layers[4].paths = ["Variable_1:0", "Variable_2:0"]
        try KerasFileBuilder().writeLegacyFull(path, config: KerasConfigs.sequential(), layers: layers)
        let model = try KerasModel.load(path: path)
        #expect(model.warnings == [.weightsBoundByPosition(layer: "fc", names: ["Variable_1:0", "Variable_2:0"])])
        #expect(model.layer(named: "fc")?.weights.map(\.name) == ["kernel", "bias"])
    }

    @Test func chunkedLayerNamesAndFixedStrings() throws {
        // 300 dense layers with 230-byte names: layer_names needs 2 chunks.
        let count = 300
        let names = (0..<count).map { "dense_" + String(repeating: "n", count: 220) + String(format: "_%03d", $0) }
        var layers = ["{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"in\", \"batch_input_shape\": [null, 2]}}"]
        layers += names.map { "{\"class_name\": \"Dense\", \"config\": {\"name\": \"\($0)\", \"units\": 2}}" }
        let config = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"deep\", \"layers\": [\(layers.joined(separator: ","))]}}"
        let directory = TemporaryDirectory()
        let path = directory.path("deep.h5")
        let stored = [KerasFileBuilder.LegacyLayer("in")] + names.map {
            KerasFileBuilder.LegacyLayer($0, [.init("kernel", [2, 2]), .init("bias", [2])])
        }
        try KerasFileBuilder(encoding: .fixedLength).writeLegacyFull(path, config: config, layers: stored)
        let file = try HDF5File.open(path: path).root().group("model_weights")
        #expect(try file.attributes.contains("layer_names0") && !file.attributes.contains("layer_names"))
        let model = try KerasModel.load(path: path)
        #expect(model.layers.count == count + 1)
        #expect(model.parameterCount == count * 6)
    }

    /// A nested Sequential is flattened: its layer's variables are found under the nested model's
    /// own `layers/` group and bound to the scoped layer.
    @Test func keras3NestedModelIsFlattenedWithItsArrays() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("nested.weights.h5"), json = directory.path("nested.json")
        try Data("""
        {"class_name": "Sequential", "config": {"name": "outer", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
          {"class_name": "Dense", "config": {"name": "first", "units": 3}},
          {"class_name": "Sequential", "config": {"name": "inner", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "inner_input"}},
            {"class_name": "Dense", "config": {"name": "middle", "units": 3, "use_bias": false}}]}},
          {"class_name": "Dense", "config": {"name": "last", "units": 1}}
        ]}}
        """.utf8).write(to: URL(fileURLWithPath: json))
        do {
            let root = try HDF5File.create(path: path).root()
            try KerasFileBuilder().fillKeras3(root, groups: [
                .init("dense", layerName: "first", [.init("k", [3, 3]), .init("b", [3])]),
                .init("sequential", layerName: "inner"),
                .init("dense_1", layerName: "last", [.init("k", [3, 1]), .init("b", [1])]),
            ], optimizer: true)
            let inner = try root.group("layers/sequential").createGroup("layers").createGroup("dense").createGroup("vars")
            try inner.createDataset("0", shape: [3, 3], values: [Float](repeating: 1, count: 9))
        }
        let model = try KerasModel.load(path: path, architecture: json)
        #expect(model.layers.map(\.name) == ["input_layer", "first", "inner/middle", "last"])
        let middle = try #require(model.layer(named: "inner/middle"))
        #expect(middle.isSupported)
        #expect(middle.weights.map(\.name) == ["kernel"] && middle.weights[0].values == [Float](repeating: 1, count: 9))
        #expect(middle.inputs == [KerasConnection(layer: "first")])
        #expect(model.layer(named: "last")?.inputs == [KerasConnection(layer: "inner/middle")])
        #expect(model.layer(named: "last")?.weights.map(\.shape) == [[3, 1], [1]])
        #expect(model.warnings.contains(.optimizerWeightsIgnored(group: "/optimizer")))
    }

    @Test func kerasArchiveBuiltByHand() throws {
        let directory = TemporaryDirectory()
        let weights = directory.path("model.weights.h5")
        try KerasFileBuilder().writeKeras3Weights(weights, groups: [
            .init("input_layer", layerName: "in"),
            .init("conv2d", layerName: "conv", [.init("k", [3, 3, 3, 8]), .init("b", [8])]),
            .init("batch_normalization", layerName: "bn", [.init("g", [8]), .init("b", [8]), .init("m", [8]), .init("v", [8])]),
            .init("flatten", layerName: "flat"),
            .init("dense", layerName: "fc", [.init("k", [288, 4]), .init("b", [4])]),
        ])
        let weightBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: weights)))
        let config = Array(KerasConfigs.sequential().utf8)
        let metadata = Array("{\"keras_version\": \"3.9.9\", \"date_saved\": \"today\"}".utf8)
        let path = directory.path("model.keras")
        try Data(ZipBuilder.archive([("metadata.json", metadata), ("config.json", config), ("model.weights.h5", weightBytes)]))
            .write(to: URL(fileURLWithPath: path))
        let model = try KerasModel.load(path: path)
        #expect(model.layout == .keras3Archive)
        #expect(model.kerasVersion == "3.9.9")
        #expect(model.weightShapes == ["conv": [[3, 3, 3, 8], [8]], "bn": [[8], [8], [8], [8]], "fc": [[288, 4], [4]]])
        #expect(try KerasModel.detectLayout(path: path) == .keras3Archive)

        let noConfig = directory.path("noconfig.keras")
        try Data(ZipBuilder.archive([("model.weights.h5", weightBytes)])).write(to: URL(fileURLWithPath: noConfig))
        #expect(kerasError { try KerasModel.load(path: noConfig) } == .missingArchiveMember(path: noConfig, member: "config.json"))
        let badWeights = directory.path("badweights.keras")
        try Data(ZipBuilder.archive([("config.json", config), ("model.weights.h5", Array("junk".utf8))]))
            .write(to: URL(fileURLWithPath: badWeights))
        #expect(kerasError { try KerasModel.load(path: badWeights) } == .notHDF5(path: "\(badWeights)[model.weights.h5]"))
        let cut = directory.path("cut.keras")
        let whole = ZipBuilder.archive([("config.json", config), ("model.weights.h5", weightBytes)])
        try Data(whole.prefix(whole.count - 40)).write(to: URL(fileURLWithPath: cut))
        guard case .archive(cut, _) = kerasError({ try KerasModel.load(path: cut) }) else {
            Issue.record("truncated archive not refused as an archive error"); return
        }
    }

    @Test func architectureFromAnotherFile() throws {
        let directory = TemporaryDirectory()
        let full = directory.path("full.h5"), weightsOnly = directory.path("weights.h5")
        try KerasFileBuilder().writeLegacyFull(full, config: KerasConfigs.sequential(), layers: KerasConfigs.sequentialLayers(),
                                              kerasVersion: "2.4.0", backend: "theano")
        try KerasFileBuilder().writeLegacyWeights(weightsOnly, layers: KerasConfigs.sequentialLayers(), kerasVersion: nil, backend: nil)
        let model = try KerasModel.load(path: weightsOnly, architecture: full)
        #expect(model.layout == .legacyWeights)
        #expect(model.kerasVersion == "2.4.0" && model.backend == "theano")
        // A full model given an architecture anyway uses it, with a warning.
        let overridden = try KerasModel.load(path: full, architecture: full)
        #expect(overridden.warnings.contains(.embeddedArchitectureOverridden(path: full)))
        // An architecture file that has none.
        #expect(kerasError { try KerasModel.load(path: weightsOnly, architecture: weightsOnly) }
                == .missingAttribute(path: weightsOnly, object: "/", attribute: "model_config"))
    }
}
