/// A graph that is malformed or whose shapes do not work out. Every case names the node or value.
public enum GraphError: Error, Equatable, Sendable {
    /// An input, node or value with an empty name (`what` says which).
    case emptyName(what: String)
    /// Two nodes with this name.
    case duplicateNode(String)
    /// A value is produced twice (values are single-assignment).
    case duplicateValue(value: String, node: String)
    /// A node reads a value that no earlier node or graph input produces (a cycle, a wrong order,
    /// or a missing producer).
    case undefinedValue(value: String, node: String)
    /// A graph output that no node or input produces.
    case undefinedOutput(String)
    /// A node with more or fewer inputs than its op takes (`expected` in words, e.g. "2 or more").
    case wrongInputCount(node: String, expected: String, actual: Int)
    /// A node with more or fewer outputs than its op makes.
    case wrongOutputCount(node: String, expected: String, actual: Int)
    /// An op's parameters do not fit its input shapes.
    case invalidShape(node: String, reason: String)
    /// A graph input without a usable shape.
    case missingInputShape(String)
    /// A node's declared parameter differs from what its op and input shapes need (nil: missing
    /// on that side).
    case parameterMismatch(node: String, parameter: String, expected: Shape?, actual: Shape?)
    /// Shape inference cannot pass through this node (an opaque layer without recorded shapes).
    case unknownShape(node: String, reason: String)
}

extension GraphError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .emptyName(let what): "graph has an empty \(what) name"
        case .duplicateNode(let n): "graph has two nodes named '\(n)'"
        case .duplicateValue(let v, let n): "node '\(n)' produces value '\(v)', which is already produced earlier"
        case .undefinedValue(let v, let n):
            "node '\(n)' reads value '\(v)', which no earlier node or input produces (cycle, wrong order, or missing producer)"
        case .undefinedOutput(let v): "graph output '\(v)' is not produced by any node or input"
        case .wrongInputCount(let n, let e, let a): "node '\(n)' has \(a) input(s), expected \(e)"
        case .wrongOutputCount(let n, let e, let a): "node '\(n)' has \(a) output(s), expected \(e)"
        case .invalidShape(let n, let r): "node '\(n)': \(r)"
        case .missingInputShape(let v): "no shape given for graph input '\(v)'"
        case .parameterMismatch(let n, let p, let e, let a):
            switch (e, a) {
            case (nil, _): "node '\(n)' has parameter '\(p)', which its op does not take"
            case (let e?, nil): "node '\(n)' lacks parameter '\(p)' (expected shape \(e))"
            case (let e?, let a?): "node '\(n)' parameter '\(p)' has shape \(a), expected \(e)"
            }
        case .unknownShape(let n, let r): "node '\(n)': shape unknown (\(r))"
        }
    }
}
