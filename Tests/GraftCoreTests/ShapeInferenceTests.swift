import Testing
@testable import GraftCore
import GraftZoo

/// Shape rules of every op, with the numbers worked out by hand in the comments.
struct ShapeInferenceTests {
    /// Output shape of a one-node graph with input `x`.
    private func infer(_ op: Op, _ inputs: [Shape], outputs: Int = 1) throws -> [Shape] {
        let names = inputs.indices.map { "in\($0)" }
        let node = Node(name: "n", op: op, inputs: names, outputs: (0..<outputs).map { "out\($0)" })
        var graph = Graph(inputs: zip(names, inputs).map { GraphInput(name: $0, shape: $1) }, nodes: [node],
                          outputs: node.outputs)
        if case .opaque = op {} else { try graph.deriveParameterSpecs() }
        let table = try graph.inferShapes()
        return node.outputs.map { table.values[$0]! }
    }

    @Test func convolutionWithStridePadDilationGroups() throws {
        // H: (10 + 1 + 2 - (2*(3-1)+1)) / 2 + 1 = (13 - 5) / 2 + 1 = 5; W: (8 + 0 + 0 - 3) / 1 + 1 = 6
        let conv = Convolution(outputChannels: 6, kernel: [3, 3], stride: [2, 1], padBegin: [1, 0], padEnd: [2, 0],
                               dilation: [2, 1], groups: 2)
        #expect(try infer(.convolution(conv), [[2, 4, 10, 8]]) == [[2, 6, 5, 6]])
    }

    @Test func convolutionParameterShapesFollowGroups() throws {
        let conv = Convolution(outputChannels: 6, kernel: [3, 5], groups: 3, hasBias: true)
        let specs = try Op.convolution(conv).expectedParameters(for: [[1, 9, 10, 10]])
        #expect(specs == [ParameterSpec("weight", [6, 3, 3, 5]), ParameterSpec("bias", [6])])
    }

    @Test func convolutionRejectsIndivisibleGroups() {
        let conv = Convolution(outputChannels: 6, kernel: [1, 1], groups: 4)
        #expect(throws: GraphError.self) { try infer(.convolution(conv), [[1, 6, 4, 4]]) }
    }

    @Test func deconvolutionCaffeSize() throws {
        // 2 * (7 - 1) + 1 * (4 - 1) + 1 - 1 - 1 + 1 = 12 + 4 - 2 + 1 = 15
        let deconv = Deconvolution(outputChannels: 3, kernel: [4, 4], stride: [2, 2], padBegin: [1, 1], outputPadding: [1, 0])
        #expect(try infer(.deconvolution(deconv), [[1, 8, 7, 7]]) == [[1, 3, 15, 14]])
        let specs = try Op.deconvolution(deconv).expectedParameters(for: [[1, 8, 7, 7]])
        #expect(specs?.first == ParameterSpec("weight", [8, 3, 4, 4]))
    }

