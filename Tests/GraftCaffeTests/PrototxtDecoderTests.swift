import Testing
@testable import GraftCaffe

private func net(_ text: String, strict: Bool = false) throws(CaffeError) -> CaffeNet {
    try CaffePrototxt.decode(text, file: "net.prototxt", strict: strict)
}

private func decodeError(_ text: String, strict: Bool = false) -> String? {
    do {
        _ = try net(text, strict: strict)
        return nil
    } catch { return error.description }
}

private func layer(_ body: String) throws -> CaffeLayer {
    try #require(net("layer { name: \"l\" type: \"T\" \(body) }").layers.first)
}

struct PrototxtDecoderTests {
    @Test func absentAndEmptyBlocksGetCaffesDefaults() throws {
        let l = try layer("convolution_param {} pooling_param {} lrn_param {} batch_norm_param {} inner_product_param {} "
                          + "scale_param {} eltwise_param {} concat_param {} softmax_param {} dropout_param {} crop_param {} "
                          + "flatten_param {} reshape_param {} prelu_param {} elu_param {} power_param {} slice_param {} transform_param {}")
        let conv = try #require(l.convolution)
        #expect(conv.biasTerm && conv.group == 1 && conv.axis == 1 && conv.engine == .default && conv.numOutput == 0)
        #expect(conv.kernelSize.isEmpty && conv.padH == nil && conv.kernelH == nil && conv.strideW == nil)
        let pool = try #require(l.pooling)
        #expect(pool.pool == .max && pool.stride == 1 && pool.pad == 0 && pool.kernelSize == nil && !pool.globalPooling
                && pool.roundMode == .ceil)
        let lrn = try #require(l.lrn)
        #expect(lrn.localSize == 5 && lrn.alpha == 1 && lrn.beta == 0.75 && lrn.k == 1 && lrn.normRegion == .acrossChannels)
        let bn = try #require(l.batchNorm)
        #expect(bn.eps == 1e-5 && bn.movingAverageFraction == 0.999 && bn.useGlobalStats == nil)
        #expect(l.innerProduct == CaffeParam.InnerProduct() && l.innerProduct?.biasTerm == true)
        #expect(l.scale?.biasTerm == false && l.scale?.axis == 1 && l.scale?.numAxes == 1)
        #expect(l.eltwise?.operation == .sum && l.eltwise?.stableProdGrad == true)
        #expect(l.concat?.axis == 1 && l.concat?.concatDim == nil)
        #expect(l.softmax?.axis == 1 && l.dropout?.dropoutRatio == 0.5 && l.crop?.axis == 2)
        #expect(l.flatten?.axis == 1 && l.flatten?.endAxis == -1)
        #expect(l.reshape?.shape == nil && l.reshape?.axis == 0 && l.reshape?.numAxes == -1)
        #expect(l.prelu?.channelShared == false && l.elu?.alpha == 1)
        #expect(l.power == CaffeParam.Power() && l.power?.scale == 1 && l.slice?.sliceDim == nil)
        #expect(l.transform?.scale == 1 && l.transform?.meanFile == nil)
        // Absent blocks stay absent.
        #expect(try layer("").parameters == CaffeLayerParameters())
    }

    @Test func everyConvolutionAndPoolingField() throws {
        let l = try layer("""
            convolution_param { num_output: 64 bias_term: false pad: 1 pad: 2 kernel_size: [3, 5] stride: 2 dilation: 1
              pad_h: 0 pad_w: 4 kernel_h: 3 kernel_w: 5 stride_h: 1 stride_w: 2 group: 64 axis: -3 force_nd_im2col: t
              weight_filler { type: "msra" variance_norm: FAN_OUT std: 0.01 sparse: -1 } bias_filler { value: 0.2 } engine: CUDNN }
            pooling_param { pool: AVE kernel_h: 2 kernel_w: 3 stride_h: 1 stride_w: 2 pad_h: 1 pad_w: 0 global_pooling: false round_mode: FLOOR }
            """)
        let c = try #require(l.convolution)
        #expect(c.numOutput == 64 && !c.biasTerm && c.pad == [1, 2] && c.kernelSize == [3, 5] && c.stride == [2] && c.dilation == [1])
        #expect(c.padH == 0 && c.padW == 4 && c.kernelH == 3 && c.kernelW == 5 && c.strideH == 1 && c.strideW == 2)
        #expect(c.group == 64 && c.axis == -3 && c.forceNDIm2col && c.engine == .cudnn)
        #expect(c.weightFiller?.type == "msra" && c.weightFiller?.varianceNorm == .fanOut && c.weightFiller?.std == 0.01)
        #expect(c.biasFiller?.type == "constant" && c.biasFiller?.value == 0.2)
        let p = try #require(l.pooling)
        #expect(p.pool == .ave && p.kernelH == 2 && p.kernelW == 3 && p.strideH == 1 && p.strideW == 2 && p.padH == 1 && p.padW == 0)
        #expect(p.roundMode == .floor && p.kernelSize == nil)
    }

    @Test func enumsByNameOrNumber() throws {
        #expect(try layer("pooling_param { pool: AVE }").pooling?.pool == .ave)
        #expect(try layer("pooling_param { pool: 2 }").pooling?.pool == .stochastic)
        #expect(try layer("eltwise_param { operation: 0 }").eltwise?.operation == .prod)
        #expect(try layer("phase: TEST").phase == .test)
        #expect(decodeError("layer { pooling_param { pool: MEAN } }")
                == "net.prototxt:1:31: invalid value for 'pool': MEAN is not a PoolingParameter.PoolMethod (MAX, AVE, STOCHASTIC)")
        #expect(decodeError("layer { pooling_param { pool: 7 } }")
                == "net.prototxt:1:31: invalid value for 'pool': 7 is not a PoolingParameter.PoolMethod (MAX, AVE, STOCHASTIC)")
        // Enum names are case-sensitive in protobuf text format.
        #expect(decodeError("layer { pooling_param { pool: max } }") != nil)
    }

    @Test func booleansInEverySpelling() throws {
        for (text, value) in [("true", true), ("True", true), ("t", true), ("1", true),
                              ("false", false), ("False", false), ("f", false), ("0", false)] {
            #expect(try layer("convolution_param { bias_term: \(text) }").convolution?.biasTerm == value, "\(text)")
        }
        #expect(decodeError("layer { convolution_param { bias_term: yes } }")
                == "net.prototxt:1:40: invalid value for 'bias_term': expected true or false but found identifier 'yes'")
    }

    @Test func numbersInEverySpelling() throws {
        #expect(try layer("convolution_param { num_output: 0x20 }").convolution?.numOutput == 32)
        #expect(try layer("convolution_param { num_output: 010 }").convolution?.numOutput == 8)
        #expect(try layer("convolution_param { axis: -0x2 }").convolution?.axis == -2)
        #expect(try layer("relu_param { negative_slope: 1e-2 }").relu?.negativeSlope == 0.01)
        #expect(try layer("relu_param { negative_slope: 1.5f }").relu?.negativeSlope == 1.5)
        #expect(try layer("relu_param { negative_slope: .25 }").relu?.negativeSlope == 0.25)
        #expect(try layer("relu_param { negative_slope: 2. }").relu?.negativeSlope == 2)
        #expect(try layer("relu_param { negative_slope: -017 }").relu?.negativeSlope == -15)
        #expect(try layer("relu_param { negative_slope: 3 }").relu?.negativeSlope == 3)
        #expect(try layer("relu_param { negative_slope: -inf }").relu?.negativeSlope == -.infinity)
        #expect(try layer("relu_param { negative_slope: Infinity }").relu?.negativeSlope == .infinity)
        #expect(try layer("relu_param { negative_slope: NaN }").relu?.negativeSlope.isNaN == true)
        #expect(decodeError("layer { convolution_param { num_output: -1 } }")
                == "net.prototxt:1:41: invalid value for 'num_output': -1 is out of range for uint32")
        #expect(decodeError("layer { convolution_param { num_output: 4294967296 } }")
                == "net.prototxt:1:41: invalid value for 'num_output': 4294967296 is out of range for uint32")
        #expect(decodeError("layer { convolution_param { num_output: 2.5 } }")
                == "net.prototxt:1:41: invalid value for 'num_output': expected an integer (uint32) but found number 2.5")
        #expect(decodeError("layer { relu_param { negative_slope: \"x\" } }")
                == "net.prototxt:1:38: invalid value for 'negative_slope': expected a number but found string \"x\"")
        #expect(decodeError("layer { name: 3 }") == "net.prototxt:1:15: invalid value for 'name': expected a quoted string but found number 3")
    }

    @Test func nonRepeatedFieldsMayNotRepeat() {
        #expect(decodeError("name: \"a\"\nname: \"b\"") == "net.prototxt:2:1: non-repeated field 'name' is given more than once")
        #expect(decodeError("layer { convolution_param {} convolution_param {} }")
                == "net.prototxt:1:30: non-repeated field 'convolution_param' is given more than once")
        #expect(decodeError("layer { relu_param: 1 }") == "net.prototxt:1:9: invalid value for 'relu_param': expected a message block but found a value")
    }

    @Test func unknownFieldsAreKeptAsTextWithWarnings() throws {
        let text = """
            name: "n"
            fork_level: 3
            layer {
              name: "p"
              type: "Permute"
              permute_param { order: [0, 2, 3, 1] }
              convolution_param { num_output: 2 fancy: true }
            }
            """
        let n = try net(text)
        #expect(n.rawUnknown == ["fork_level: 3"])
        #expect(n.layers[0].rawUnknown == ["permute_param { order: [0, 2, 3, 1] }", "fancy: true"])
        #expect(n.layers[0].convolution?.numOutput == 2)
        #expect(n.warnings.map(\.description) == [
            "net.prototxt:2:1: warning: unknown field 'fork_level' in NetParameter kept as text",
            "net.prototxt:6:3: warning: unknown field 'permute_param' in LayerParameter of layer 'p' kept as text",
            "net.prototxt:7:37: warning: unknown field 'fancy' in ConvolutionParameter of layer 'p' kept as text",
        ])
        #expect(decodeError(text, strict: true) == "net.prototxt:2:1: unknown field 'fork_level' in NetParameter")
    }

    @Test func inputsFromEveryDeclarationStyle() throws {
        #expect(try net("input: \"data\" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 9").inputs
                == [.init(name: "data", shape: [1, 3, 8, 9])])
        #expect(try net("input: \"a\" input: \"b\" input_shape { dim: [1, 2] } input_shape { dim: 5 }").inputs
                == [.init(name: "a", shape: [1, 2]), .init(name: "b", shape: [5])])
        #expect(try net("input: \"a\"").inputs == [.init(name: "a", shape: nil)])
        #expect(try net("layer { name: \"in\" type: \"Input\" top: \"x\" top: \"y\" input_param { shape { dim: [1, 3] } } }").inputs
                == [.init(name: "x", shape: [1, 3]), .init(name: "y", shape: [1, 3])])
        #expect(try net("layer { type: \"Input\" top: \"x\" top: \"y\" input_param { shape { dim: 1 } shape { dim: 2 } } }").inputs
                == [.init(name: "x", shape: [1]), .init(name: "y", shape: [2])])
        #expect(decodeError("input: \"a\" input_dim: 1 input_dim: 3") == "net.prototxt: 2 input_dim values for 1 inputs (4 per input expected)")
        #expect(decodeError("input: \"a\" input_shape {} input_shape {}") == "net.prototxt: 2 input_shape entries for 1 inputs")
    }

    @Test func v1NetsAreUpgradedToV2Spelling() throws {
        let n = try net("""
            name: "old"
            layers { name: "d" type: DATA top: "data" data_param { source: "x" scale: 0.5 mirror: true batch_size: 4 } }
            layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" blobs_lr: 1 blobs_lr: 2 weight_decay: 1 weight_decay: 0
                     param: "shared_w" convolution_param { num_output: 8 kernel_size: 3 } }
            layers { name: "ip" type: 14 bottom: "c" top: "ip" }
            layers { name: "loss" type: SOFTMAX_LOSS bottom: "ip" top: "loss" include { phase: TRAIN } }
            """)
        #expect(n.generation == .v1)
        #expect(n.layers.map(\.type) == ["Data", "Convolution", "InnerProduct", "SoftmaxWithLoss"])
        #expect(n.layers[1].params == [CaffeParamSpec(name: "shared_w", lrMult: 1, decayMult: 1), CaffeParamSpec(lrMult: 2, decayMult: 0)])
        #expect(n.layers[1].convolution?.numOutput == 8 && n.layers[1].convolution?.kernelSize == [3])
        #expect(n.layers[0].transform?.scale == 0.5 && n.layers[0].transform?.mirror == true)
        #expect(n.layers[0].data?.scale == 1 && n.layers[0].data?.mirror == false && n.layers[0].data?.batchSize == 4)
        #expect(n.layers[3].include == [CaffeNetStateRule(phase: .train)])
        #expect(V1LayerType.allCases.count == V1LayerType.protoNames.count)
        #expect(V1LayerType(protoName: "SOFTMAX_LOSS")?.v2Name == "SoftmaxWithLoss")
        #expect(V1LayerType.deconvolution.protoName == "DECONVOLUTION" && V1LayerType.deconvolution.rawValue == 39)
    }

    @Test func mixedAndAncientGenerationsAreRefused() {
        #expect(decodeError("layer { name: \"a\" } layers { name: \"b\" }")
                == "net.prototxt: the net has both 'layer' (V2) and 'layers' (V1) definitions")
        #expect(decodeError("layers { layer { name: \"conv1\" type: \"conv\" num_output: 3 } }")?.hasPrefix(
            "net.prototxt: V0 layer definitions (2013 Caffe) are not supported") == true)
    }

    @Test func blobsInTextFollowTheBinaryRules() throws {
        let l = try layer("blobs { shape { dim: [2] } data: [1, 2] } blobs { num: 1 channels: 1 height: 1 width: 2 double_data: [3, 4] }")
        #expect(l.blobs == [CaffeBlob(shape: [2], data: [1, 2]),
                            CaffeBlob(shape: [1, 1, 1, 2], shapeSource: .legacy4D, precision: .double, data: [3, 4])])
        #expect(l.blobs[1].legacy4D == [1, 1, 1, 2] && l.blobs[0].legacy4D == nil)
        #expect(decodeError("layer { blobs { shape { dim: 3 } data: 1 } }")
                == "net.prototxt:1:9: invalid value for 'blobs': 1 values for shape [3]")
    }

    @Test func paramSpecsRulesAndNetState() throws {
        let n = try net("""
            force_backward: true
            state { phase: TRAIN level: 2 stage: "s" }
            layer { name: "a" param { name: "w" lr_mult: 0.1 decay_mult: 0 share_mode: PERMISSIVE } param {}
                    exclude { phase: TEST min_level: 1 max_level: 3 stage: "x" not_stage: "y" }
                    loss_weight: 0.5 propagate_down: [true, false] }
            """)
        #expect(n.forceBackward && n.state?.phase == .train && n.state?.level == 2 && n.state?.stage == ["s"])
        let l = n.layers[0]
        #expect(l.params == [CaffeParamSpec(name: "w", shareMode: .permissive, lrMult: 0.1, decayMult: 0), CaffeParamSpec()])
        #expect(l.exclude.first?.minLevel == 1 && l.exclude.first?.notStage == ["y"] && l.exclude.first?.phase == .test)
        #expect(l.lossWeights == [0.5] && l.propagateDown == [true, false])
    }
}
