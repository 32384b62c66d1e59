import Foundation
import Testing
@testable import GraftCore
import GraftZoo

/// The graph JSON is the heart of the native format: every op must survive a round trip.
struct GraphCodingTests {
    /// One node of every op kind (the list is checked against `OpKind.allCases`).
    static let everyOp: [Op] = [
        .layerNorm(LayerNormalization(axis: 1, endAxis: 2, epsilon: 1e-6, hasScale: true, hasShift: false)),
        .convolution(Convolution(outputChannels: 4, kernel: [3, 2], stride: [2, 1], padBegin: [0, 1], padEnd: [1, 0],
                                 dilation: [1, 2], groups: 2, hasBias: false)),
        .deconvolution(Deconvolution(outputChannels: 4, kernel: [4, 4], stride: [2, 2], padBegin: [1, 1], outputPadding: [1, 0])),
        .innerProduct(InnerProduct(outputCount: 7, hasBias: true, axis: 1)),
        .pooling(Pooling(method: .average, kernel: [3, 3], stride: [2, 2], padBegin: [1, 1], rounding: .ceil,
                         averageDivisor: .excludePadding)),
        .lrn(LRN(region: .withinChannel, size: 3, alpha: 5e-5, beta: 0.75, k: 2)),
        .batchNorm(BatchNorm(epsilon: 1e-3, hasScale: true, hasShift: false)),
        .scale(Scale(axis: 1, axisCount: 1, hasBias: true)),
        .bias(Bias()),
        .relu(ReLU(negativeSlope: 0.1, maxValue: 6, threshold: 0)),
        .prelu(PReLU(channelShared: true)),
        .activation(.elu(alpha: 0.5)),
        .power(Power(power: 2, scale: 0.5, shift: 1)),
        .softmax(Softmax(axis: 1)),
        .concat(Concat(axis: 1)),
        .eltwise(Eltwise(operation: .sum, coefficients: [1, -1])),
        .flatten(Flatten(axis: 1, endAxis: -1, order: .channelsLast)),
        .reshape(Reshape(shape: [0, -1, 2])),
        .permute(Permute(order: [0, 2, 3, 1])),
        .dropout(Dropout(ratio: 0.3)),
        .crop(Crop(axis: 2, offsets: [1, 2], endCrops: [0, 1])),
        .slice(Slice(axis: 1, points: [1, 3])),
        .pad(Pad(padBegin: [1, 0], padEnd: [0, 2], value: -1)),
        .l2Norm(L2Normalization(acrossSpatial: false, channelShared: false, epsilon: 1e-6)),
        .constant(Constant(shape: [1, 2, 8], origin: ConstantOrigin(
            layer: Opaque(framework: "caffe", type: "PriorBox", rawParameters: "prior_box_param { min_size: 4 }"), inputs: ["f", "data"]))),
        .opaque(Opaque(framework: "caffe", type: "Permute", rawParameters: "permute_param { order: 0 }", outputShapes: [[1, 2]])),
    ]

    @Test func everyOpKindIsCovered() {
        #expect(Set(Self.everyOp.map(\.kind)) == Set(OpKind.allCases))
    }

    @Test(arguments: everyOp)
    func opRoundTripsThroughJSON(op: Op) throws {
        let node = Node(name: "n", op: op, inputs: ["x"], outputs: ["y"], parameters: [ParameterSpec("weight", [2, 3])])
        let data = try JSONEncoder().encode(node)
        let decoded = try JSONDecoder().decode(Node.self, from: data)
        #expect(decoded == node)
        let json = try #require(String(data: data, encoding: .utf8))
        #expect(json.contains("\"op\":\"\(op.kind.rawValue)\""))
    }

    @Test(arguments: [Activation.elu(alpha: 1), .selu, .sigmoid, .tanh, .hardSigmoid, .hardSigmoidOneSixth, .swish, .softplus,
                      .hardSwish, .gelu(approximate: false), .gelu(approximate: true)])
    func activationsRoundTrip(activation: Activation) throws {
        let data = try JSONEncoder().encode(activation)
        #expect(try JSONDecoder().decode(Activation.self, from: data) == activation)
    }

    @Test func unknownOpKindIsRejectedWithItsName() {
        let json = #"{"name":"n","op":"Warp","attributes":{},"inputs":["x"],"outputs":["y"]}"#
        #expect {
            _ = try JSONDecoder().decode(Node.self, from: Data(json.utf8))
        } throws: { error in
            "\(error)".contains("unknown op 'Warp'")
        }
    }

    @Test func wholeGraphRoundTrips() throws {
        let graph = Architectures.caffeNet()
        let data = try JSONEncoder().encode(graph)
        #expect(try JSONDecoder().decode(Graph.self, from: data) == graph)
    }
}
