import Foundation
import GraftCaffe
import GraftCore
import GraftKeras

/// `graft inspect` on a framework's weights file rather than a `.graft`: every stored array with
/// its path, shape, type and statistics (a Keras 3 subclassed model's `.weights.h5` and a
/// `.caffemodel` without its prototxt hold no graph, only arrays).
struct WeightsFileReport: Encodable {
    var file: String
    var format: String
    var arrays: [StoredTensorSummary]

    /// The report for `path`, or nil when it is not a Keras or Caffe weights file (by extension).
    static func load(_ path: String) throws -> WeightsFileReport? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "h5", "hdf5", "keras":
            return WeightsFileReport(file: path, format: "keras", arrays: try KerasModel.storedArrays(path: path))
        case "caffemodel":
            return WeightsFileReport(file: path, format: "caffe", arrays: try CaffeModelReader.read(path: path).storedBlobs)
        default:
            return nil
        }
    }

    var text: String {
        let total = arrays.reduce(0) { $0 + $1.statistics.count }
        var out = ["\(format) weights file \(file): \(arrays.count) arrays, \(Format.grouped(total)) values "
                   + "(convert it to see the graph, when the file or a companion file holds one)", ""]
        var table = TextTable([("array", .left), ("dtype", .left), ("shape", .left), ("min", .right), ("max", .right),
                               ("mean", .right), ("std", .right), ("zeros", .right), ("nan/inf", .right)])
        for a in arrays {
            let s = a.statistics
            table.add([a.path, a.storedType, "[" + a.shape.map(String.init).joined(separator: ", ") + "]", Format.float(s.min),
                       Format.float(s.max), Format.float(Float(s.mean)), Format.float(Float(s.std)), Format.grouped(s.zeros),
                       Format.grouped(s.nonFinite)])
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }
}
