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

    /// Replaces the classifier with a fresh one of `classes` outputs. Weights are drawn from
    /// `filler` (Caffe fine-tuning examples use a Gaussian of std 0.01), biases are 0. The new
    /// head's learning-rate multipliers are multiplied by `learningRateBoost` (the paper trains the
    /// new layer faster than the pretrained ones).
    public func replacingHead(classes: Int, filler: Filler = .gaussian(std: 0.01), learningRateBoost: Float = 1,
                              labels: [String] = [], seed: UInt64) throws(GraphError) -> Model {
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
        try model.graph.deriveParameterSpecs()
        _ = try model.graph.inferShapes()
        var rng = SeededGenerator(seed: seed)
        var training = model.training ?? TrainingMetadata()
        for spec in model.graph.nodes[index].parameters {
            let key = model.graph.nodes[index].tensorName(spec.name)
            model.weights[key] = (spec.name == "weight" ? filler : .constant(0)).tensor(spec.shape, using: &rng)
            var settings = training.parameters[key] ?? .init()
            settings.learningRateMultiplier *= learningRateBoost
            settings.frozen = false
            training.parameters[key] = settings
        }
        training.classLabels = labels
        model.training = training
        model.provenance.notes.append("classifier '\(name)' replaced by a new \(classes)-class head")
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
