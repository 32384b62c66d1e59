/// Edits a model for fine-tuning: a new classifier head, re-initialised weights (the
/// from-scratch baseline), and the layer boundaries layer-wise tuning steps through.
extension Model {
    /// Nodes that own trainable parameters, in graph order: the depths of layer-wise tuning.
    /// "Tune from node k" freezes every trainable layer before k.
    public var trainableLayers: [String] {
        graph.nodes.filter { node in
            node.parameters.contains { !node.op.statisticsParameters.contains($0.name) }
        }.map(\.name)
    }

    /// The model with the frozen flags lifted from the tensors of `node` and every node after it
    /// (every node when nil), and the names of the tensors lifted.
    ///
    /// A flag is lifted only where the tensor's learning-rate multiplier is not 0: a Keras layer
    /// saved with `trainable: false` (the frozen base of a transfer-learning model) trains once
    /// the chosen depth reaches it, as in Keras's second, unfrozen phase; a Caffe `lr_mult: 0`
    /// (and an ONNX tensor Graft exported as frozen) keeps its zero rate.
    public func liftingRecordedFreeze(from node: String?) -> (model: Model, lifted: [String]) {
        guard var training, !training.parameters.isEmpty else { return (self, []) }
        let start = node.flatMap { name in graph.nodes.firstIndex { $0.name == name } } ?? 0
        var lifted: [String] = []
        for n in graph.nodes[start...] {
            for spec in n.parameters {
                let key = n.tensorName(spec.name)
                guard let settings = training.parameters[key], settings.frozen, settings.learningRateMultiplier != 0 else { continue }
                training.parameters[key]?.frozen = false
                lifted.append(key)
            }
        }
        var model = self
        model.training = training
        return (model, lifted)
    }

    /// The last inner product (or, if the network ends in convolutions, the last convolution):
    /// the classifier a new head replaces.
    public var classifierNode: String? {
        graph.nodes.last { node in
            switch node.op {
            case .innerProduct, .convolution: true
            default: false
            }
        }?.name
    }

    /// Whether ``classifierNode`` really is the model's classifier: between it and the output only
    /// functions that do not care how many classes there are (activations, softmax, dropout,
    /// flatten, global pooling). A feature extractor (Keras's `include_top=False` bases end in
    /// BatchNorm, activation and pooling after their last convolution) has none.
    public var endsInClassifier: Bool {
        guard let name = classifierNode, let index = graph.nodes.firstIndex(where: { $0.name == name }) else { return false }
        var reaching = Set(graph.nodes[index].outputs)
        for node in graph.nodes[(index + 1)...] where node.inputs.contains(where: reaching.contains) {
            switch node.op {
            case .relu, .activation, .softmax, .dropout, .flatten: break
            case .pooling(let p) where p.global: break
            default: return false
            }
            reaching.formUnion(node.outputs)
        }
        return graph.outputs.allSatisfy(reaching.contains)
    }

    /// Replaces the classifier with a fresh one of `classes` outputs, or, when the model is a
    /// feature extractor (see ``endsInClassifier``), appends one: global average pooling of an
    /// image output, a flatten, and a new inner product. Weights are drawn from `filler` (Caffe
    /// fine-tuning examples use a Gaussian of std 0.01), biases are 0. The new head's
    /// learning-rate multipliers are multiplied by `learningRateBoost` (the paper trains the new
    /// layer faster than the pretrained ones).
    public func replacingHead(classes: Int, filler: Filler = .gaussian(std: 0.01), learningRateBoost: Float = 1,
                              labels: [String] = [], seed: UInt64) throws(GraphError) -> Model {
        if !endsInClassifier { return try appendingHead(classes: classes, filler: filler, learningRateBoost: learningRateBoost,
                                                         labels: labels, seed: seed) }
        guard let name = classifierNode, let index = graph.nodes.firstIndex(where: { $0.name == name }) else {
            throw .invalidShape(node: graph.name, reason: "the model has no inner product or convolution to replace")
        }
        var model = self
        switch graph.nodes[index].op {
        case .innerProduct(var p):
            p.outputCount = classes
            model.graph.nodes[index].op = .innerProduct(p)
        case .convolution(var p):
            guard p.groups == 1 else { throw .invalidShape(node: name, reason: "a grouped convolution cannot become a classifier head") }
            p.outputChannels = classes
            model.graph.nodes[index].op = .convolution(p)
        default:
            break
        }
        try model.initializeHead(at: index, filler: filler, learningRateBoost: learningRateBoost, labels: labels, seed: seed)
        model.provenance.notes.append("classifier '\(name)' replaced by a new \(classes)-class head")
        return model
    }

