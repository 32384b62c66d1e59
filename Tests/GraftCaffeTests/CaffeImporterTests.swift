import Foundation
import Testing
import GraftCore
import GraftEngine
import GraftTestSupport
@testable import GraftCaffe

/// The importer's rules, one golden test each, on nets written in the test.
struct CaffeImporterTests {
    static func net(_ text: String) throws -> CaffeNet { try CaffePrototxt.decode(text, file: "test.prototxt") }

    static func importText(_ text: String, weights: CaffeNet? = nil,
                           options: CaffeImportOptions = CaffeImportOptions()) throws -> CaffeImport {
        let definition = try net(text)
        return try CaffeImporter.importNet(definition, file: "test.prototxt", weights: weights,
                                           weightsFile: weights == nil ? nil : "test.caffemodel", options: options)
    }

    /// A weights net holding `blobs` for the named layers.
    static func weights(_ blobs: [String: [CaffeBlob]]) -> CaffeNet {
        CaffeNet(name: "w", layers: blobs.sorted { $0.key < $1.key }.map { name, blobs in
            var layer = CaffeLayer(name: name, type: "")
            layer.blobs = blobs
            return layer
        })
    }

    static func ramp(_ shape: [Int], scale: Float = 0.1) -> CaffeBlob {
        CaffeBlob(shape: shape, data: (0..<shape.reduce(1, *)).map { Float($0 % 7) * scale - 0.2 })
    }

    @Test func everyLayerKindHasExactlyOneMapper() {
        for kind in CaffeLayerKind.allCases {
            #expect(CaffeMappers.byKind[kind] != nil, "no mapper for \(kind.rawValue)")
            #expect(CaffeMappers.all.filter { $0.kind == kind }.count == 1, "\(kind.rawValue) has several mappers")
        }
        #expect(CaffeMappers.all.count == CaffeLayerKind.allCases.count)
        let training = Set(CaffeTrainingLayerKind.allCases.map(\.rawValue))
        #expect(training.isDisjoint(with: CaffeLayerKind.allCases.map(\.rawValue)))
    }

