import GraftCore

/// Writes the model config JSON of the exported layers: the Keras 2 form (`model_config` of a
/// legacy `.h5`, which tf.keras and Keras 3's legacy loader read) and the Keras 3 form (what
/// `keras.models.model_from_json` and a `.keras` archive's `config.json` hold).
enum KerasConfigWriter {
    /// The Keras version the Keras 2 form declares: the layout (config dialect, weight names) is
    /// that of tf.keras 2.x. Graft records itself as the writer in `graft_writer`.
    static let keras2Version = "2.15.0"
    static let keras3Version = "3.5.0"

    static func keras2(name: String, layers: [KerasExportLayer], inputs: [String], outputs: [String]) -> JSONValue {
        let layerValues: [JSONValue] = layers.map { layer in
            .object([
                ("class_name", .string(layer.className)),
                ("config", .object(config(layer, keras3: false))),
                ("name", .string(layer.name)),
                ("inbound_nodes", layer.inputs.isEmpty ? .array([])
                    : .array([.array(layer.inputs.map { .array([.string($0), .number("0"), .number("0"), .object([])]) })])),
            ])
        }
        return .object([
            ("class_name", .string("Functional")),
            ("config", .object([
                ("name", .string(name)), ("trainable", .bool(true)), ("layers", .array(layerValues)),
                ("input_layers", .array(inputs.map(connection))), ("output_layers", .array(outputs.map(connection))),
            ])),
            ("keras_version", .string(keras2Version)),
            ("backend", .string("tensorflow")),
        ])
    }

    static func keras3(name: String, layers: [KerasExportLayer], inputs: [String], outputs: [String]) -> JSONValue {
        let shapes = Dictionary(layers.map { ($0.name, $0.outputShape) }, uniquingKeysWith: { a, _ in a })
        func tensor(_ layer: String) -> JSONValue {
            .object([
                ("class_name", .string("__keras_tensor__")),
                ("config", .object([
                    ("shape", .array([.null] + (shapes[layer] ?? []).map(KerasConfigValue.int))),
                    ("dtype", .string("float32")),
                    ("keras_history", .array([.string(layer), .number("0"), .number("0")])),
                ])),
            ])
        }
        let layerValues: [JSONValue] = layers.map { layer in
            var nodes: [JSONValue] = []
            if !layer.inputs.isEmpty {
                // A merge layer takes its tensors as one list argument.
                let argument: JSONValue = layer.inputs.count == 1 ? tensor(layer.inputs[0]) : .array(layer.inputs.map(tensor))
                nodes = [.object([("args", .array([argument])), ("kwargs", .object([]))])]
            }
            return .object([
                ("module", .string("keras.layers")),
                ("class_name", .string(layer.className)),
                ("config", .object(config(layer, keras3: true))),
                ("registered_name", .null),
                ("name", .string(layer.name)),
                ("inbound_nodes", .array(nodes)),
            ])
        }
        func connections(_ names: [String]) -> JSONValue {
            names.count == 1 ? connection(names[0]) : .array(names.map(connection))
        }
        return .object([
            ("module", .string("keras.src.models.functional")),
            ("class_name", .string("Functional")),
            ("config", .object([
                ("name", .string(name)), ("trainable", .bool(true)), ("layers", .array(layerValues)),
                ("input_layers", connections(inputs)), ("output_layers", connections(outputs)),
            ])),
            ("registered_name", .string("Functional")),
            ("build_config", .object([("input_shape", .null)])),
            ("compile_config", .object([])),
            // Not read by Keras; tells Graft's importer which hard_sigmoid the file means.
            ("keras_version", .string(keras3Version)),
        ])
    }

    private static func connection(_ layer: String) -> JSONValue {
        .array([.string(layer), .number("0"), .number("0")])
    }

    /// A layer's config: its own fields plus `name`, `trainable` and `dtype` (an input layer's
    /// batch shape instead).
    private static func config(_ layer: KerasExportLayer, keras3: Bool) -> [(key: String, value: JSONValue)] {
        if layer.className == "InputLayer" {
            let shape: JSONValue = .array([.null] + layer.outputShape.map(KerasConfigValue.int))
            return [(keras3 ? "batch_shape" : "batch_input_shape", shape), ("dtype", .string("float32")),
                    ("sparse", .bool(false)), ("ragged", .bool(false)), ("name", .string(layer.name))]
        }
        var fields: [(key: String, value: JSONValue)] = [("name", .string(layer.name)), ("trainable", .bool(layer.trainable))]
        if !layer.config.contains(where: { $0.key == "dtype" }) { fields.append(("dtype", .string("float32"))) }
        return fields + layer.config
    }
}
