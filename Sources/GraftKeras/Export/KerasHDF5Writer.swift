import Foundation
import GraftCore
import GraftHDF5

/// Writes the two HDF5 layouts: the legacy full model (`model.save('x.h5')` in Keras 2) and the
/// Keras 3 `.weights.h5`. Each file is written under a temporary name in the target's directory
/// and renamed over the target only when complete.
enum KerasHDF5Writer {
    /// Root attribute naming the program that wrote the file (Keras ignores it).
    static let writerAttribute = "graft_writer"

    static func writeLegacyFull(to path: String, modelConfig: String, layers: [KerasExportLayer]) throws(KerasExportError) {
        try atomically(path) { (file: HDF5File) throws(HDF5Error) in
            let root = try file.root()
            try root.attributes.setString("keras_version", KerasConfigWriter.keras2Version)
            try root.attributes.setString("backend", "tensorflow")
            try root.attributes.setString("model_config", modelConfig)
            try root.attributes.setString(writerAttribute, "graft \(GraftVersion.current)")
            let weights = try root.createGroup("model_weights")
            try weights.attributes.setChunkedStrings("layer_names", layers.map(\.name), encoding: .fixedLength)
            try weights.attributes.setString("backend", "tensorflow")
            try weights.attributes.setString("keras_version", KerasConfigWriter.keras2Version)
            // Keras creates the groups sorted by name (so that no name is a prefix of a later one).
            for layer in layers.sorted(by: { $0.name < $1.name }) {
                let group = try weights.createGroup(layer.name)
                // An opaque layer's weights may carry nested names (`dense_1/kernel`): one level here.
                let stored = layer.weights.map { $0.name.replacingOccurrences(of: "/", with: "_") + ":0" }
                let names = stored.map { "\(layer.name)/\($0)" }
                if names.isEmpty {
                    try group.attributes.setDoubles("weight_names", [], shape: [0])
                    continue
                }
                try group.attributes.setChunkedStrings("weight_names", names, encoding: .fixedLength)
                let inner = try group.createGroup(layer.name)
                for (weight, name) in zip(layer.weights, stored) {
                    try inner.createDataset(name, shape: weight.shape, values: weight.values)
                }
            }
        }
    }

    static func writeKeras3Weights(to path: String, modelName: String, layers: [KerasExportLayer]) throws(KerasExportError) {
        try atomically(path) { (file: HDF5File) throws(HDF5Error) in
            let root = try file.root()
            let layersGroup = try root.createGroup("layers")
            let groups = Keras3WeightReader.groupNames(classNames: layers.map(\.className))
            for (layer, groupName) in zip(layers, groups) {
                let vars = try layersGroup.createGroup(groupName).createGroup("vars")
                try vars.attributes.setString("name", layer.name)
                for (index, weight) in layer.weights.enumerated() {
                    try vars.createDataset(String(index), shape: weight.shape, values: weight.values)
                }
            }
            let modelVars = try root.createGroup("vars")
            try modelVars.attributes.setString("name", modelName)
        }
    }

    /// Runs `body` on a new HDF5 file at a temporary path beside `path`, closes it, and renames it
    /// over `path`; on failure the temporary file is removed and `path` is untouched.
    private static func atomically(_ path: String,
                                   _ body: (HDF5File) throws(HDF5Error) -> Void) throws(KerasExportError) {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .io(path: path, reason: "directory \(directory) does not exist")
        }
        let temporary = directory + "/." + target.lastPathComponent + ".tmp-" + String(UInt64.random(in: .min ... .max), radix: 16)
        do {
            try write(temporary, body)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io(path: path, reason: error.description)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io(path: path, reason: "cannot rename \(temporary) over it: \(reason)")
        }
    }

    /// Creates, fills and flushes the file; it is closed when the last handle goes away on return.
    private static func write(_ path: String, _ body: (HDF5File) throws(HDF5Error) -> Void) throws(HDF5Error) {
        let file = try HDF5File.create(path: path, trackCreationOrder: true)
        try body(file)
        try file.flush()
    }
}
