/// One tensor listed in a `.graft` header: where its bytes are and how to read them.
public struct TensorEntry: Equatable, Sendable {
    public var name: String
    public var dtype: DType
    public var shape: Shape
    /// The header's `data_offsets`: the byte range relative to the start of the data section.
    public var dataOffsets: Range<Int>
    /// The same range as absolute offsets in the file.
    public var fileRange: Range<Int>

    public init(name: String, dtype: DType, shape: Shape, dataOffsets: Range<Int>, fileRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
        self.fileRange = fileRange
    }

    public var byteCount: Int { dataOffsets.count }
    /// The element count (the shape was checked when the header was read).
    public var elementCount: Int { shape.elementCount }
}