    /// kernel_h/kernel_w, pad_h/pad_w and stride_h/stride_w override the repeated fields, each axis
    /// on its own (a converter that read pad_h for both axes would give another shape here).
    @Test func convolutionTakesPerAxisOverrides() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 2 dim: 7 dim: 9 }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
              convolution_param { num_output: 4 kernel_h: 3 kernel_w: 5 pad_h: 1 pad_w: 2 stride_h: 1 stride_w: 2 } }
            """
        let imported = try Self.importText(text)
        let node = try #require(imported.model.graph.node(named: "conv"))
        #expect(node.op == .convolution(Convolution(outputChannels: 4, kernel: [3, 5], stride: [1, 2], padBegin: [1, 2],
                                                    padEnd: [1, 2], hasBias: true)))
        let shapes = try imported.model.graph.inferShapes()
        #expect(shapes.values["conv"] == [1, 4, 7, 5])
        #expect(node.parameters == [ParameterSpec("weight", [4, 2, 3, 5]), ParameterSpec("bias", [4])])
        // The repeated fields: two values are height and width; dilation one value for both.
        let repeated = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 1 dim: 8 dim: 8 }
            layer { name: "c" type: "Convolution" bottom: "data" top: "c"
              convolution_param { num_output: 1 kernel_size: 3 kernel_size: 1 pad: 0 pad: 1 dilation: 2 group: 1 bias_term: false } }
            """)
        #expect(repeated.model.graph.nodes[0].op == .convolution(Convolution(outputChannels: 1, kernel: [3, 1], padBegin: [0, 1],
                                                                             dilation: [2, 2], hasBias: false)))
        #expect(throws: CaffeImportError.invalidLayer(file: "test.prototxt", layer: "c",
                                                      reason: "kernel_size has 3 values; only 2-D convolution (1 or 2 values) is supported")) {
            try Self.importText("""
                input: "data" input_shape { dim: 1 dim: 1 dim: 8 dim: 8 }
                layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 1 kernel_size: 3 kernel_size: 3 kernel_size: 3 } }
                """)
        }
    }

    @Test func poolingRules() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 3 dim: 6 dim: 6 }
            layer { name: "p1" type: "Pooling" bottom: "data" top: "p1" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
            layer { name: "p2" type: "Pooling" bottom: "data" top: "p2" pooling_param { pool: MAX kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 3 round_mode: FLOOR } }
            layer { name: "g" type: "Pooling" bottom: "data" top: "g" pooling_param { pool: AVE global_pooling: true } }
            layer { name: "s" type: "Pooling" bottom: "data" top: "s" pooling_param { pool: STOCHASTIC kernel_size: 2 } }
            """)
        let ops = imported.model.graph.nodes.map(\.op)
        #expect(ops[0] == .pooling(Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil)))
        #expect(ops[1] == .pooling(Pooling(method: .max, kernel: [2, 3], stride: [2, 3], rounding: .floor)))
        #expect(ops[2] == .pooling(Pooling(method: .average, kernel: [6, 6], stride: [1, 1], rounding: .ceil, global: true)))
        guard case .opaque(let o) = ops[3] else { Issue.record("STOCHASTIC is not opaque"); return }
        #expect(o.type == "Pooling" && o.rawParameters.contains("pool: STOCHASTIC"))
        #expect(imported.warnings.contains { $0.contains("STOCHASTIC") })
        let shapes = try imported.model.graph.inferShapesPartially()
        #expect(shapes.values["p1"] == [1, 3, 4, 4])   // Caffe ceil: ceil((6 + 2 - 3) / 2) + 1 = 4
    }

    @Test func innerProductTransposeIsUndone() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 3 }
            layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 transpose: true } }
            """
        let stored = CaffeBlob(shape: [3, 2], data: [1, 2, 3, 4, 5, 6])   // [K, N]
        let imported = try Self.importText(text, weights: Self.weights(["fc": [stored, CaffeBlob(shape: [2], data: [0.5, -1])]]))
        #expect(imported.model.weights["fc.weight"] == Tensor(shape: [2, 3], scalars: [1, 3, 5, 2, 4, 6]))
        let y = try CaffeTesting.run(imported.model, input: Tensor(shape: [1, 3], scalars: [1, 1, 1]), outputs: ["fc"])["fc"]
        #expect(y?.scalars == [9.5, 11])
    }

    @Test func legacyDimsAreSqueezedAndWrongShapesNamed() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 4 }
            layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 } }
            """
        let legacyWeight = CaffeBlob(shape: [1, 1, 2, 4], shapeSource: .legacy4D, data: [Float](repeating: 1, count: 8))
        let legacyBias = CaffeBlob(shape: [1, 1, 1, 2], shapeSource: .legacy4D, data: [1, 2])
        let imported = try Self.importText(text, weights: Self.weights(["fc": [legacyWeight, legacyBias]]))
        #expect(imported.model.weights["fc.weight"]?.shape == [2, 4] && imported.model.weights["fc.bias"]?.shape == [2])
        #expect(throws: CaffeImportError.blobShape(file: "test.caffemodel", layer: "fc", blob: 0, role: "weight",
                                                   expected: [2, 4], actual: [2, 5])) {
            try Self.importText(text, weights: Self.weights(["fc": [Self.ramp([2, 5]), Self.ramp([2])]]))
        }
        #expect(throws: CaffeImportError.blobCount(file: "test.caffemodel", layer: "fc", type: "InnerProduct", expected: 2, actual: 1)) {
            try Self.importText(text, weights: Self.weights(["fc": [Self.ramp([2, 4])]]))
        }
    }

    /// Caffe's statistics are times 1/s; s == 0 means zero statistics.
    @Test func batchNormDividesOutItsFactor() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 2 dim: 1 dim: 1 }
            layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" batch_norm_param { eps: 0.001 } }
            """
        let stats = [CaffeBlob(shape: [2], data: [2, 4]), CaffeBlob(shape: [2], data: [6, 8])]
        let halved = try Self.importText(text, weights: Self.weights(["bn": stats + [CaffeBlob(shape: [1], data: [2])]]))
        #expect(halved.model.weights["bn.mean"]?.scalars == [1, 2] && halved.model.weights["bn.variance"]?.scalars == [3, 4])
        #expect(halved.model.graph.nodes[0].op == .batchNorm(BatchNorm(epsilon: 0.001, momentum: 0.999)))
        let zero = try Self.importText(text, weights: Self.weights(["bn": stats + [CaffeBlob(shape: [1], data: [0])]]))
        #expect(zero.model.weights["bn.mean"]?.scalars == [0, 0] && zero.model.weights["bn.variance"]?.scalars == [0, 0])
        // In place on the input: the input is the first write of "data", so it is renamed.
        #expect(zero.model.graph.inputs[0].name == "data@input" && zero.model.graph.outputs == ["data"])
    }

    @Test func reshapeResolvesToAFullShape() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 2 dim: 3 dim: 4 dim: 5 }
            layer { name: "r1" type: "Reshape" bottom: "data" top: "r1" reshape_param { shape { dim: -1 } axis: 1 num_axes: 2 } }
            layer { name: "r2" type: "Reshape" bottom: "data" top: "r2" reshape_param { shape { dim: 0 dim: 2 dim: -1 dim: 0 } } }
            layer { name: "r3" type: "Reshape" bottom: "data" top: "r3" reshape_param { shape { dim: 1 dim: 1 } axis: -1 num_axes: 0 } }
            """)
        let shapes = try imported.model.graph.inferShapes()
        #expect(imported.model.graph.nodes.map(\.op) == [.reshape(Reshape(shape: [0, -1, 5])), .reshape(Reshape(shape: [0, 2, -1, 0])),
                                                         .reshape(Reshape(shape: [0, 0, 0, 0, 1, 1]))])
        #expect(shapes.values["r1"] == [2, 12, 5] && shapes.values["r2"] == [2, 2, 6, 5] && shapes.values["r3"] == [2, 3, 4, 5, 1, 1])
    }

    /// The in-place rule: the last write of a blob is named after it, earlier ones `blob@layer`;
    /// Split layers make no node; the outputs are the values nobody reads.
    @Test func inPlaceLayersGetTheirOwnValues() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 1 } }
            layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
            layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
            layer { name: "split" type: "Split" bottom: "conv1" top: "a" top: "b" }
            layer { name: "relu1" type: "ReLU" bottom: "a" top: "a" }
            layer { name: "drop" type: "Dropout" bottom: "b" top: "b" }
            layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "sum" eltwise_param { coeff: 1 coeff: -1 } }
            """)
        let graph = imported.model.graph
        #expect(graph.nodes.map(\.name) == ["conv1", "bn1", "scale1", "relu1", "drop", "sum"])
        #expect(graph.nodes.map(\.outputs) == [["conv1@conv1"], ["conv1@bn1"], ["conv1"], ["a"], ["b"], ["sum"]])
        #expect(graph.nodes.map(\.inputs) == [["data"], ["conv1@conv1"], ["conv1@bn1"], ["conv1"], ["conv1"], ["a", "b"]])
        #expect(graph.outputs == ["sum"])
        #expect(CaffeValueNaming.writesValues(CaffeLayer(name: "s", type: "Split")) == false)
        // Scale's blob is filled with ones and BatchNorm's with zeros without weights (Caffe's defaults).
        #expect(imported.model.weights["scale1.scale"]?.scalars == [1, 1])
        #expect(imported.model.weights["bn1.mean"]?.scalars == [0, 0])
    }

    @Test func missingBottomsAndCyclesAreNamed() throws {
        #expect(throws: CaffeImportError.missingBottom(file: "test.prototxt", layer: "r", bottom: "nope")) {
            try Self.importText("""
                input: "data" input_shape { dim: 1 dim: 1 }
                layer { name: "r" type: "ReLU" bottom: "nope" top: "r" }
                """)
        }
        #expect(throws: CaffeImportError.missingBottom(file: "test.prototxt", layer: "a", bottom: "b")) {
            try Self.importText("""
                input: "data" input_shape { dim: 1 dim: 1 }
                layer { name: "a" type: "Eltwise" bottom: "data" bottom: "b" top: "a" }
                layer { name: "b" type: "ReLU" bottom: "a" top: "b" }
                """)
        }
        #expect(throws: CaffeImportError.noInput(file: "test.prototxt",
                                                 reason: "the net has no Input layer, no net-level input and no data layer")) {
            try Self.importText(#"layer { name: "r" type: "ReLU" bottom: "x" top: "r" }"#)
        }
    }

    /// Weights nobody uses and layers without weights are warnings, or, with strict, one error
    /// that lists every problem.
    @Test func weightBindingReportsEverythingAndStrictRefuses() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 3 }
            layer { name: "fc1" type: "InnerProduct" bottom: "data" top: "fc1" inner_product_param { num_output: 2 bias_term: false } }
            layer { name: "fc2" type: "InnerProduct" bottom: "fc1" top: "fc2" inner_product_param { num_output: 2 bias_term: false } }
            layer { name: "odd" type: "Threshold" bottom: "fc2" top: "odd" threshold_param { threshold: 0.5 } }
            """
        let weights = Self.weights(["fc1": [Self.ramp([2, 3])], "old_fc": [Self.ramp([4])]])
        let loose = try Self.importText(text, weights: weights)
        #expect(loose.warnings.contains { $0.contains("old_fc (1 blob(s))") && $0.contains("not used") })
        #expect(loose.warnings.contains { $0.contains("fc2 (InnerProduct) has no weights") })
        #expect(loose.warnings.contains { $0.contains("'odd'") && $0.contains("opaque") })
        guard case .opaque(let opaque) = try #require(loose.model.graph.node(named: "odd")).op else { Issue.record("not opaque"); return }
        #expect(opaque.type == "Threshold" && opaque.rawParameters.contains("threshold: 0.5"))
        #expect(loose.model.provenance.notes.contains { $0.contains("old_fc") })
        #expect(throws: CaffeImportError.strictViolations(file: "test.caffemodel", problems: [
            "unused weights: old_fc (1 blob(s))", "no weights for layer fc2 (InnerProduct)", "opaque layer odd (Threshold)",
        ])) {
            try Self.importText(text, weights: weights, options: CaffeImportOptions(strict: true))
        }
    }

    /// An unknown layer rewriting its bottom in place keeps the bottom's shape, so the layers after
    /// it are still mapped; an unknown layer with its own top leaves what follows it opaque.
    @Test func layersAfterAnInPlaceOpaqueLayerAreStillMapped() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 3 kernel_size: 3 } }
            layer { name: "act" type: "ReLU6" bottom: "conv" top: "conv" }
            layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "odd" type: "Interp" bottom: "pool" top: "odd" }
            layer { name: "fc" type: "InnerProduct" bottom: "odd" top: "fc" inner_product_param { num_output: 2 } }
            """
        let imported = try Self.importText(text)
        let graph = imported.model.graph
        guard case .opaque(let act) = try #require(graph.node(named: "act")).op else { Issue.record("act is not opaque"); return }
        #expect(act.type == "ReLU6" && act.outputShapes == [[1, 3, 4, 4]])
        #expect(graph.node(named: "pool")?.op.kind == .pooling)
        let shapes = try graph.inferShapesPartially()
        #expect(shapes.values[try #require(graph.node(named: "pool")).outputs[0]] == [1, 3, 2, 2])
        guard case .opaque(let odd) = try #require(graph.node(named: "odd")).op else { Issue.record("odd is not opaque"); return }
        #expect(odd.outputShapes.isEmpty)
        #expect(graph.node(named: "fc")?.op.kind == .opaque)
        #expect(imported.warnings.contains { $0.contains("'fc'") && $0.contains("input shape is unknown") })
        // The recorded shape stays inside Graft: the export is the same in-place layer ('fc', opaque
        // from a prototxt alone, has no weights, hence the force).
        let act2 = try #require(try CaffeExporter.net(for: imported.model, allowMissingWeights: true).net.layer(named: "act"))
        #expect(act2.type == "ReLU6" && act2.bottoms == ["conv"] && act2.tops == ["conv"])
    }

    @Test func prototxtAloneDrawsSeededWeightsFromItsFillers() throws {
        let text = """
            input: "data" input_shape { dim: 1 dim: 4 }
            layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
              inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.01 } bias_filler { type: "constant" value: 0.1 } } }
            layer { name: "fc2" type: "InnerProduct" bottom: "fc" top: "fc2" inner_product_param { num_output: 2 } }
            """
        let a = try Self.importText(text, options: CaffeImportOptions(seed: 7))
        let b = try Self.importText(text, options: CaffeImportOptions(seed: 7))
        let c = try Self.importText(text, options: CaffeImportOptions(seed: 8))
        #expect(a.model.weights == b.model.weights && a.model.weights != c.model.weights)
        #expect(a.model.weights["fc.bias"]?.scalars == [0.1, 0.1, 0.1])
        #expect(a.model.weights["fc2.weight"]?.scalars.allSatisfy { $0 == 0 } == true, "Caffe's default filler is constant 0")
        let std = a.model.weights["fc.weight"]!.scalars.map { $0 * $0 }.reduce(0, +) / 12
        #expect(std > 0 && std < 0.001)
        #expect(a.model.provenance.notes.contains { $0.contains("fillers") && $0.contains("seed 7") })
    }

    @Test func inputShapeOverrideAndPreprocessing() throws {
        let text = """
            name: "n"
            layer { name: "data" type: "Data" top: "data" top: "label" transform_param { scale: 0.5 mean_value: 10 mean_value: 20 mean_value: 30 crop_size: 4 } }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 1 kernel_size: 1 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "conv" bottom: "label" top: "loss" }
            """
        #expect(throws: CaffeImportError.unknownInputShape(file: "test.prototxt", input: "data")) { try Self.importText(text) }
        let imported = try Self.importText(text, options: CaffeImportOptions(inputShape: [1, 3, 4, 4]))
        let p = try #require(imported.model.preprocessing)
        #expect(p.channelOrder == .bgr && p.valueRange == [0, 255] && p.steps == [.subtract([10, 20, 30]), .multiply([0.5])])
        #expect(imported.droppedLayers == ["data (Data, training only)", "loss (SoftmaxWithLoss, training only)"])
        let override = try Self.importText(text, options: CaffeImportOptions(inputShape: [1, 3, 4, 4], mean: [1, 2, 3]))
        #expect(override.model.preprocessing?.steps == [.subtract([1, 2, 3]), .multiply([0.5])])
    }

    @Test func phaseRulesKeepTheTestNet() throws {
        let imported = try Self.importText("""
            input: "data" input_shape { dim: 1 dim: 2 }
            layer { name: "train_only" type: "ReLU" bottom: "data" top: "t" include { phase: TRAIN } }
            layer { name: "test_only" type: "Sigmoid" bottom: "data" top: "s" include { phase: TEST } }
            layer { name: "not_test" type: "TanH" bottom: "data" top: "u" exclude { phase: TEST } }
            layer { name: "staged" type: "TanH" bottom: "data" top: "v" include { stage: "deploy" } }
            """)
        #expect(imported.model.graph.nodes.map(\.name) == ["test_only"])
    }
}
