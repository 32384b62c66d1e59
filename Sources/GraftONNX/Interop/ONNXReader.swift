import Foundation
internal import CONNXProto
internal import CProtobufC
import GraftProtobufC

/// Reads `.onnx` files: checks the size and the nesting on the wire, lets protobuf-c unpack the
/// `ModelProto` with the descriptors generated from `schemas/onnx.proto`, and copies what Graft
/// uses into ``ONNXModel`` values (tensor data decoded and checked against its dims), freeing
/// the C tree before returning.
public enum ONNXReader {
    /// protobuf's 2 GiB message limit; larger models keep their weights in external data files.
    public static let defaultLimit: UInt64 = 2 << 30
    /// Subgraphs (If, Loop, Scan bodies) nest; no real model comes near this.
    public static let maxNesting = 64

    /// Reads the model at `path`, refusing files over `limit` bytes before reading them.
    public static func read(path: String, limit: UInt64 = defaultLimit) throws(ONNXError) -> ONNXModel {
        let size: UInt64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        } catch { throw .io(file: path, reason: "cannot open: \(error.localizedDescription)") }
        guard size <= limit else { throw .tooLarge(file: path, bytes: size, limit: limit) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw .io(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: path)
    }

    /// Decodes model bytes held in memory; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws(ONNXError) -> ONNXModel {
        let unpacked: Result<UnpackedModel, ONNXError> = data.withUnsafeBytes { bytes in
            guard !bytes.isEmpty else { return .failure(.undecodable(file: file, reason: "the file is empty")) }
            let verdict = withUnsafePointer(to: onnx__model_proto__descriptor) {
                ProtobufNesting.check(bytes, descriptor: UnsafeRawPointer($0), maxDepth: maxNesting)
            }
            switch verdict {
            case .ok: break
            case .tooDeep: return .failure(.undecodable(file: file, reason: "messages nest deeper than \(maxNesting) levels"))
            case .malformed: return .failure(.undecodable(file: file, reason: "truncated or malformed protobuf framing"))
            }
            guard let model = UnpackedModel(bytes: bytes) else {
                return .failure(.undecodable(file: file, reason: "protobuf-c could not decode a ModelProto"))
            }
            return .success(model)
        }
        let model = try unpacked.get()
        var decoding = ONNXDecoding(file: file)
        return try decoding.model(model.message.pointee)
    }
}

/// A `ModelProto` unpacked by protobuf-c, owned: freed when released.
final class UnpackedModel {
    let message: UnsafeMutablePointer<Onnx__ModelProto>

    init?(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let message = onnx__model_proto__unpack(nil, bytes.count, base) else { return nil }
        self.message = message
    }

    deinit { onnx__model_proto__free_unpacked(message, nil) }
}

/// Copies an unpacked C tree into Swift values, checking every count and length.
struct ONNXDecoding {
    let file: String

    mutating func model(_ m: Onnx__ModelProto) throws(ONNXError) -> ONNXModel {
        guard let g = m.graph else { throw .undecodable(file: file, reason: "the model has no graph") }
        var opsets: [ONNXOperatorSet] = []
        for i in 0..<m.n_opset_import {
            guard let o = m.opset_import[i]?.pointee else { continue }
            opsets.append(ONNXOperatorSet(domain: text(o.domain), version: o.has_version != 0 ? o.version : 0))
        }
        return ONNXModel(irVersion: m.has_ir_version != 0 ? m.ir_version : 0, opsets: opsets,
                         producerName: text(m.producer_name), producerVersion: text(m.producer_version),
                         domain: text(m.domain), modelVersion: m.has_model_version != 0 ? m.model_version : 0,
                         docString: text(m.doc_string), graph: try graph(g.pointee),
                         metadata: entries(m.n_metadata_props, m.metadata_props))
    }

    func graph(_ g: Onnx__GraphProto) throws(ONNXError) -> ONNXGraph {
        var result = ONNXGraph(name: text(g.name), docString: text(g.doc_string))
        for i in 0..<g.n_node {
            guard let n = g.node[i]?.pointee else { continue }
            result.nodes.append(try node(n, index: i))
        }
        for i in 0..<g.n_initializer {
            guard let t = g.initializer[i]?.pointee else { continue }
            result.initializers.append(try tensor(t))
        }
        if g.n_sparse_initializer > 0 {
            throw .unsupported(file: file, node: "<graph \(text(g.name))>", reason: "sparse initializers are not supported")
        }
        result.inputs = try valueInfos(g.n_input, g.input)
        result.outputs = try valueInfos(g.n_output, g.output)
        result.valueInfo = try valueInfos(g.n_value_info, g.value_info)
        return result
    }

