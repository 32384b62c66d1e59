import Foundation
import GraftHDF5
import GraftTestSupport

/// Writes Keras-layout HDF5 files through Graft's own HDF5 layer, so tests can build exactly the
/// file (or the exact damage) they need.
struct KerasFileBuilder {
    /// One stored array.
    struct Array: Sendable {
        var name: String
        var shape: [Int]
        var values: [Float]

        init(_ name: String, _ shape: [Int], values: [Float]? = nil) {
            self.name = name
            self.shape = shape
            let count = shape.reduce(1, *)
            self.values = values ?? (0..<count).map { Float($0 % 97) * 0.25 - 3 }
        }
    }

    /// A legacy (pre-Keras-3) layer group: `weight_names` plus the arrays at those paths.
    struct LegacyLayer: Sendable {
        var name: String
        var arrays: [Array]
        /// Stored array paths relative to the layer group (defaults to `<name>/<array name>:0`).
        var paths: [String]?

        init(_ name: String, _ arrays: [Array] = [], paths: [String]? = nil) {
            self.name = name
            self.arrays = arrays
            self.paths = paths
        }
    }

    var encoding: HDF5StringEncoding = .variableLength
    /// Split `layer_names` like Keras does for long lists, with this chunk limit.
    var chunkByteLimit: Int = HDF5Attributes.kerasChunkByteLimit

    /// `model.save('x.h5')`: model_config + model_weights/ (+ optimizer_weights/).
    func writeLegacyFull(_ path: String, config: String, layers: [LegacyLayer], kerasVersion: String? = "2.11.0",
                         backend: String? = "tensorflow", withModelWeights: Bool = true,
                         optimizerWeights: Bool = false) throws {
        let root = try HDF5File.create(path: path).root()
        // Always variable-length, as h5py stores a Python str: a fixed-length string over 64 KiB
        // would not fit the object header (the reason Keras splits long lists).
        try root.attributes.setString("model_config", config, encoding: .variableLength)
        if let kerasVersion { try root.attributes.setString("keras_version", kerasVersion, encoding: encoding) }
        if let backend { try root.attributes.setString("backend", backend, encoding: encoding) }
        if withModelWeights { try writeLegacyLayers(try root.createGroup("model_weights"), layers) }
        if optimizerWeights {
            let optimizer = try root.createGroup("optimizer_weights")
            try optimizer.attributes.setStrings("weight_names", ["iterations:0"], encoding: encoding)
            try optimizer.createDataset("iterations:0", shape: [], integers: [7])
        }
    }

    /// `save_weights('x.h5')`: layer_names at the root.
    func writeLegacyWeights(_ path: String, layers: [LegacyLayer], kerasVersion: String? = "2.11.0",
                            backend: String? = "tensorflow") throws {
        let root = try HDF5File.create(path: path).root()
        if let kerasVersion { try root.attributes.setString("keras_version", kerasVersion, encoding: encoding) }
        if let backend { try root.attributes.setString("backend", backend, encoding: encoding) }
        try writeLegacyLayers(root, layers)
    }

    func writeLegacyLayers(_ group: HDF5Group, _ layers: [LegacyLayer]) throws {
        try group.attributes.setChunkedStrings("layer_names", layers.map(\.name), encoding: encoding,
                                               chunkByteLimit: chunkByteLimit)
        for layer in layers {
            let layerGroup = try group.createGroup(layer.name)
            let paths = layer.paths ?? layer.arrays.map { "\(layer.name)/\($0.name):0" }
            if paths.isEmpty {
                try layerGroup.attributes.setDoubles("weight_names", [], shape: [0])   // what Keras writes
            } else {
                try layerGroup.attributes.setStrings("weight_names", paths, encoding: encoding)
            }
            for (array, path) in zip(layer.arrays, paths) {
                var parent = layerGroup
                let components = path.split(separator: "/").map(String.init)
                for component in components.dropLast() {
                    parent = try parent.contains(component) ? parent.group(component) : parent.createGroup(component)
                }
                try parent.createDataset(components.last!, shape: array.shape, values: array.values)
            }
        }
    }

    /// A Keras 3 layer group: `layers/<group>/vars/<i>`, optionally with the `name` attribute.
    struct Keras3Group: Sendable {
        var group: String
        var layerName: String?
        var arrays: [Array]

        init(_ group: String, layerName: String? = nil, _ arrays: [Array] = []) {
            self.group = group
            self.layerName = layerName
            self.arrays = arrays
        }
    }

    /// Keras 3 `.weights.h5`.
    func writeKeras3Weights(_ path: String, groups: [Keras3Group], optimizer: Bool = false) throws {
        let root = try HDF5File.create(path: path).root()
        try fillKeras3(root, groups: groups, optimizer: optimizer)
    }

    func fillKeras3(_ root: HDF5Group, groups: [Keras3Group], optimizer: Bool = false) throws {
        let layers = try root.createGroup("layers")
        for group in groups {
            let vars = try layers.createGroup(group.group).createGroup("vars")
            if let layerName = group.layerName { try vars.attributes.setString("name", layerName) }
            for (index, array) in group.arrays.enumerated() {
                try vars.createDataset(String(index), shape: array.shape, values: array.values)
            }
        }
        try root.createGroup("vars")
        if optimizer {
            let vars = try root.createGroup("optimizer").createGroup("vars")
            try vars.createDataset("0", shape: [], integers: [3])
        }
    }
}

/// Small config JSON builders in the three dialects.
enum KerasConfigs {
    /// A tf.keras-style Sequential: InputLayer, Conv2D (3x3, 8 filters), BatchNormalization,
    /// Flatten, Dense(units).
    static func sequential(filters: Int = 8, units: Int = 4, conv: String = "conv", inputShape: String = "[null, 6, 6, 3]") -> String {
        """
        {"class_name": "Sequential", "config": {"name": "seq", "layers": [
          {"class_name": "InputLayer", "config": {"batch_input_shape": \(inputShape), "dtype": "float32", "name": "in"}},
          {"class_name": "Conv2D", "config": {"name": "\(conv)", "filters": \(filters), "kernel_size": [3, 3], "strides": [1, 1],
            "padding": "same", "data_format": "channels_last", "activation": "relu", "use_bias": true}},
          {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1, "epsilon": 0.001}},
          {"class_name": "Flatten", "config": {"name": "flat"}},
          {"class_name": "Dense", "config": {"name": "fc", "units": \(units), "activation": "softmax"}}
        ]}, "keras_version": "2.11.0", "backend": "tensorflow"}
        """
    }

    /// Weights matching ``sequential(filters:units:conv:inputShape:)`` in the legacy layout.
    static func sequentialLayers(filters: Int = 8, units: Int = 4, conv: String = "conv") -> [KerasFileBuilder.LegacyLayer] {
        [
            .init("in"),
            .init(conv, [.init("kernel", [3, 3, 3, filters]), .init("bias", [filters])]),
            .init("bn", [.init("gamma", [filters]), .init("beta", [filters]), .init("moving_mean", [filters]),
                         .init("moving_variance", [filters])]),
            .init("flat"),
            .init("fc", [.init("kernel", [6 * 6 * filters, units]), .init("bias", [units])]),
        ]
    }
}
