import Foundation
import Testing
@testable import GraftKeras

private func parse(_ json: String) throws -> KerasModel {
    try KerasModel.parseArchitecture(json: Array(json.utf8), source: "test.json")
}

/// The three config dialects, decoded to the same typed values.
struct KerasConfigDialectTests {
    @Test func keras1SequentialListWithThOrdering() throws {
        let model = try parse("""
        {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
          {"class_name": "Convolution2D", "config": {"name": "c1", "nb_filter": 16, "nb_row": 3, "nb_col": 5,
            "subsample": [2, 1], "border_mode": "same", "dim_ordering": "th", "activation": "relu", "bias": false,
            "batch_input_shape": [null, 3, 32, 32], "input_dtype": "float32", "trainable": false}},
          {"class_name": "BatchNormalization", "config": {"name": "bn1", "epsilon": 0.0001, "mode": 0, "axis": 1, "momentum": 0.9}},
          {"class_name": "MaxPooling2D", "config": {"name": "p1", "pool_size": [2, 2], "strides": null, "border_mode": "valid", "dim_ordering": "th"}},
          {"class_name": "ZeroPadding2D", "config": {"name": "z1", "padding": [1, 2, 3, 4], "dim_ordering": "default"}},
          {"class_name": "Dropout", "config": {"name": "d1", "p": 0.25}},
          {"class_name": "Flatten", "config": {"name": "f1"}},
          {"class_name": "Dense", "config": {"name": "fc", "output_dim": 10, "activation": "softmax", "bias": true}},
          {"class_name": "LeakyReLU", "config": {"name": "lr", "alpha": 0.1}}
        ]}
        """)
        #expect(model.kerasVersion == "1.2.2")
        #expect(model.inputs == [KerasInput(name: "c1_input", shape: [3, 32, 32], dtype: "float32")])
        #expect(model.layers.map(\.name) == ["c1_input", "c1", "bn1", "p1", "z1", "d1", "f1", "fc", "lr"])
        let conv = try #require(model.layer(named: "c1"))
        #expect(!conv.trainable)
        #expect(conv.configuration == .conv2D(.init(filters: 16, kernelSize: KerasSize2D(3, 5), strides: KerasSize2D(2, 1),
                                                    padding: .same, dataFormat: .channelsFirst, dilationRate: KerasSize2D(1, 1),
                                                    groups: 1, activation: .relu, useBias: false, kernelLayout: .oihw)))
        #expect(model.layer(named: "bn1")?.configuration == .batchNormalization(.init(axis: 1, epsilon: 0.0001, momentum: 0.9,
                                                                                      center: true, scale: true)))
        #expect(model.layer(named: "p1")?.configuration == .maxPooling2D(.init(poolSize: KerasSize2D(2, 2), strides: KerasSize2D(2, 2),
                                                                                padding: .valid, dataFormat: .channelsFirst)))
        #expect(model.layer(named: "z1")?.configuration == .zeroPadding2D(.init(padding: KerasInsets2D(top: 1, bottom: 2, left: 3, right: 4),
                                                                                 dataFormat: .channelsLast)))
        #expect(model.warnings.contains(.defaultDimOrderingAssumedTF(layer: "z1")))
        #expect(model.layer(named: "d1")?.configuration == .dropout(rate: 0.25))
        #expect(model.layer(named: "fc")?.configuration == .dense(.init(units: 10, activation: .softmax, useBias: true)))
        #expect(model.layer(named: "lr")?.configuration == .leakyReLU(negativeSlope: 0.1))
    }

    @Test func keras2FunctionalWithSharedLayerAndTwoInputs() throws {
        let model = try parse("""
        {"class_name": "Model", "config": {"name": "two", "layers": [
          {"name": "b", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "name": "b"}, "inbound_nodes": []},
          {"name": "a", "class_name": "InputLayer", "config": {"batch_input_shape": [4, 8, 8, 3], "name": "a"}, "inbound_nodes": []},
          {"name": "shared", "class_name": "Conv2D", "config": {"name": "shared", "filters": 2, "kernel_size": 1, "padding": "valid"},
           "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]},
          {"name": "cat", "class_name": "Concatenate", "config": {"name": "cat", "axis": 3},
           "inbound_nodes": [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]},
          {"name": "mul", "class_name": "Multiply", "config": {"name": "mul"}, "inbound_nodes": [[["cat", 0, 0, {}], ["cat", 0, 0, {}]]]}
        ], "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["mul", 0, 0], ["shared", 1, 0]]}}
        """)
        #expect(model.modelClass == "Model")
        #expect(model.inputs.map(\.name) == ["a", "b"])
        #expect(model.inputs[0].batchSize == 4)
        let shared = try #require(model.layer(named: "shared"))
        #expect(shared.inboundNodes == [KerasInboundNode(inputs: [KerasConnection(layer: "a")]),
                                        KerasInboundNode(inputs: [KerasConnection(layer: "b")])])
        #expect(model.layer(named: "cat")?.inputs == [KerasConnection(layer: "shared"), KerasConnection(layer: "shared", nodeIndex: 1)])
        #expect(model.outputs == [KerasConnection(layer: "mul"), KerasConnection(layer: "shared", nodeIndex: 1)])
        #expect(model.layer(named: "cat")?.configuration == .concatenate(axis: 3))
        #expect(model.layer(named: "mul")?.configuration == .multiply)
    }

    @Test func keras3FunctionalTensorsPoliciesAndFlatIOLists() throws {
        func tensor(_ name: String) -> String {
            "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 4, 4, 2], \"dtype\": \"float32\", \"keras_history\": [\"\(name)\", 0, 0]}}"
        }
        let policy = "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"mixed_float16\"}, \"registered_name\": null}"
        let model = try parse("""
        {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional", "config": {
          "name": "k3", "trainable": true, "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4, 4, 2], "dtype": "float32", "name": "x"},
           "registered_name": null, "name": "x", "inbound_nodes": []},
          {"module": "keras.layers", "class_name": "DepthwiseConv2D", "config": {"name": "dw", "dtype": \(policy), "kernel_size": [3, 3],
            "depth_multiplier": 2, "padding": "same", "use_bias": false}, "registered_name": null, "name": "dw",
           "inbound_nodes": [{"args": [\(tensor("x"))], "kwargs": {}}]},
          {"module": "keras.layers", "class_name": "ReLU", "config": {"name": "r", "max_value": null}, "name": "r",
           "inbound_nodes": [{"args": [\(tensor("dw"))], "kwargs": {}}]},
          {"module": "keras.layers", "class_name": "Add", "config": {"name": "sum"}, "name": "sum",
           "inbound_nodes": [{"args": [[\(tensor("r")), \(tensor("dw"))]], "kwargs": {}}]},
          {"module": "keras.layers", "class_name": "GlobalMaxPooling2D", "config": {"name": "gmp", "keepdims": false}, "name": "gmp",
           "inbound_nodes": [{"args": [\(tensor("sum"))], "kwargs": {}}]},
          {"module": "keras.layers", "class_name": "Rescaling", "config": {"name": "rs", "scale": 0.5, "offset": -1}, "name": "rs",
           "inbound_nodes": [{"args": [\(tensor("gmp"))], "kwargs": {}}]}
        ], "input_layers": ["x", 0, 0], "output_layers": ["rs", 0, 0]}}
        """)
        #expect(model.inputs == [KerasInput(name: "x", shape: [4, 4, 2], dtype: "float32")])
        #expect(model.outputs == [KerasConnection(layer: "rs")])
        #expect(model.layer(named: "dw")?.dtype == "mixed_float16")
        #expect(model.layer(named: "sum")?.inputs == [KerasConnection(layer: "r"), KerasConnection(layer: "dw")])
        #expect(model.layer(named: "r")?.configuration == .relu(.init(maxValue: nil, negativeSlope: 0, threshold: 0)))
        #expect(model.layer(named: "gmp")?.configuration == .globalMaxPooling2D(.init(dataFormat: .channelsLast, keepdims: false)))
        #expect(model.layer(named: "rs")?.configuration == .rescaling(scale: 0.5, offset: -1))
        guard case .depthwiseConv2D(let dw) = model.layer(named: "dw")?.configuration else { Issue.record("not depthwise"); return }
        #expect(dw.depthMultiplier == 2 && dw.padding == .same && !dw.useBias)
    }

    @Test func layersAreOrderedTopologically() throws {
        // The config lists "late" before the layer it reads.
        let model = try parse("""
        {"class_name": "Functional", "config": {"name": "m", "layers": [
          {"name": "late", "class_name": "Activation", "config": {"activation": "tanh"}, "inbound_nodes": [[["early", 0, 0, {}]]]},
          {"name": "early", "class_name": "Activation", "config": {"activation": "sigmoid"}, "inbound_nodes": [[["in", 0, 0, {}]]]},
          {"name": "in", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3]}, "inbound_nodes": []}
        ], "input_layers": [["in", 0, 0]], "output_layers": [["late", 0, 0]]}}
        """)
        #expect(model.layers.map(\.name) == ["in", "early", "late"])
    }

    @Test func unsupportedClassesAndSettingsAreKeptOpaque() throws {
        let model = try parse("""
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 5, 1], "name": "in"}},
          {"class_name": "Lambda", "config": {"name": "lam", "function": "code"}},
          {"class_name": "Conv2D", "config": {"name": "custom_act", "filters": 1, "kernel_size": 1,
            "activation": {"module": "my", "class_name": "Swoosh", "config": {}}}},
          {"class_name": "Conv2D", "config": {"name": "unknown_act", "filters": 1, "kernel_size": 1, "activation": "swoosh"}},
          {"class_name": "Conv2D", "config": {"name": "causal", "filters": 1, "kernel_size": 1, "padding": "full"}},
          {"class_name": "MyPackage>Custom", "config": {"name": "mine"}},
          {"class_name": "Conv3D", "config": {"name": "c3"}}
        ]}}
        """)
        let unsupported = model.layers.filter { !$0.isSupported }.map(\.name)
        #expect(unsupported == ["lam", "custom_act", "unknown_act", "causal", "mine", "c3"])
        let warned = model.warnings.compactMap { warning -> String? in
            if case .unsupportedLayer(let layer, _, _) = warning { layer } else { nil }
        }
        #expect(warned == unsupported)
        guard case .unsupported(let className, let raw) = model.layer(named: "lam")?.configuration else {
            Issue.record("Lambda decoded"); return
        }
        #expect(className == "Lambda" && raw == "{\"function\":\"code\",\"name\":\"lam\"}")
    }

    @Test func malformedSupportedLayersThrow() throws {
        func layerError(_ layer: String) -> KerasError? {
            kerasError { try parse("{\"class_name\": \"Sequential\", \"config\": [\(layer)]}") }
        }
        #expect(layerError("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"kernel_size\": 3}}")
                == .invalidLayerConfig(source: "test.json", layer: "c", field: "filters|nb_filter", reason: "missing"))
        #expect(layerError("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": 0, \"kernel_size\": 3}}")
                == .invalidLayerConfig(source: "test.json", layer: "c", field: "filters", reason: "must be at least 1, found 0"))
        #expect(layerError("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": 2, \"kernel_size\": [3]}}") != nil)
        #expect(layerError("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"filters\": 2.5, \"kernel_size\": 3}}") != nil)
        #expect(layerError("{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": \"ten\"}}") != nil)
        #expect(layerError("{\"class_name\": \"Dropout\", \"config\": {\"name\": \"d\", \"rate\": 2}}") != nil)
        #expect(layerError("{\"class_name\": \"Reshape\", \"config\": {\"name\": \"r\", \"target_shape\": [-1, -1]}}") != nil)
        #expect(layerError("{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 3, \"trainable\": 1}}")
                == .invalidLayerConfig(source: "test.json", layer: "d", field: "trainable", reason: "expected true or false"))
        #expect(layerError("{\"class_name\": \"Dense\", \"config\": {\"units\": 3}}")
                == .invalidModelConfig(source: "test.json", reason: "layer #0: Dense has no name"))
    }

    @Test func graphErrors() throws {
        func functional(_ layers: String, output: String = "a") -> KerasError? {
            kerasError {
                try parse("{\"class_name\": \"Functional\", \"config\": {\"name\": \"g\", \"layers\": [\(layers)], "
                          + "\"input_layers\": [], \"output_layers\": [[\"\(output)\", 0, 0]]}}")
            }
        }
        let cycle = """
        {"name": "a", "class_name": "Activation", "config": {"activation": "relu"}, "inbound_nodes": [[["b", 0, 0, {}]]]},
        {"name": "b", "class_name": "Activation", "config": {"activation": "relu"}, "inbound_nodes": [[["a", 0, 0, {}]]]}
        """
        #expect(functional(cycle) == .cycle(source: "test.json", layers: ["a", "b"]))
        let selfLoop = "{\"name\": \"a\", \"class_name\": \"Add\", \"config\": {}, \"inbound_nodes\": [[[\"a\", 0, 0, {}]]]}"
        #expect(functional(selfLoop) == .cycle(source: "test.json", layers: ["a"]))
        let dangling = "{\"name\": \"a\", \"class_name\": \"Add\", \"config\": {}, \"inbound_nodes\": [[[\"ghost\", 0, 0, {}]]]}"
        #expect(functional(dangling) == .unknownInboundLayer(source: "test.json", layer: "a", inbound: "ghost"))
        let twice = """
        {"name": "a", "class_name": "Add", "config": {}, "inbound_nodes": []},
        {"name": "a", "class_name": "Add", "config": {}, "inbound_nodes": []}
        """
        #expect(functional(twice) == .duplicateLayerName(source: "test.json", layer: "a"))
        #expect(functional("{\"name\": \"a\", \"class_name\": \"Add\", \"config\": {}, \"inbound_nodes\": []}", output: "zz")
                == .invalidModelConfig(source: "test.json", reason: "output_layers names unknown layer 'zz'"))
        #expect(kerasError { try parse("{\"class_name\": \"Sequential\", \"config\": []}") }
                == .invalidModelConfig(source: "test.json", reason: "the model has no layers"))
        #expect(kerasError { try parse("{\"class_name\": \"Subclassed\", \"config\": {\"layers\": []}}") }
                == .invalidModelConfig(source: "test.json", reason: "model class 'Subclassed' is neither Sequential nor functional"))
    }

    @Test func absurdConfigsAreRefusedBeforeParsing() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(kerasError { try parse(deep) } == .configTooDeep(source: "test.json", depth: 10_000, limit: 256))
        // Brackets inside strings do not count.
        #expect(JSONReader.nestingDepth(Array("{\"a\": \"[[[[\\\"[[[\"}".utf8)) == 1)
        var limits = KerasLimits.default
        limits.maxConfigBytes = 100
        let big = KerasConfigs.sequential()
        #expect(kerasError { try KerasModel.parseArchitecture(json: Array(big.utf8), source: "big", limits: limits) }
                == .configTooLarge(source: "big", bytes: big.utf8.count, limit: 100))
        limits = .default
        limits.maxLayers = 2
        #expect(kerasError { try KerasModel.parseArchitecture(json: Array(big.utf8), source: "big", limits: limits) }
                == .limitExceeded(path: "big", what: "layer count", value: "5", limit: 2))
        #expect(kerasError { try parse("not json") } != nil)
    }
}