    func node(_ n: Onnx__NodeProto, index: Int) throws(ONNXError) -> ONNXNode {
        let name = text(n.name)
        var node = ONNXNode(name: name, opType: text(n.op_type), domain: text(n.domain),
                            inputs: strings(n.n_input, n.input), outputs: strings(n.n_output, n.output))
        let label = name.isEmpty ? "#\(index) (\(node.opType))" : name
        for i in 0..<n.n_attribute {
            guard let a = n.attribute[i]?.pointee else { continue }
            node.attributes.append(try attribute(a, node: label))
        }
        return node
    }

    func attribute(_ a: Onnx__AttributeProto, node: String) throws(ONNXError) -> ONNXAttribute {
        let name = text(a.name)
        // Files from old exporters omit `type`; infer it from the field that is set.
        var type = a.has_type != 0 ? a.type.rawValue : 0
        if type == 0 {
            if a.n_floats > 0 { type = 6 } else if a.n_ints > 0 { type = 7 } else if a.n_strings > 0 { type = 8 }
            else if a.t != nil { type = 4 } else if a.g != nil { type = 5 } else if a.has_s != 0 { type = 3 }
            else if a.has_i != 0 { type = 2 } else if a.has_f != 0 { type = 1 }
        }
        let value: ONNXAttribute.Value
        switch type {
        case 1: value = .float(a.f)
        case 2: value = .int(a.i)
        case 3: value = .string(binary(a.s))
        case 4:
            guard let t = a.t?.pointee else { throw .invalidAttribute(file: file, node: node, attribute: name, reason: "declared a tensor but holds none") }
            value = .tensor(try tensor(t))
        case 5:
            guard let g = a.g?.pointee else { throw .invalidAttribute(file: file, node: node, attribute: name, reason: "declared a graph but holds none") }
            value = .graph(try graph(g))
        case 6: value = .floats(a.n_floats == 0 ? [] : Array(UnsafeBufferPointer(start: a.floats, count: a.n_floats)))
        case 7: value = .ints(a.n_ints == 0 ? [] : Array(UnsafeBufferPointer(start: a.ints, count: a.n_ints)))
        case 8: value = .strings((0..<a.n_strings).map { binary(a.strings[$0]) })
        case 9:
            var tensors: [ONNXTensor] = []
            for i in 0..<a.n_tensors { if let t = a.tensors[i]?.pointee { tensors.append(try tensor(t)) } }
            value = .tensors(tensors)
        case 10:
            var graphs: [ONNXGraph] = []
            for i in 0..<a.n_graphs { if let g = a.graphs[i]?.pointee { graphs.append(try graph(g)) } }
            value = .graphs(graphs)
        default: value = .unsupported(type: Int32(bitPattern: type))
        }
        return ONNXAttribute(name, value)
    }

