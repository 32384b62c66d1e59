import Foundation
import GraftFiles
import GraftCore
internal import CONNXProto
internal import CProtobufC
import GraftProtobufC

/// Writes ``ONNXModel`` values as `.onnx` bytes through protobuf-c's `pack`. Float tensors go
/// into `raw_data` (little-endian), integers into `raw_data` as INT64; with
/// ``ExternalData`` set, large tensors go into one data file beside the model instead.
public enum ONNXWriter {
    /// Where tensor bytes go when a model is too large for one protobuf message.
    public struct ExternalData: Sendable {
        /// The data file's name, relative to the model's folder (no directories).
        public var fileName: String
        /// Tensors of at least this many bytes are stored externally.
        public var threshold: Int
        /// External data in `fileName` for tensors of `threshold` bytes or more.
        public init(fileName: String, threshold: Int = 1024) {
            self.fileName = fileName
            self.threshold = threshold
        }
    }

    /// The packed model, and the external data file's bytes when `external` moved tensors out.
    public static func serialize(_ model: ONNXModel, external: ExternalData? = nil) throws(ONNXError) -> (model: [UInt8], data: [UInt8]?) {
        let arena = ProtobufArena()
        var sink = external.map { ExternalSink(options: $0) }
        var m = Onnx__ModelProto()
        onnx__model_proto__init(&m)
        m.has_ir_version = 1
        m.ir_version = model.irVersion
        (m.n_opset_import, m.opset_import) = arena.array(model.opsets.map { o -> UnsafeMutablePointer<Onnx__OperatorSetIdProto>? in
            let p = arena.message(Onnx__OperatorSetIdProto.self) { onnx__operator_set_id_proto__init($0) }
            p.pointee.domain = arena.string(o.domain)
            p.pointee.has_version = 1
            p.pointee.version = o.version
            return p
        })
        m.producer_name = arena.string(model.producerName)
        m.producer_version = arena.string(model.producerVersion)
        m.domain = arena.string(model.domain)
        m.has_model_version = 1
        m.model_version = model.modelVersion
        m.doc_string = arena.string(model.docString)
        m.graph = try graph(model.graph, arena, &sink)
        (m.n_metadata_props, m.metadata_props) = entries(model.metadata, arena)
        let size = onnx__model_proto__get_packed_size(&m)
        guard UInt64(size) < ONNXReader.defaultLimit else {
            throw .notExportable(node: "<model>", op: "model", reason: "\(size) bytes exceed protobuf's 2 GiB limit; write the weights as external data")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { onnx__model_proto__pack(&m, $0.baseAddress!) }
        precondition(written == size, "protobuf-c packed \(written) of \(size) bytes")
        return (bytes, sink?.bytes)
    }

    /// Writes the model to `path` (and its external data file beside it) atomically: on any error
    /// no file is left behind.
    public static func write(_ model: ONNXModel, to path: String, external: ExternalData? = nil) throws(ONNXError) {
        let (bytes, data) = try serialize(model, external: external)
        var dataPath: String?
        do {
            if let data, let external {
                let target = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(external.fileName).path
                try AtomicFile.write(Data(data), to: target)
                dataPath = target
            }
            try AtomicFile.write(Data(bytes), to: path)
        } catch {
            // A data file without its model is a partial output: remove it.
            if let dataPath { try? FileManager.default.removeItem(atPath: dataPath) }
            throw .io(file: path, reason: "cannot write: \(error)")
        }
    }

    private struct ExternalSink {
        let options: ExternalData
        var bytes: [UInt8] = []
    }

    private static func graph(_ g: ONNXGraph, _ arena: ProtobufArena, _ sink: inout ExternalSink?) throws(ONNXError) -> UnsafeMutablePointer<Onnx__GraphProto> {
        let p = arena.message(Onnx__GraphProto.self) { onnx__graph_proto__init($0) }
        p.pointee.name = arena.string(g.name)
        p.pointee.doc_string = arena.string(g.docString)
        var nodes: [UnsafeMutablePointer<Onnx__NodeProto>?] = []
        for n in g.nodes { nodes.append(try node(n, arena, &sink)) }
        (p.pointee.n_node, p.pointee.node) = arena.array(nodes)
        var initializers: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for t in g.initializers { initializers.append(try tensor(t, arena, &sink)) }
        (p.pointee.n_initializer, p.pointee.initializer) = arena.array(initializers)
        (p.pointee.n_input, p.pointee.input) = arena.array(g.inputs.map { valueInfo($0, arena) })
        (p.pointee.n_output, p.pointee.output) = arena.array(g.outputs.map { valueInfo($0, arena) })
        (p.pointee.n_value_info, p.pointee.value_info) = arena.array(g.valueInfo.map { valueInfo($0, arena) })
        return p
    }

    private static func node(_ n: ONNXNode, _ arena: ProtobufArena, _ sink: inout ExternalSink?) throws(ONNXError) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let p = arena.message(Onnx__NodeProto.self) { onnx__node_proto__init($0) }
        p.pointee.name = arena.string(n.name)
        p.pointee.op_type = arena.string(n.opType)
        if !n.domain.isEmpty { p.pointee.domain = arena.string(n.domain) }
        (p.pointee.n_input, p.pointee.input) = arena.strings(n.inputs)
        (p.pointee.n_output, p.pointee.output) = arena.strings(n.outputs)
        var attributes: [UnsafeMutablePointer<Onnx__AttributeProto>?] = []
        for a in n.attributes { attributes.append(try attribute(a, arena, &sink)) }
        (p.pointee.n_attribute, p.pointee.attribute) = arena.array(attributes)
        return p
    }

