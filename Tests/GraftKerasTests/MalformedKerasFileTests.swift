import Foundation
import Testing
import GraftHDF5
import GraftTestSupport
@testable import GraftKeras

/// One case per way a Keras file can be damaged or inconsistent. Each is built with Graft's own
/// HDF5 writer in a temporary directory and must give a typed error naming what is wrong, never a
/// crash.
struct MalformedKerasFileTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case notHDF5, emptyFile, truncated, missingModelWeights, missingLayerNames, missingWeightNames,
             missingLayerGroup, kernelShapeMismatch, biasShapeMismatch, weightCountMismatch, missingWeightsForLayer,
             weightsForUnknownLayer, softLinkedWeight, externalLinkedLayer, namedDatatypeAsWeight,
             invalidConfigJSON, configNotAModel, unknownLayout, layerConfigFieldMissing, keras3NameMismatch,
             keras3UnexpectedGroup, keras3VarsNotIndexed, keras3WrongCount, weightTooLarge, directory, missingFile

        var testDescription: String { rawValue }
    }

    /// Builds the damaged file and returns its path and the check on the error.
    func build(_ damage: Damage, in directory: TemporaryDirectory) throws -> (path: String, architecture: String?,
                                                                           limits: KerasLimits, check: (KerasError) -> Bool) {
        let path = directory.path("model.h5")
        let builder = KerasFileBuilder()
        let config = KerasConfigs.sequential()
        var layers = KerasConfigs.sequentialLayers()
        var architecture: String?
        var limits = KerasLimits.default
        let check: (KerasError) -> Bool
        switch damage {
        case .notHDF5:
            try Data("{\"class_name\": \"Sequential\"}".utf8).write(to: URL(fileURLWithPath: path))
            check = { $0 == .notHDF5(path: path) }
        case .emptyFile:
            try Data().write(to: URL(fileURLWithPath: path))
            check = { $0 == .notHDF5(path: path) }
        case .truncated:
            let whole = directory.path("whole.h5")
            try builder.writeLegacyFull(whole, config: config, layers: layers)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
            check = { if case .truncated(path, let detail) = $0 { detail.contains("truncated") } else { false } }
        case .missingModelWeights:
            try builder.writeLegacyFull(path, config: config, layers: layers, withModelWeights: false)
            check = { $0 == .missingGroup(path: path, group: "/model_weights") }
        case .missingLayerNames:
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            let weights = try root.createGroup("model_weights")
            try weights.attributes.setString("keras_version", "2.11.0")
            check = { $0 == .missingAttribute(path: path, object: "/model_weights", attribute: "layer_names") }
        case .missingWeightNames:
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            let weights = try root.createGroup("model_weights")
            try weights.attributes.setStrings("layer_names", ["conv"], encoding: .fixedLength)
            try weights.createGroup("conv")
            check = { $0 == .missingAttribute(path: path, object: "/model_weights/conv", attribute: "weight_names") }
        case .missingLayerGroup:
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            try root.createGroup("model_weights").attributes.setStrings("layer_names", ["conv"], encoding: .fixedLength)
            check = { $0 == .missingGroup(path: path, group: "/model_weights/conv") }
        case .kernelShapeMismatch:
            layers[1].arrays[0] = .init("kernel", [3, 3, 3, 9])     // config says 8 filters
            try builder.writeLegacyFull(path, config: config, layers: layers)
            check = { $0 == .weightShapeMismatch(path: path, layer: "conv", weight: "kernel", expected: "[3, 3, ?, 8]", found: [3, 3, 3, 9]) }
        case .biasShapeMismatch:
            layers[4].arrays[1] = .init("bias", [5])
            try builder.writeLegacyFull(path, config: config, layers: layers)
            check = { $0 == .weightShapeMismatch(path: path, layer: "fc", weight: "bias", expected: "[4]", found: [5]) }
        case .weightCountMismatch:
            layers[1].arrays.removeLast()                              // use_bias is true
            try builder.writeLegacyFull(path, config: config, layers: layers)
            check = { $0 == .weightCountMismatch(path: path, layer: "conv", expected: ["kernel", "bias"], found: ["conv/kernel:0"]) }
        case .missingWeightsForLayer:
            layers.remove(at: 4)
            try builder.writeLegacyFull(path, config: config, layers: layers)
            check = { $0 == .missingWeights(path: path, layer: "fc", expected: ["kernel", "bias"]) }
        case .weightsForUnknownLayer:
            layers.append(.init("ghost", [.init("kernel", [2, 2])]))
            try builder.writeLegacyFull(path, config: config, layers: layers)
            check = { $0 == .unexpectedWeights(path: path, groups: ["ghost"]) }
        case .softLinkedWeight:
            try builder.writeLegacyFull(path, config: config, layers: layers)
            // Re-create the bias of "conv" as a soft link to another array.
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            let weights = try root.createGroup("model_weights")
            try builder.writeLegacyLayers(weights, layers.filter { $0.name != "conv" })
            try weights.attributes.setStrings("layer_names", layers.map(\.name), encoding: .variableLength)
            let conv = try weights.createGroup("conv")
            try conv.attributes.setStrings("weight_names", ["conv/kernel:0", "conv/bias:0"], encoding: .variableLength)
            let inner = try conv.createGroup("conv")
            try inner.createDataset("kernel:0", shape: [3, 3, 3, 8], values: [Float](repeating: 0, count: 216))
            try inner.createSoftLink("bias:0", target: "/model_weights/bn/bn/beta:0")
            check = { $0 == .linkRefused(path: path, object: "/model_weights/conv/conv/bias:0", kind: "soft") }
        case .externalLinkedLayer:
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            let weights = try root.createGroup("model_weights")
            try weights.attributes.setStrings("layer_names", ["conv"], encoding: .variableLength)
            try weights.createExternalLink("conv", file: directory.path("elsewhere.h5"), object: "/conv")
            check = { $0 == .linkRefused(path: path, object: "/model_weights/conv", kind: "external") }
        case .namedDatatypeAsWeight:
            let root = try HDF5File.create(path: path).root()
            try root.attributes.setString("model_config", config)
            let weights = try root.createGroup("model_weights")
            try builder.writeLegacyLayers(weights, layers.filter { $0.name != "fc" })
            try weights.attributes.setStrings("layer_names", layers.map(\.name), encoding: .variableLength)
            let fc = try weights.createGroup("fc")
            try fc.attributes.setStrings("weight_names", ["kernel:0", "bias:0"], encoding: .variableLength)
            try fc.createDataset("kernel:0", shape: [288, 4], values: [Float](repeating: 0, count: 1152))
            try fc.commitFloatDatatype("bias:0")
            check = { $0 == .wrongObject(path: path, object: "/model_weights/fc/bias:0", expected: "dataset", found: "named datatype") }
        case .invalidConfigJSON:
            try builder.writeLegacyFull(path, config: "{\"class_name\": \"Sequential\", \"config\": [", layers: layers)
            check = { if case .invalidConfigJSON(let source, _) = $0 { source == "\(path)@model_config" } else { false } }
        case .configNotAModel:
            try builder.writeLegacyFull(path, config: "[1, 2, 3]", layers: layers)
            check = { if case .invalidModelConfig(let source, _) = $0 { source == "\(path)@model_config" } else { false } }
        case .unknownLayout:
            let root = try HDF5File.create(path: path).root()
            try root.createGroup("something")
            try root.attributes.setString("note", "not keras")
            check = { $0 == .unknownLayout(path: path, rootMembers: ["something"], rootAttributes: ["note"]) }
        case .layerConfigFieldMissing:
            let broken = config.replacingOccurrences(of: "\"units\": 4, ", with: "")
            try builder.writeLegacyFull(path, config: broken, layers: layers)
            check = { $0 == .invalidLayerConfig(source: "\(path)@model_config", layer: "fc", field: "units|output_dim", reason: "missing") }
        case .keras3NameMismatch, .keras3UnexpectedGroup, .keras3VarsNotIndexed, .keras3WrongCount:
            let json = directory.path("model.json")
            try Data(config.utf8).write(to: URL(fileURLWithPath: json))
            architecture = json
            var groups: [KerasFileBuilder.Keras3Group] = [
                .init("conv2d", layerName: "conv", [.init("k", [3, 3, 3, 8]), .init("b", [8])]),
                .init("batch_normalization", layerName: "bn", [.init("g", [8]), .init("b", [8]), .init("m", [8]), .init("v", [8])]),
                .init("flatten", layerName: "flat"),
                .init("dense", layerName: "fc", [.init("k", [288, 4]), .init("b", [4])]),
            ]
            switch damage {
            case .keras3NameMismatch:
                groups[0].layerName = "other"
                check = { $0 == .keras3GroupMismatch(path: path, group: "/layers/conv2d", expectedLayer: "conv", foundName: "other") }
            case .keras3UnexpectedGroup:
                groups.append(.init("dense_1", layerName: "extra", [.init("k", [4, 4])]))
                check = { $0 == .unexpectedWeights(path: path, groups: ["/layers/dense_1"]) }
            case .keras3WrongCount:
                groups[3].arrays.removeLast()
                check = { $0 == .weightCountMismatch(path: path, layer: "fc", expected: ["kernel", "bias"], found: ["0"]) }
            default:
                check = { if case .badValue(path, "/layers/conv2d/vars/x", _, _) = $0 { true } else { false } }
            }
            try builder.writeKeras3Weights(path, groups: groups)
            if damage == .keras3VarsNotIndexed {
                let file = try HDF5File.create(path: path).root()
                try builder.fillKeras3(file, groups: Array(groups.dropFirst()))
                try file.group("layers").createGroup("conv2d").createGroup("vars").createDataset("x", shape: [1], values: [0])
            }
        case .weightTooLarge:
            try builder.writeLegacyFull(path, config: config, layers: layers)
            limits.maxElementsPerWeight = 1000                         // conv has 216, fc's kernel 1152
            check = { if case .limitExceeded(let where_, "element count", "1152", 1000) = $0 { where_.hasSuffix("fc/kernel:0") } else { false } }
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            check = { $0 == .io(path: path, reason: "is a directory") }
        case .missingFile:
            check = { $0 == .io(path: path, reason: "no such file") }
        }
        return (path, architecture, limits, check)
    }

    @Test(arguments: Damage.allCases)
    func damagedFileGivesTypedError(_ damage: Damage) throws {
        let directory = TemporaryDirectory()
        let (path, architecture, limits, check) = try build(damage, in: directory)
        do {
            let model = try KerasModel.load(path: path, architecture: architecture, limits: limits)
            Issue.record("\(damage) loaded: \(model.layers.map(\.name))")
        } catch {
            #expect(check(error), "\(damage): got \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func undamagedFixturesLoad() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("model.h5")
        try KerasFileBuilder().writeLegacyFull(path, config: KerasConfigs.sequential(), layers: KerasConfigs.sequentialLayers(),
                                              optimizerWeights: true)
        let model = try KerasModel.load(path: path)
        #expect(model.layers.map(\.name) == ["in", "conv", "bn", "flat", "fc"])
        #expect(model.warnings == [.optimizerWeightsIgnored(group: "/optimizer_weights")])
        #expect(model.weightShapes == ["conv": [[3, 3, 3, 8], [8]], "bn": [[8], [8], [8], [8]], "fc": [[288, 4], [4]]])
        #expect(model.layer(named: "fc")?.weights[0].values == KerasFileBuilder.Array("kernel", [288, 4]).values)
    }
}
