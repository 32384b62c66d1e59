import GraftCore

/// Index of a value (a graph input or a node output) in an ``ExecutionPlan``.
struct ValueID: Hashable, Sendable {
    let index: Int
}

/// Every value's shape and buffer for one plan, indexed by ``ValueID``.
final class ValueStore {
    let shapes: [Shape]
    /// The distinct buffers; several values may share one (see ``init(shapes:sharing:)``).
    let buffers: [FloatBuffer]
    /// The buffer of each value.
    private let slots: [Int]

    /// One buffer per value.
    init(shapes: [Shape]) {
        self.shapes = shapes
        self.buffers = shapes.map { FloatBuffer(count: $0.elementCount) }
        self.slots = Array(shapes.indices)
    }

    /// Values share buffers as `assignment` says (value index → buffer index; every buffer as
    /// large as its largest value).
    init(shapes: [Shape], sharing assignment: [Int]) {
        precondition(assignment.count == shapes.count, "ValueStore: one buffer index per value")
        self.shapes = shapes
        var capacity = [Int](repeating: 0, count: (assignment.max() ?? -1) + 1)
        for (value, buffer) in assignment.enumerated() { capacity[buffer] = max(capacity[buffer], shapes[value].elementCount) }
        self.buffers = capacity.map { FloatBuffer(count: $0) }
        self.slots = assignment
    }

    func pointer(_ id: ValueID) -> UnsafeMutablePointer<Float> { buffers[slots[id.index]].pointer }
    func buffer(_ id: ValueID) -> FloatBuffer { buffers[slots[id.index]] }
    func shape(_ id: ValueID) -> Shape { shapes[id.index] }
}

/// What a layer's forward pass reads and writes.
struct ForwardContext {
    let values: ValueStore
    /// Shared scratch of at least the largest ``Layer/scratchCount`` floats (im2col columns).
    let scratch: UnsafeMutablePointer<Float>
    /// Training behaviour: Dropout drops units, BatchNorm normalises with the batch's statistics and
    /// updates its running averages. False at inference and in a training session's frozen prefix.
    var training = false
    /// A backward pass will follow: record what it reads that the values do not hold (max
    /// pooling's argmax). Only layers prepared with ``Layer/prepareForTraining(_:)`` see it set.
    var recordForBackward = false

    func input(_ id: ValueID) -> UnsafePointer<Float> { UnsafePointer(values.pointer(id)) }
    func output(_ id: ValueID) -> UnsafeMutablePointer<Float> { values.pointer(id) }
}

/// What a layer's backward pass reads and writes: the forward values (inputs and outputs as the
/// last training forward pass left them), the gradient of each output, and where the gradient of
/// each input goes.
///
/// A layer **overwrites** every input gradient it is given (zeros where no gradient flows); when a
/// value feeds several layers, the session hands all but the first a staging buffer and adds it
/// afterwards, so no layer has to know about fan-out. Parameter gradients (``Parameter/gradient``)
/// are overwritten likewise and exist only for trained parameters.
struct BackwardContext {
    let values: ValueStore
    /// Shared scratch of at least the largest ``Layer/backwardScratchCount`` floats.
    let scratch: UnsafeMutablePointer<Float>
    /// One per output of the layer, in order.
    let outputGradients: [UnsafePointer<Float>]
    /// One per input of the layer, in order; nil for an input that needs no gradient.
    let inputGradients: [UnsafeMutablePointer<Float>?]

    func value(_ id: ValueID) -> UnsafePointer<Float> { UnsafePointer(values.pointer(id)) }
    var outputGradient: UnsafePointer<Float> { outputGradients[0] }
    var inputGradient: UnsafeMutablePointer<Float>? { inputGradients[0] }
}

/// How a training session prepares a layer.
struct TrainingPreparation {
    /// The layer runs with training behaviour (it is in the trainable part of the graph and the
    /// session trains in `.train` mode at least some of the time).
    var training: Bool
    /// A backward pass runs through this layer.
    var backward: Bool
    /// BatchNorm in training uses the batch's statistics (else its stored ones, as an affine map).
    var batchStatistics: Bool
    /// Seed for the layer's own random stream (Dropout's masks).
    var seed: UInt64
    /// The plan's values, for layers that resolve pointers to them once.
    var values: ValueStore
}

/// One executable node, built once by the plan with its shapes, geometry and weights resolved,
/// so that `forward` only computes.
///
/// Layers are classes so that a plan and a trainer can share them and so that derived weights
/// (packed copies) can be refreshed after parameters change.
protocol Layer: AnyObject {
    /// The graph node this layer executes (for errors and profiling).
    var node: String { get }
    var inputs: [ValueID] { get }
    var outputs: [ValueID] { get }
    /// Floats of shared scratch `forward` needs.
    var scratchCount: Int { get }
    /// Floats of shared scratch `backward` needs.
    var backwardScratchCount: Int { get }
    /// The engine-owned weights, in the node's parameter order.
    var parameters: [Parameter] { get }
    /// Names (local to the node) of parameters that hold statistics, never trained by gradient.
    var statisticsParameters: Set<String> { get }

    /// Reads the input values and overwrites the output values.
    func forward(_ context: ForwardContext)
    /// Rebuilds anything derived from the parameters (e.g. a transposed weight copy) after they
    /// were changed in place.
    func parametersDidChange()
    /// Like ``parametersDidChange()``, after an optimizer step: a layer may defer expensive
    /// rebuilding to the next inference pass.
    func parametersDidChangeInTraining()
    /// Allocates what training needs (argmax indices, dropout masks, batch statistics). Called once,
    /// when a training session is planned; never during a step.
    func prepareForTraining(_ preparation: TrainingPreparation)
    /// Restarts the layer's random stream (Dropout) from `seed`, so that training resumed at an
    /// epoch boundary draws what an uninterrupted run draws.
    func reseed(_ seed: UInt64)
    /// Reads the output gradients and forward values; overwrites the input gradients that are
    /// asked for and the gradients of trained parameters (see ``BackwardContext``).
    func backward(_ context: BackwardContext)
}

extension Layer {
    var scratchCount: Int { 0 }
    var backwardScratchCount: Int { 0 }
    var parameters: [Parameter] { [] }
    var statisticsParameters: Set<String> { [] }
    func parametersDidChange() {}
    func parametersDidChangeInTraining() { parametersDidChange() }
    func prepareForTraining(_ preparation: TrainingPreparation) {}
    func reseed(_ seed: UInt64) {}
}
