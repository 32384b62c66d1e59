/// The dimensions of a tensor, outermost first (NCHW for images: batch, channels, height, width).
///
/// Encoded in JSON as a plain array of integers.
public struct Shape: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The dimensions, outermost first.
    public var dims: [Int]

    /// A shape of these dimensions.
    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral elements: Int...) { self.dims = elements }

    public init(from decoder: any Decoder) throws {
        dims = try decoder.singleValueContainer().decode([Int].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dims)
    }

    /// The number of dimensions.
    public var rank: Int { dims.count }

    /// The size of dimension `axis`.
    public subscript(axis: Int) -> Int {
        get { dims[axis] }
        set { dims[axis] = newValue }
    }

    /// The number of elements, or nil when a dimension is negative or the product overflows `Int`.
    /// Use this for any shape that came from a file.
    public var checkedElementCount: Int? {
        var total = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// The number of elements of a shape already known to be valid (built by Graft itself).
    public var elementCount: Int {
        guard let count = checkedElementCount else {
            preconditionFailure("shape \(self) has no valid element count")
        }
        return count
    }

    /// Resolves a possibly negative axis (-1 is the last) against this rank, or nil if out of range.
    public func normalizedAxis(_ axis: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }

    /// The product of dims[from..<to] (valid shapes only).
    public func count(from start: Int, to end: Int? = nil) -> Int {
        dims[start..<(end ?? rank)].reduce(1, *)
    }

    /// "1x3x227x227"; a scalar is "scalar".
    public var description: String {
        dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "x")
    }
}
