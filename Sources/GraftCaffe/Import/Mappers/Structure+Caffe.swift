import GraftCore

/// Caffe `Input`: declares graph inputs (read by ``CaffeUpgrade``), no node.
struct InputMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.input

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        .declaration
    }
}

/// Caffe `Split`: copies its bottom to every top. Graft values can be read any number of times,
/// so no node is made: every top names the bottom's value.
struct SplitMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.split

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        return .passThrough
    }
}

/// Caffe `Eltwise`: `SUM` (with one `coeff` per bottom, or none), `PROD`, `MAX`.
struct EltwiseMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.eltwise

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(2...Int.max)
        let p = context.layer.eltwise ?? CaffeParam.Eltwise()
        let operation: Eltwise.Operation = switch p.operation {
        case .sum: .sum
        case .prod: .product
        case .max: .max
        }
        guard p.coeff.isEmpty || (p.operation == .sum && p.coeff.count == context.inputShapes.count) else {
            throw context.invalid("\(p.coeff.count) coeff values for \(context.inputShapes.count) bottoms (coefficients need SUM and one per bottom)")
        }
        return .node(.eltwise(Eltwise(operation: operation, coefficients: p.coeff)))
    }
}

/// Caffe `Concat` along `axis`; the deprecated `concat_dim` wins when set, as in Caffe.
struct ConcatMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.concat

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...Int.max)
        let p = context.layer.concat ?? CaffeParam.Concat()
        let axis = try context.axis(p.concatDim ?? p.axis, field: p.concatDim != nil ? "concat_dim" : "axis")
        return .node(.concat(Concat(axis: axis)))
    }
}

/// Caffe `Slice` along `axis` (or the deprecated `slice_dim`) at `slice_point`s, or into equal
/// parts, one per top.
struct SliceMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.slice

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let p = context.layer.slice ?? CaffeParam.Slice()
        let axis = try context.axis(p.sliceDim ?? p.axis, field: p.sliceDim != nil ? "slice_dim" : "axis")
        return .node(.slice(Slice(axis: axis, points: p.slicePoint)))
    }
}

/// Caffe `Flatten` of dims `axis ... end_axis` into one.
struct FlattenMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.flatten

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let p = context.layer.flatten ?? CaffeParam.Flatten()
        let start = try context.axis(p.axis, field: "axis")
        let end = try context.axis(p.endAxis, field: "end_axis")
        guard start <= end else { throw context.invalid("end_axis \(p.endAxis) comes before axis \(p.axis)") }
        return .node(.flatten(Flatten(axis: start, endAxis: end, order: .channelsFirst)))
    }
}

/// Caffe `Reshape`: `shape` replaces the input's dims `[axis ..< axis+num_axes]` (`axis` counts
/// from the end when negative, with -1 meaning after the last dim; `num_axes: -1` means to the
/// end). Graft's Reshape gives every dim, so the rule resolves to a full shape: dims before
/// `axis` become 0 (copy, so another batch size still works), `shape` is kept as written (its 0s
/// copy the dim at the same position, its -1 is inferred), and dims after the replaced range
/// are written out.
struct ReshapeMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.reshape

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        let p = context.layer.reshape ?? CaffeParam.Reshape()
        let x = context.input
        let spec = p.shape ?? []
        let start = p.axis >= 0 ? p.axis : x.rank + p.axis + 1
        guard (0...x.rank).contains(start) else { throw context.invalid("axis \(p.axis) is out of range for input \(x)") }
        let end = p.numAxes == -1 ? x.rank : start + p.numAxes
        guard p.numAxes >= -1, end <= x.rank else {
            throw context.invalid("num_axes \(p.numAxes) from axis \(p.axis) does not fit input \(x)")
        }
        for (i, d) in spec.enumerated() where d == 0 && start + i >= x.rank {
            throw context.invalid("shape dim \(i) is 0 (copy) but input \(x) has no dim \(start + i)")
        }
        let full = Array(repeating: 0, count: start) + spec + Array(x.dims[end...])
        return .node(.reshape(Reshape(shape: full)))
    }
}

/// Caffe `Crop`: crops the first bottom to the second's dims from `axis` on, starting at `offset`
/// (none: 0; one: every axis; else one per cropped axis).
struct CropMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.crop

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(2...2)
        let p = context.layer.crop ?? CaffeParam.Crop()
        let axis = try context.axis(p.axis, field: "axis")
        let axes = context.input.rank - axis
        guard p.offset.count <= 1 || p.offset.count == axes else {
            throw context.invalid("\(p.offset.count) offsets for \(axes) cropped axes")
        }
        return .node(.crop(Crop(axis: axis, offsets: p.offset.isEmpty ? [0] : p.offset)))
    }
}

/// The SSD fork's `Permute` (OpenCV reads it too): `permute_param { order: ... }`, with axes not
/// listed appended in their order, as the fork's PermuteLayer does. BVLC's schema has no
/// `permute_param`, so it is read from the field's text, which only a prototxt keeps; a Permute
/// layer known only from a `.caffemodel` becomes opaque.
struct PermuteMapper: CaffeLayerMapper {
    static let kind = CaffeLayerKind.permute

    static func map(_ context: CaffeLayerContext, blobs: [Tensor]) throws(CaffeImportError) -> CaffeMapping {
        try context.requireBottoms(1...1)
        guard let order = try order(context) else {
            return CaffeOpaqueMapper.map(context.layer, blobs: blobs,
                                         reason: "its permute_param (a fork field) is not available, only a prototxt keeps it")
        }
        return .node(.permute(Permute(order: order)))
    }

    static func order(_ context: CaffeLayerContext) throws(CaffeImportError) -> [Int]? {
        guard let text = context.layer.rawUnknown.first(where: { $0.hasPrefix("permute_param") }) else { return nil }
        let message: TextMessage
        do { message = try TextParser.parse(text, file: context.file) } catch {
            throw context.invalid("permute_param cannot be read: \(error.message)")
        }
        guard case .message(let block)? = message.fields.first?.value else {
            throw context.invalid("permute_param is not a message")
        }
        var given: [Int] = []
        for field in block.fields(named: "order") {
            guard case .scalar(let s) = field.value, s.kind == .number, let value = Int(s.text) else {
                throw context.invalid("permute_param order must be integers")
            }
            given.append(value)
        }
        let rank = context.input.rank
        guard given.allSatisfy({ (0..<rank).contains($0) }), Set(given).count == given.count else {
            throw context.invalid("permute_param order \(given) is not a set of axes of input \(context.input)")
        }
        return given + (0..<rank).filter { !given.contains($0) }
    }
}

/// Layers Graft has no operation for: kept whole as an opaque node with the Caffe type, the
/// layer's parameters as prototxt text, and its blobs as parameters `blob0`, `blob1`, ...
enum CaffeOpaqueMapper {
    /// `outputShapes`: one per top when they are known without running the layer, else empty.
    static func map(_ layer: CaffeLayer, blobs: [Tensor], reason: String, outputShapes: [Shape] = []) -> CaffeMapping {
        let op = Opaque(framework: "caffe", type: layer.type, rawParameters: CaffePrototxtWriter.parametersText(of: layer),
                        outputShapes: outputShapes)
        let parameters = blobs.enumerated().map { CaffeMappedParameter(name: "blob\($0)", tensor: $1, blob: $0) }
        return .node(.opaque(op), parameters: parameters,
                     warnings: ["layer '\(layer.name)' of type \(layer.type) is kept as an opaque node (\(reason)); Graft cannot run it"])
    }
}
