/// Names Graft values after Caffe blobs, which Caffe may overwrite but Graft values may not
/// (they are single-assignment).
///
/// The rule: every write of a blob (a layer's top, or a net input) becomes its own value. The
/// **last** write of blob `b` in the net is named `b`, so a reference to `out:b` (what OpenCV and
/// Caffe report: the blob's value at the end of the net) finds it. An **earlier** write, which a
/// later in-place layer overwrites, is named `b@w` where `w` is the writing layer's name (`input`
/// for a net input overwritten in place); should that name be taken, `#2`, `#3`, ... is appended.
///
/// For `conv1 → bn1 → scale1 → relu1`, all in place on blob `conv1`, the values are
/// `conv1@conv1`, `conv1@bn1`, `conv1@scale1` and `conv1`. Split and Input layers write no value
/// (a Split's tops name its bottom's value), so they do not count as writers.
struct CaffeValueNaming {
    /// Index of the last writer of each blob (-1: a net input).
    private var lastWriter: [String: Int] = [:]
    private var taken: Set<String>
    private var used = Set<String>()

    static func writesValues(_ layer: CaffeLayer) -> Bool {
        layer.type != CaffeLayerKind.input.rawValue && layer.type != CaffeLayerKind.split.rawValue
    }

    init(inputs: [String], layers: [CaffeLayer]) {
        for input in inputs { lastWriter[input] = -1 }
        for (i, layer) in layers.enumerated() where Self.writesValues(layer) {
            for top in layer.tops { lastWriter[top] = i }
        }
        taken = Set(lastWriter.keys)
    }

    /// The value name for the write of `blob` by layer `index` (-1: a net input) named `writer`.
    mutating func name(blob: String, writer index: Int, writerName: String) -> String {
        if lastWriter[blob] == index, used.insert(blob).inserted { return blob }
        let base = "\(blob)@\(writerName)"
        var candidate = base
        var n = 2
        while taken.contains(candidate) || used.contains(candidate) {
            candidate = "\(base)#\(n)"
            n += 1
        }
        used.insert(candidate)
        return candidate
    }
}