    /// A new classifier after the first output of a feature extractor (see ``replacingHead``).
    func appendingHead(classes: Int, filler: Filler, learningRateBoost: Float, labels: [String],
                       seed: UInt64) throws(GraphError) -> Model {
        guard let output = graph.outputs.first else {
            throw .invalidShape(node: graph.name, reason: "the model has no output to put a classifier on")
        }
        let shapes = try graph.inferShapes()
        guard let shape = shapes.values[output], shape.rank >= 2 else {
            throw .invalidShape(node: graph.name, reason: "output '\(output)' has no feature axis for a classifier")
        }
        var model = self
        var names = Set(graph.nodes.map(\.name) + graph.inputs.map(\.name))
        func unique(_ base: String) -> String {
            var name = base
            var i = 1
            while names.contains(name) { name = "\(base)_\(i)"; i += 1 }
            names.insert(name)
            return name
        }
        var features = output
        if shape.rank == 4 {
            let pool = Node(name: unique("head_pool"), op: .pooling(Pooling(method: .average, global: true)), inputs: [features])
            model.graph.nodes.append(pool)
            features = pool.outputs[0]
        }
        if shape.rank > 2 {
            let flatten = Node(name: unique("head_flatten"), op: .flatten(Flatten()), inputs: [features])
            model.graph.nodes.append(flatten)
            features = flatten.outputs[0]
        }
        let head = Node(name: unique("head"), op: .innerProduct(InnerProduct(outputCount: classes)), inputs: [features])
        model.graph.nodes.append(head)
        model.graph.outputs = [head.outputs[0]]
        try model.initializeHead(at: model.graph.nodes.count - 1, filler: filler, learningRateBoost: learningRateBoost,
                                 labels: labels, seed: seed)
        model.provenance.notes.append("a new \(classes)-class head '\(head.name)' appended after '\(output)' (the model ended in features)")
        return model
    }

    /// Re-derives the specs and shapes, then gives the head at node `index` fresh weights (from
    /// `filler`, biases 0), a boosted learning rate, no freezing, and the class labels.
    private mutating func initializeHead(at index: Int, filler: Filler, learningRateBoost: Float, labels: [String],
                                         seed: UInt64) throws(GraphError) {
        try graph.deriveParameterSpecs()
        _ = try graph.inferShapes()
        var rng = SeededGenerator(seed: seed)
        var training = self.training ?? TrainingMetadata()
        for spec in graph.nodes[index].parameters {
            let key = graph.nodes[index].tensorName(spec.name)
            weights[key] = (spec.name == "weight" ? filler : .constant(0)).tensor(spec.shape, using: &rng)
            var settings = training.parameters[key] ?? .init()
            settings.learningRateMultiplier *= learningRateBoost
            settings.frozen = false
            training.parameters[key] = settings
        }
        training.classLabels = labels
        self.training = training
    }

    /// The model with its input resized to `height` x `width` (`graft tune --input-size`): fully
    /// convolutional parts adapt, and a layer whose weights fix the size (a fully connected layer
    /// after the last convolution) is named in the error shape inference throws.
    public func resizingInput(height: Int, width: Int) throws(GraphError) -> Model {
        guard graph.inputs.count == 1, graph.inputs[0].shape.rank == 4 else {
            let described = graph.inputs.map { "'\($0.name)' \($0.shape)" }.joined(separator: ", ")
            throw .invalidShape(node: graph.inputs.first?.name ?? "input",
                                reason: "resizing the input needs one N x C x H x W input; the model has \(described)")
        }
        guard height >= 1, width >= 1 else {
            throw .invalidShape(node: graph.inputs[0].name, reason: "cannot resize the input to \(height) x \(width)")
        }
        var model = self
        model.graph.inputs[0].shape[2] = height
        model.graph.inputs[0].shape[3] = width
        model.preprocessing?.inputShape = model.graph.inputs[0].shape
        _ = try model.graph.inferShapes()
        return model
    }

    /// Every parameter re-initialised as a from-scratch network: `weightFiller` for convolution,
    /// deconvolution and inner-product weights, zero biases and shifts, unit scales and variances,
    /// zero means, PReLU slopes 0.25.
    public func reinitialized(weightFiller: Filler = .msra, seed: UInt64) -> Model {
        var model = self
        var rng = SeededGenerator(seed: seed)
        for (key, node, spec) in graph.parameterTensors {
            let filler: Filler = switch (node.op, spec.name) {
            case (.convolution, "weight"), (.deconvolution, "weight"), (.innerProduct, "weight"): weightFiller
            case (_, "scale"), (_, "variance"): .constant(1)
            case (.prelu, "slope"): .constant(0.25)
            case (.opaque, _): .gaussian(std: 0.01)
            default: .constant(0)
            }
            model.weights[key] = filler.tensor(spec.shape, using: &rng)
        }
        model.provenance.notes.append("all weights re-initialised for training from scratch (seed \(seed))")
        return model
    }
}