    @Test func innerProductFlattensFromAxis() throws {
        #expect(try infer(.innerProduct(InnerProduct(outputCount: 10)), [[4, 256, 6, 6]]) == [[4, 10]])
        #expect(try Op.innerProduct(InnerProduct(outputCount: 10)).expectedParameters(for: [[4, 256, 6, 6]])?.first
            == ParameterSpec("weight", [10, 9216]))
        #expect(try infer(.innerProduct(InnerProduct(outputCount: 5, axis: 2)), [[2, 3, 4]]) == [[2, 3, 5]])
    }

    @Test func caffeCeilPooling() throws {
        // CaffeNet pool1: 55 -> ceil((55 - 3) / 2) + 1 = 27
        #expect(Pooling.outputSize(input: 55, kernel: 3, stride: 2, padBegin: 0, padEnd: 0, rounding: .ceil) == 27)
        // 6, k3, s2: ceil(3/2)+1 = 3 (ceil) vs floor(3/2)+1 = 2 (floor)
        #expect(Pooling.outputSize(input: 6, kernel: 3, stride: 2, padBegin: 0, padEnd: 0, rounding: .ceil) == 3)
        #expect(Pooling.outputSize(input: 6, kernel: 3, stride: 2, padBegin: 0, padEnd: 0, rounding: .floor) == 2)
        // 5, k2, s2, pad 1: ceil((5+2-2)/2)+1 = 4; last window starts at 3*2 = 6 >= 5 + 1 -> 3
        #expect(Pooling.outputSize(input: 5, kernel: 2, stride: 2, padBegin: 1, padEnd: 1, rounding: .ceil) == 3)
        // 6, k3, s2, pad 1: ceil((6+2-3)/2)+1 = 4; last starts at 6 < 7 -> stays 4
        #expect(Pooling.outputSize(input: 6, kernel: 3, stride: 2, padBegin: 1, padEnd: 1, rounding: .ceil) == 4)
    }

    @Test func globalPooling() throws {
        let pool = Pooling(method: .average, global: true)
        #expect(try infer(.pooling(pool), [[2, 7, 5, 3]]) == [[2, 7, 1, 1]])
    }

    @Test func elementwiseOpsKeepShape() throws {
        let x: Shape = [2, 3, 4, 5]
        for op: Op in [.relu(ReLU()), .activation(.sigmoid), .power(Power()), .dropout(Dropout()), .lrn(LRN()),
                       .batchNorm(BatchNorm()), .scale(Scale()), .bias(Bias()), .prelu(PReLU()), .softmax(Softmax())] {
            #expect(try infer(op, [x]) == [x], "\(op.kind)")
        }
    }

    @Test func scaleParameterCoversTheAxes() throws {
        #expect(try Op.scale(Scale(axis: 1, axisCount: 2, hasBias: true)).expectedParameters(for: [[1, 3, 4, 5]])
            == [ParameterSpec("scale", [3, 4]), ParameterSpec("bias", [3, 4])])
        // Two inputs: the scale comes from the second input, only the bias is a parameter.
        #expect(try infer(.scale(Scale(axis: 1, axisCount: 1)), [[1, 3, 4, 5], [3]]) == [[1, 3, 4, 5]])
    }

    @Test func concatAddsTheAxis() throws {
        #expect(try infer(.concat(Concat(axis: 1)), [[2, 3, 4, 4], [2, 5, 4, 4]]) == [[2, 8, 4, 4]])
        #expect(throws: GraphError.self) { try infer(.concat(Concat(axis: 1)), [[2, 3, 4, 4], [2, 5, 4, 3]]) }
    }

    @Test func eltwiseNeedsEqualShapes() throws {
        #expect(try infer(.eltwise(Eltwise(operation: .max)), [[1, 2], [1, 2], [1, 2]]) == [[1, 2]])
        #expect(throws: GraphError.self) { try infer(.eltwise(Eltwise(operation: .sum)), [[1, 2], [1, 3]]) }
        #expect(throws: GraphError.self) {
            try infer(.eltwise(Eltwise(operation: .sum, coefficients: [1])), [[1, 2], [1, 2]])
        }
    }

    @Test func flattenReshapePermute() throws {
        #expect(try infer(.flatten(Flatten()), [[2, 3, 4, 5]]) == [[2, 60]])
        #expect(try infer(.flatten(Flatten(axis: 2, endAxis: 3)), [[2, 3, 4, 5]]) == [[2, 3, 20]])
        #expect(try infer(.reshape(Reshape(shape: [0, -1, 5])), [[2, 3, 4, 5]]) == [[2, 12, 5]])
        #expect(throws: GraphError.self) { try infer(.reshape(Reshape(shape: [0, 7, -1])), [[2, 3, 4, 5]]) }
        #expect(try infer(.permute(Permute(order: [0, 2, 3, 1])), [[2, 3, 4, 5]]) == [[2, 4, 5, 3]])
        #expect(throws: GraphError.self) { try infer(.permute(Permute(order: [0, 1, 1, 2])), [[2, 3, 4, 5]]) }
    }

    @Test func cropBothModes() throws {
        #expect(try infer(.crop(Crop(axis: 2, offsets: [1])), [[1, 3, 10, 10], [1, 8, 6, 7]]) == [[1, 3, 6, 7]])
        #expect(try infer(.crop(Crop(axis: 2, offsets: [1, 2], endCrops: [3, 0])), [[1, 3, 10, 10]]) == [[1, 3, 6, 8]])
        #expect(throws: GraphError.self) { try infer(.crop(Crop(axis: 2, offsets: [5])), [[1, 3, 10, 10], [1, 3, 6, 6]]) }
    }

    @Test func sliceAtPointsAndEqually() throws {
        #expect(try infer(.slice(Slice(axis: 1, points: [1, 4])), [[2, 6, 3]], outputs: 3) == [[2, 1, 3], [2, 3, 3], [2, 2, 3]])
        #expect(try infer(.slice(Slice(axis: 1)), [[2, 6, 3]], outputs: 2) == [[2, 3, 3], [2, 3, 3]])
        #expect(throws: GraphError.self) { try infer(.slice(Slice(axis: 1)), [[2, 6, 3]], outputs: 4) }
        #expect(throws: GraphError.self) { try infer(.slice(Slice(axis: 1, points: [4, 2])), [[2, 6, 3]], outputs: 3) }
    }

    @Test func padAddsBorders() throws {
        #expect(try infer(.pad(Pad(padBegin: [1, 2], padEnd: [0, 3])), [[1, 3, 4, 4]]) == [[1, 3, 5, 9]])
    }

    @Test func opaqueUsesRecordedShapesOrStops() throws {
        #expect(try infer(.opaque(Opaque(framework: "caffe", type: "X", outputShapes: [[1, 5]])), [[1, 2]]) == [[1, 5]])
        #expect(throws: GraphError.unknownShape(node: "n", reason: "opaque caffe layer of type 'X' records no output shapes")) {
            try infer(.opaque(Opaque(framework: "caffe", type: "X")), [[1, 2]])
        }
    }

    @Test func partialInferenceContinuesPastOpaque() throws {
        let graph = Graph(inputs: [GraphInput(name: "x", shape: [1, 4])], nodes: [
            Node(name: "o", op: .opaque(Opaque(framework: "caffe", type: "X")), inputs: ["x"]),
            Node(name: "r", op: .relu(ReLU()), inputs: ["o"]),
        ], outputs: ["r"])
        let table = try graph.inferShapesPartially()
        #expect(table.values["o"] == nil && table.values["r"] == nil)
        #expect(table.unresolved.map(\.node) == ["o", "r"])
    }

    @Test func parameterMismatchNamesTheNode() throws {
        var graph = Architectures.tinyCNN()
        graph.nodes[0].parameters[0].shape = [8, 3, 3, 2]
        #expect(throws: GraphError.parameterMismatch(node: "conv1", parameter: "weight", expected: [8, 3, 3, 3], actual: [8, 3, 3, 2])) {
            try graph.inferShapes()
        }
        graph = Architectures.tinyCNN()
        graph.nodes[0].parameters.removeLast()
        #expect(throws: GraphError.parameterMismatch(node: "conv1", parameter: "bias", expected: [8], actual: nil)) {
            try graph.inferShapes()
        }
    }

    @Test func batchSizeIsAnInput() throws {
        let table = try Architectures.caffeNet().inferShapes(inputShapes: ["data": [16, 3, 227, 227]])
        #expect(table.values["fc8"] == [16, 1000])
        #expect(table.values["pool5"] == [16, 256, 6, 6])
    }
}