    private static func attribute(_ a: ONNXAttribute, _ arena: ProtobufArena, _ sink: inout ExternalSink?) throws(ONNXError) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let p = arena.message(Onnx__AttributeProto.self) { onnx__attribute_proto__init($0) }
        p.pointee.name = arena.string(a.name)
        p.pointee.has_type = 1
        func type(_ t: Onnx__AttributeProto__AttributeType) { p.pointee.type = t }
        switch a.value {
        case .float(let f):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT); p.pointee.has_f = 1; p.pointee.f = f
        case .int(let i):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT); p.pointee.has_i = 1; p.pointee.i = i
        case .string(let s):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING); p.pointee.has_s = 1; p.pointee.s = binary(s, arena)
        case .tensor(let t):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR)
            var none: ExternalSink? = nil  // attribute tensors (Constant values) stay inline
            p.pointee.t = try tensor(t, arena, &none)
        case .graph(let g):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH); p.pointee.g = try graph(g, arena, &sink)
        case .floats(let v):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS); (p.pointee.n_floats, p.pointee.floats) = arena.array(v)
        case .ints(let v):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS); (p.pointee.n_ints, p.pointee.ints) = arena.array(v)
        case .strings(let v):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS); (p.pointee.n_strings, p.pointee.strings) = arena.array(v.map { binary($0, arena) })
        case .tensors(let v):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS)
            var tensors: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
            var none: ExternalSink? = nil
            for t in v { tensors.append(try tensor(t, arena, &none)) }
            (p.pointee.n_tensors, p.pointee.tensors) = arena.array(tensors)
        case .graphs(let v):
            type(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS)
            var graphs: [UnsafeMutablePointer<Onnx__GraphProto>?] = []
            for g in v { graphs.append(try graph(g, arena, &sink)) }
            (p.pointee.n_graphs, p.pointee.graphs) = arena.array(graphs)
        case .unsupported(let t):
            throw .notExportable(node: "<attribute>", op: a.name, reason: "attribute type \(t) cannot be written")
        }
        return p
    }

    private static func tensor(_ t: ONNXTensor, _ arena: ProtobufArena, _ sink: inout ExternalSink?) throws(ONNXError) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let p = arena.message(Onnx__TensorProto.self) { onnx__tensor_proto__init($0) }
        p.pointee.name = arena.string(t.name)
        (p.pointee.n_dims, p.pointee.dims) = arena.array(t.dims.map(Int64.init))
        p.pointee.has_data_type = 1
        var raw: [UInt8]
        switch t.data {
        case .floats(let v):
            p.pointee.data_type = ONNXDataType.float.rawValue
            raw = [UInt8](repeating: 0, count: v.count * 4)
            raw.withUnsafeMutableBytes { out in v.withUnsafeBytes { out.copyMemory(from: $0) } }  // little-endian host
        case .integers(let v):
            p.pointee.data_type = ONNXDataType.int64.rawValue
            raw = [UInt8](repeating: 0, count: v.count * 8)
            raw.withUnsafeMutableBytes { out in v.withUnsafeBytes { out.copyMemory(from: $0) } }
        case .strings(let v):
            p.pointee.data_type = ONNXDataType.string.rawValue
            (p.pointee.n_string_data, p.pointee.string_data) = arena.array(v.map { binary($0, arena) })
            return p
        case .external:
            throw .notExportable(node: "<initializer>", op: t.name, reason: "the tensor's external data was not loaded")
        }
        if var s = sink, raw.count >= s.options.threshold {
            // ONNX Runtime memory-maps external data; align each tensor to 4 KiB as onnx's own
            // writer does with `align` so mapped tensors start on a page.
            let padding = (4096 - s.bytes.count % 4096) % 4096
            s.bytes.append(contentsOf: repeatElement(0, count: padding))
            let offset = s.bytes.count
            s.bytes.append(contentsOf: raw)
            p.pointee.has_data_location = 1
            p.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
            (p.pointee.n_external_data, p.pointee.external_data) = entries(
                [ONNXKeyValue("location", s.options.fileName), ONNXKeyValue("offset", "\(offset)"), ONNXKeyValue("length", "\(raw.count)")], arena)
            sink = s
            return p
        }
        p.pointee.has_raw_data = 1
        p.pointee.raw_data = raw.withUnsafeBytes { bytes in
            let (count, pointer) = arena.bytes(bytes)
            return ProtobufCBinaryData(len: count, data: pointer)
        }
        return p
    }

    private static func valueInfo(_ v: ONNXValueInfo, _ arena: ProtobufArena) -> UnsafeMutablePointer<Onnx__ValueInfoProto>? {
        let p = arena.message(Onnx__ValueInfoProto.self) { onnx__value_info_proto__init($0) }
        p.pointee.name = arena.string(v.name)
        guard let elementType = v.elementType else { return p }
        let type = arena.message(Onnx__TypeProto.self) { onnx__type_proto__init($0) }
        let tensor = arena.message(Onnx__TypeProto__Tensor.self) { onnx__type_proto__tensor__init($0) }
        tensor.pointee.has_elem_type = 1
        tensor.pointee.elem_type = elementType.rawValue
        if let dims = v.shape {
            let shape = arena.message(Onnx__TensorShapeProto.self) { onnx__tensor_shape_proto__init($0) }
            (shape.pointee.n_dim, shape.pointee.dim) = arena.array(dims.map { d -> UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>? in
                let p = arena.message(Onnx__TensorShapeProto__Dimension.self) { onnx__tensor_shape_proto__dimension__init($0) }
                switch d {
                case .value(let n):
                    p.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                    p.pointee.dim_value = Int64(n)
                case .parameter(let name):
                    p.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                    p.pointee.dim_param = arena.string(name)
                case .unknown: break
                }
                return p
            })
            tensor.pointee.shape = shape
        }
        type.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        type.pointee.tensor_type = tensor
        p.pointee.type = type
        return p
    }

    private static func entries(_ entries: [ONNXKeyValue], _ arena: ProtobufArena) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?) {
        arena.array(entries.map { e -> UnsafeMutablePointer<Onnx__StringStringEntryProto>? in
            let p = arena.message(Onnx__StringStringEntryProto.self) { onnx__string_string_entry_proto__init($0) }
            p.pointee.key = arena.string(e.key)
            p.pointee.value = arena.string(e.value)
            return p
        })
    }

    private static func binary(_ bytes: [UInt8], _ arena: ProtobufArena) -> ProtobufCBinaryData {
        bytes.withUnsafeBytes { b in
            let (count, pointer) = arena.bytes(b)
            return ProtobufCBinaryData(len: count, data: pointer)
        }
    }
}
