import GraftCore

/// Graft graphs built in code with the structures Caffe models have and Keras-imported ones do
/// not: asymmetric explicit pads, Scale/Bias, average pooling that counts padding, an inner
/// product over a 4-D blob, a channel-major flatten read by a non-dense layer, reshapes and
/// permutes of rank 3. Random but non-trivial weights (seeded).
enum CaffeStyleGraphs {
    static var all: [(String, Model)] { [("caffe_convnet", convnet()), ("caffe_layouts", layouts())] }

    static func model(_ graph: Graph, seed: UInt64) -> Model {
        var graph = graph
        try! graph.deriveParameterSpecs()
        var generator = SeededGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (key, _, spec) in graph.parameterTensors {
            let values: [Float] = (0..<spec.shape.elementCount).map { _ in
                switch spec.name {
                case "variance", "scale": 0.5 + generator.nextUnitFloat()
                case "slope": generator.nextUnitFloat() * 0.5
                default: generator.nextGaussian() * 0.5
                }
            }
            weights[key] = Tensor(shape: spec.shape, scalars: values)
        }
        return Model(graph: graph, weights: weights, provenance: Provenance(sourceFormat: "graft", sourceVersion: "test"))
    }

    static func convnet() -> Model {
        let nodes = [
            Node(name: "conv1", op: .convolution(Convolution(outputChannels: 6, kernel: [3, 3], stride: [2, 2],
                                                            padBegin: [1, 0], padEnd: [0, 2])), inputs: ["data"]),
            Node(name: "bn1", op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: ["conv1"]),
            Node(name: "scale1", op: .scale(Scale(axis: 1, axisCount: 1, hasBias: true)), inputs: ["bn1"]),
            Node(name: "relu1", op: .relu(ReLU(negativeSlope: 0.1)), inputs: ["scale1"]),
            Node(name: "pool1", op: .pooling(Pooling(method: .max, kernel: [3, 3], stride: [2, 2], rounding: .ceil)), inputs: ["relu1"]),
            Node(name: "pool2", op: .pooling(Pooling(method: .average, kernel: [2, 2], stride: [1, 1], padBegin: [1, 1])),
                 inputs: ["pool1"]),
            Node(name: "bias2", op: .bias(Bias()), inputs: ["pool2"]),
            Node(name: "deconv", op: .deconvolution(Deconvolution(outputChannels: 4, kernel: [3, 3], stride: [2, 2],
                                                                 padBegin: [1, 1])), inputs: ["bias2"]),
            Node(name: "prelu", op: .prelu(PReLU()), inputs: ["deconv"]),
            Node(name: "concat", op: .concat(Concat(axis: 1)), inputs: ["prelu", "deconv"]),
            Node(name: "power", op: .power(Power(power: 1, scale: 0.5, shift: 0.1)), inputs: ["concat"]),
            Node(name: "emax", op: .eltwise(Eltwise(operation: .max)), inputs: ["concat", "power"]),
            Node(name: "fc", op: .innerProduct(InnerProduct(outputCount: 10)), inputs: ["emax"]),
            Node(name: "gpool", op: .pooling(Pooling(method: .average, global: true)), inputs: ["emax"]),
            Node(name: "gflat", op: .flatten(Flatten()), inputs: ["gpool"]),
            Node(name: "join", op: .concat(Concat(axis: 1)), inputs: ["fc", "gflat"]),
            Node(name: "prob", op: .softmax(Softmax(axis: 1)), inputs: ["join"]),
        ]
        return model(Graph(name: "caffe_convnet", inputs: [GraphInput(name: "data", shape: [1, 3, 11, 13])], nodes: nodes,
                           outputs: ["prob"]), seed: 3)
    }

    static func layouts() -> Model {
        let nodes = [
            Node(name: "conv", op: .convolution(Convolution(outputChannels: 4, kernel: [1, 1])), inputs: ["data"]),
            Node(name: "crop", op: .crop(Crop(axis: 2, offsets: [1, 0], endCrops: [1, 2])), inputs: ["conv"]),
            Node(name: "pad", op: .pad(Pad(padBegin: [0, 1], padEnd: [2, 0])), inputs: ["crop"]),
            Node(name: "flat", op: .flatten(Flatten()), inputs: ["pad"]),
            Node(name: "prelu", op: .prelu(PReLU()), inputs: ["flat"]),
            Node(name: "rank3", op: .reshape(Reshape(shape: [0, 4, 24])), inputs: ["prelu"]),
            Node(name: "swap", op: .permute(Permute(order: [0, 2, 1])), inputs: ["rank3"]),
            Node(name: "ip", op: .innerProduct(InnerProduct(outputCount: 3, axis: 2)), inputs: ["swap"]),
            Node(name: "flat2", op: .reshape(Reshape(shape: [0, 72])), inputs: ["ip"]),
            Node(name: "prob", op: .softmax(Softmax(axis: 1)), inputs: ["flat2"]),
        ]
        return model(Graph(name: "caffe_layouts", inputs: [GraphInput(name: "data", shape: [1, 2, 6, 5])], nodes: nodes,
                           outputs: ["prob"]), seed: 5)
    }

    /// A Keras-layout (NHWC) input for a model with an NCHW image input.
    static func input(for model: Model, batch: Int = 2) -> Tensor {
        let s = model.graph.inputs[0].shape
        var generator = SeededGenerator(seed: 9)
        let shape: Shape = [batch, s[2], s[3], s[1]]
        return Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in generator.nextUnitFloat() })
    }
}
