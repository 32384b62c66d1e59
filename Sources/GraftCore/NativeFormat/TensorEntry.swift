/// One tensor listed in a `.graft` header: where its bytes are and how to read them.
public struct TensorEntry: Equatable, Sendable {
    /// The tensor's name (`<node>.<param>`, or `state.` for optimizer state).
    public var name: String
    /// How its elements are stored.
    public var dtype: DType
    /// Its dimensions.
    public var shape: Shape
    /// The header's `data_offsets`: the byte range relative to the start of the data section.
    public var dataOffsets: Range<Int>
    /// The same range as absolute offsets in the file.
    public var fileRange: Range<Int>

    /// An entry with both forms of its byte range.
    public init(name: String, dtype: DType, shape: Shape, dataOffsets: Range<Int>, fileRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
        self.fileRange = fileRange
    }

    /// Bytes of the tensor's data.
    public var byteCount: Int { dataOffsets.count }
    /// The element count (the shape was checked when the header was read).
    public var elementCount: Int { shape.elementCount }
}