    func tensor(_ t: Onnx__TensorProto) throws(ONNXError) -> ONNXTensor {
        let name = text(t.name)
        func invalid(_ reason: String) -> ONNXError { .invalidTensor(file: file, tensor: name, reason: reason) }
        var dims: [Int] = []
        for i in 0..<t.n_dims {
            let d = t.dims[i]
            guard d >= 0, d <= Int64(Int32.max) else { throw invalid("dimension \(i) is \(d)") }
            dims.append(Int(d))
        }
        let type = ONNXDataType(rawValue: t.has_data_type != 0 ? t.data_type : 0)
        var result = ONNXTensor(name: name, dims: dims, dataType: type, data: .floats([]))
        guard let count = result.elementCount else { throw invalid("dims \(dims) overflow") }
        if t.has_data_location != 0, t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            result.data = .external(try external(t, tensor: name))
            guard type.byteWidth != nil else { throw invalid("external data of type \(type) is not supported") }
            return result
        }
        if type == .string {
            guard t.n_string_data == count else { throw invalid("\(t.n_string_data) strings for dims \(dims)") }
            result.data = .strings((0..<t.n_string_data).map { binary(t.string_data[$0]) })
            return result
        }
        guard let width = type.byteWidth else { throw invalid("element type \(type) is not supported") }
        if t.has_raw_data != 0 {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow, t.raw_data.len == bytes else {
                throw invalid("raw data holds \(t.raw_data.len) bytes; dims \(dims) of \(type) need \(overflow ? "too many" : "\(bytes)")")
            }
            let raw = UnsafeRawBufferPointer(start: t.raw_data.data, count: t.raw_data.len)
            result.data = Self.decodeRaw(raw, type: type, count: count)
            return result
        }
        // Typed fields, per onnx.proto: float_data (FLOAT), double_data (DOUBLE), int64_data
        // (INT64), uint64_data (UINT32, UINT64), int32_data (the rest, float16 as bit patterns).
        let stored: Int
        switch type {
        case .float:
            stored = t.n_float_data
            result.data = .floats(stored == 0 ? [] : Array(UnsafeBufferPointer(start: t.float_data, count: stored)))
        case .double:
            stored = t.n_double_data
            result.data = .floats((0..<stored).map { Float(t.double_data[$0]) })
        case .int64:
            stored = t.n_int64_data
            result.data = .integers(stored == 0 ? [] : Array(UnsafeBufferPointer(start: t.int64_data, count: stored)))
        case .uint32, .uint64:
            stored = t.n_uint64_data
            var values: [Int64] = []
            for i in 0..<stored {
                guard let v = Int64(exactly: t.uint64_data[i]) else { throw invalid("value \(t.uint64_data[i]) exceeds Int64") }
                values.append(v)
            }
            result.data = .integers(values)
        case .float16, .bfloat16:
            stored = t.n_int32_data
            result.data = .floats((0..<stored).map { Self.halfToFloat(UInt16(truncatingIfNeeded: t.int32_data[$0]), bfloat: type == .bfloat16) })
        default:
            stored = t.n_int32_data
            result.data = .integers((0..<stored).map { Int64(t.int32_data[$0]) })
        }
        guard stored == count else { throw invalid("holds \(stored) values; dims \(dims) need \(count)") }
        return result
    }

    static func decodeRaw(_ raw: UnsafeRawBufferPointer, type: ONNXDataType, count: Int) -> ONNXTensor.Data {
        switch type {
        case .float: return .floats((0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) })
        case .double: return .floats((0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) })
        case .float16, .bfloat16:
            return .floats((0..<count).map { halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)), bfloat: type == .bfloat16) })
        case .int64, .uint64:
            return .integers((0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) })
        case .int32: return .integers((0..<count).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) })
        case .uint32: return .integers((0..<count).map { Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) })
        case .int16: return .integers((0..<count).map { Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) })
        case .uint16: return .integers((0..<count).map { Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) })
        case .int8: return .integers((0..<count).map { Int64(raw.load(fromByteOffset: $0, as: Int8.self)) })
        default: return .integers((0..<count).map { Int64(raw.load(fromByteOffset: $0, as: UInt8.self)) })  // uint8, bool
        }
    }

    /// IEEE half or bfloat16 bits to Float.
    static func halfToFloat(_ bits: UInt16, bfloat: Bool) -> Float {
        if bfloat { return Float(bitPattern: UInt32(bits) << 16) }
        let sign = UInt32(bits >> 15) << 31, exponent = Int((bits >> 10) & 0x1f), fraction = UInt32(bits & 0x3ff)
        if exponent == 0 { return Float(bitPattern: sign) + (sign != 0 ? -1 : 1) * Float(fraction) * 0x1p-24 }
        if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (fraction << 13)) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | fraction << 13)
    }

    func external(_ t: Onnx__TensorProto, tensor name: String) throws(ONNXError) -> ONNXExternalData {
        var location: String?, offset = 0, length: Int?
        for (key, value) in entries(t.n_external_data, t.external_data).map({ ($0.key, $0.value) }) {
            switch key {
            case "location": location = value
            case "offset":
                guard let v = Int(value), v >= 0 else { throw .invalidExternalData(file: file, tensor: name, reason: "offset '\(value)' is not a non-negative integer") }
                offset = v
            case "length":
                guard let v = Int(value), v >= 0 else { throw .invalidExternalData(file: file, tensor: name, reason: "length '\(value)' is not a non-negative integer") }
                length = v
            default: break  // checksum and others
            }
        }
        guard let location, !location.isEmpty else { throw .invalidExternalData(file: file, tensor: name, reason: "no location") }
        return ONNXExternalData(location: location, offset: offset, length: length)
    }

    func valueInfos(_ count: Int, _ list: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?) throws(ONNXError) -> [ONNXValueInfo] {
        var result: [ONNXValueInfo] = []
        for i in 0..<count {
            guard let v = list?[i]?.pointee else { continue }
            var info = ONNXValueInfo(name: text(v.name), elementType: nil, shape: nil)
            if let type = v.type?.pointee, type.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tensor = type.tensor_type?.pointee {
                info.elementType = ONNXDataType(rawValue: tensor.has_elem_type != 0 ? tensor.elem_type : 0)
                if let shape = tensor.shape?.pointee {
                    info.shape = (0..<shape.n_dim).map { j in
                        guard let d = shape.dim[j]?.pointee else { return .unknown }
                        switch d.value_case {
                        case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                            return d.dim_value >= 0 && d.dim_value <= Int64(Int32.max) ? .value(Int(d.dim_value)) : .unknown
                        case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM: return .parameter(text(d.dim_param))
                        default: return .unknown
                        }
                    }
                }
            }
            result.append(info)
        }
        return result
    }

    func entries(_ count: Int, _ list: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) -> [ONNXKeyValue] {
        (0..<count).compactMap { i in list?[i].map { ONNXKeyValue(text($0.pointee.key), text($0.pointee.value)) } }
    }

    func strings(_ count: Int, _ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        (0..<count).map { list?[$0].map { String(cString: $0) } ?? "" }
    }

    func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    func binary(_ b: ProtobufCBinaryData) -> [UInt8] {
        b.len == 0 || b.data == nil ? [] : Array(UnsafeBufferPointer(start: b.data, count: b.len))
    }
}
