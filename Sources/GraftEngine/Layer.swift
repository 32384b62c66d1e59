import GraftCore

/// Index of a value (a graph input or a node output) in an ``ExecutionPlan``.
struct ValueID: Hashable, Sendable {
    let index: Int
}

/// Every value's shape and buffer for one plan, indexed by ``ValueID``.
final class ValueStore {
    let shapes: [Shape]
    let buffers: [FloatBuffer]

    init(shapes: [Shape]) {
        self.shapes = shapes
        self.buffers = shapes.map { FloatBuffer(count: $0.elementCount) }
    }

    func pointer(_ id: ValueID) -> UnsafeMutablePointer<Float> { buffers[id.index].pointer }
    func shape(_ id: ValueID) -> Shape { shapes[id.index] }
}

/// What a layer's forward pass reads and writes.
struct ForwardContext {
    let values: ValueStore
    /// Shared scratch of at least the largest ``Layer/scratchCount`` floats (im2col columns).
    let scratch: UnsafeMutablePointer<Float>

    func input(_ id: ValueID) -> UnsafePointer<Float> { UnsafePointer(values.pointer(id)) }
    func output(_ id: ValueID) -> UnsafeMutablePointer<Float> { values.pointer(id) }
}

/// What a layer's backward pass will read and write (the training issue fills this in): the
/// forward values, a gradient buffer per value (same ``ValueID``s), and the shared scratch.
/// Parameter gradients will live next to each ``Parameter``.
struct BackwardContext {
    let values: ValueStore
    let gradients: ValueStore
    let scratch: UnsafeMutablePointer<Float>
}

/// One executable node, built once by the plan with its shapes, geometry and weights resolved,
/// so that `forward` only computes.
///
/// Layers are classes so that a plan and a later trainer can share them and so that derived
/// weights (packed copies) can be refreshed after parameters change.
protocol Layer: AnyObject {
    /// The graph node this layer executes (for errors and profiling).
    var node: String { get }
    var inputs: [ValueID] { get }
    var outputs: [ValueID] { get }
    /// Floats of shared scratch `forward` needs.
    var scratchCount: Int { get }
    /// The engine-owned weights, in the node's parameter order.
    var parameters: [Parameter] { get }

    /// Reads the input values and overwrites the output values.
    func forward(_ context: ForwardContext)
    /// Rebuilds anything derived from the parameters (e.g. a transposed weight copy) after they
    /// were changed in place.
    func parametersDidChange()
    /// Placeholder for the training issue: reads output gradients and forward values, writes input
    /// gradients and parameter gradients.
    func backward(_ context: BackwardContext) throws(ExecutionError)
}

extension Layer {
    var scratchCount: Int { 0 }
    var parameters: [Parameter] { [] }
    func parametersDidChange() {}
    func backward(_ context: BackwardContext) throws(ExecutionError) {
        throw .backwardNotImplemented(node: node)
    }
}
