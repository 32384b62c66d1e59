import GraftCore

/// Everything the plan resolved for one node before building its layer: value slots, shapes and
/// access to its weights.
struct LayerSite {
    let node: Node
    let inputs: [ValueID]
    let outputs: [ValueID]
    let inputShapes: [Shape]
    let outputShapes: [Shape]
    let weights: WeightBinder
    let purpose: ExecutionPlan.Purpose
    /// A ReLU that only reads this node's output, folded into it by the plan (inference; see
    /// ``ExecutionPlan/fuseActivations(_:retained:)``): the layer applies it to its own output.
    var fusedActivation: ReLU? = nil
    /// A sum that only reads this node's output and one other value of the same shape, folded into
    /// it by the plan (inference; ``ExecutionPlan/fuseResiduals(_:retained:)``): that value is
    /// the site's last input, added to the output before ``fusedActivation``.
    var fusedResidual = false

    var input: ValueID { inputs[0] }
    var output: ValueID { outputs[0] }
    var inputShape: Shape { inputShapes[0] }
    var outputShape: Shape { outputShapes[0] }

    func parameter(_ name: String) throws(ExecutionError) -> Parameter? { try weights.parameter(name, of: node) }
    func required(_ name: String) throws(ExecutionError) -> Parameter { try weights.required(name, of: node) }
    func tensor(_ name: String) throws(ExecutionError) -> Tensor? { try weights.tensor(name, of: node) }
}

extension Shape {
    /// `(outer, middle, inner)` element counts for viewing this shape as
    /// `[dims[..<start], dims[start..<end], dims[end...]]`.
    func split(_ start: Int, _ end: Int) -> (outer: Int, middle: Int, inner: Int) {
        (count(from: 0, to: start), count(from: start, to: end), count(from: end))
    }
}
