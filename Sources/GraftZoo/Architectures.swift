public import GraftCore

/// Reference architectures built in code: for tests, benchmarks, samples and `graft create`.
public enum Architectures {
    /// The names `graft create` accepts.
    public static let names = ["caffenet", "cifar10-quick", "tiny-cnn"]

    /// Builds a named architecture with derived parameter specs, or nil for an unknown name.
    public static func named(_ name: String) -> Graph? {
        switch name {
        case "caffenet": caffeNet()
        case "cifar10-quick": cifar10Quick()
        case "tiny-cnn": tinyCNN()
        default: nil
        }
    }

    /// BVLC CaffeNet (the AlexNet variant of Caffe's model zoo) deploy net: 227x227 BGR input,
    /// grouped convolutions, LRN after pooling, Caffe ceil pooling, 1000 classes.
    /// 60,965,224 parameters and about 0.72 GMACs per image.
    public static func caffeNet(classes: Int = 1000) -> Graph {
        var b = GraphBuilder(name: "CaffeNet", input: "data", shape: [1, 3, 227, 227])
        b.conv("conv1", 96, kernel: 11, stride: 4)
        b.relu("relu1")
        b.pool("pool1", .max, kernel: 3, stride: 2)
        b.lrn("norm1")
        b.conv("conv2", 256, kernel: 5, pad: 2, groups: 2)
        b.relu("relu2")
        b.pool("pool2", .max, kernel: 3, stride: 2)
        b.lrn("norm2")
        b.conv("conv3", 384, kernel: 3, pad: 1)
        b.relu("relu3")
        b.conv("conv4", 384, kernel: 3, pad: 1, groups: 2)
        b.relu("relu4")
        b.conv("conv5", 256, kernel: 3, pad: 1, groups: 2)
        b.relu("relu5")
        b.pool("pool5", .max, kernel: 3, stride: 2)
        b.innerProduct("fc6", 4096)
        b.relu("relu6")
        b.dropout("drop6")
        b.innerProduct("fc7", 4096)
        b.relu("relu7")
        b.dropout("drop7")
        b.innerProduct("fc8", classes)
        b.softmax("prob")
        return b.graph
    }

    /// Caffe's CIFAR-10 "quick" net: 32x32 input, three conv/pool stages, two inner products.
    public static func cifar10Quick(classes: Int = 10) -> Graph {
        var b = GraphBuilder(name: "CIFAR10_quick", input: "data", shape: [1, 3, 32, 32])
        b.conv("conv1", 32, kernel: 5, pad: 2)
        b.pool("pool1", .max, kernel: 3, stride: 2)
        b.relu("relu1")
        b.conv("conv2", 32, kernel: 5, pad: 2)
        b.relu("relu2")
        b.pool("pool2", .average, kernel: 3, stride: 2)
        b.conv("conv3", 64, kernel: 5, pad: 2)
        b.relu("relu3")
        b.pool("pool3", .average, kernel: 3, stride: 2)
        b.innerProduct("ip1", 64)
        b.innerProduct("ip2", classes)
        b.softmax("prob")
        return b.graph
    }

    /// A very small CNN (3x16x16 input, two classes) for samples and fast tests.
    public static func tinyCNN(classes: Int = 2) -> Graph {
        var b = GraphBuilder(name: "TinyCNN", input: "data", shape: [1, 3, 16, 16])
        b.conv("conv1", 8, kernel: 3, pad: 1)
        b.relu("relu1")
        b.pool("pool1", .max, kernel: 2, stride: 2)
        b.conv("conv2", 16, kernel: 3, pad: 1)
        b.relu("relu2")
        b.pool("pool2", .average, kernel: 2, stride: 2)
        b.innerProduct("fc", classes)
        b.softmax("prob")
        return b.graph
    }
}

/// Builds a chain of nodes, each reading the previous node's output (Caffe style, one output
/// named after the node). Used for the reference architectures.
public struct GraphBuilder {
    /// The nodes added so far, in order.
    public private(set) var nodes: [Node] = []
    private let name: String
    private let input: GraphInput
    private var last: String

    /// Starts an empty chain on one input named `input` of `shape`; `name` is the graph's.
    public init(name: String, input: String, shape: Shape) {
        self.name = name
        self.input = GraphInput(name: input, shape: shape)
        self.last = input
    }

    /// The built graph with parameter specs derived from the ops and shapes.
    public var graph: Graph {
        var g = Graph(name: name, inputs: [input], nodes: nodes, outputs: [last])
        do { try g.deriveParameterSpecs() } catch { preconditionFailure("GraphBuilder: \(error)") }
        return g
    }

    /// Appends node `name` running `op` on the previous node's output.
    public mutating func add(_ name: String, _ op: Op) {
        nodes.append(Node(name: name, op: op, inputs: [last]))
        last = name
    }

    /// Appends a square convolution with `outputs` channels (same stride and padding on both axes).
    public mutating func conv(_ name: String, _ outputs: Int, kernel: Int, stride: Int = 1, pad: Int = 0, groups: Int = 1) {
        add(name, .convolution(Convolution(outputChannels: outputs, kernel: [kernel, kernel], stride: [stride, stride],
                                           padBegin: [pad, pad], groups: groups)))
    }

    /// Appends a ReLU.
    public mutating func relu(_ name: String) { add(name, .relu(ReLU())) }

    /// Appends a square pooling window, rounding the output size up (Caffe's rule).
    public mutating func pool(_ name: String, _ method: Pooling.Method, kernel: Int, stride: Int) {
        add(name, .pooling(Pooling(method: method, kernel: [kernel, kernel], stride: [stride, stride], rounding: .ceil)))
    }

    /// Appends a local response normalization with AlexNet's settings (size 5, alpha 1e-4, beta 0.75).
    public mutating func lrn(_ name: String) { add(name, .lrn(LRN(size: 5, alpha: 1e-4, beta: 0.75))) }
    /// Appends an inner product with `outputs` outputs.
    public mutating func innerProduct(_ name: String, _ outputs: Int) { add(name, .innerProduct(InnerProduct(outputCount: outputs))) }
    /// Appends a dropout with ratio 0.5.
    public mutating func dropout(_ name: String) { add(name, .dropout(Dropout(ratio: 0.5))) }
    /// Appends a softmax over the channel axis.
    public mutating func softmax(_ name: String) { add(name, .softmax(Softmax(axis: 1))) }
}

extension Architectures {
    /// The same graph with its last inner product resized to `classes` outputs.
    public static func withClasses(_ graph: Graph, _ classes: Int) -> Graph {
        var g = graph
        guard let last = g.nodes.lastIndex(where: { if case .innerProduct = $0.op { true } else { false } }),
              case .innerProduct(var p) = g.nodes[last].op else { return graph }
        p.outputCount = classes
        g.nodes[last].op = .innerProduct(p)
        do { try g.deriveParameterSpecs() } catch { preconditionFailure("withClasses: \(error)") }
        return g
    }
}
