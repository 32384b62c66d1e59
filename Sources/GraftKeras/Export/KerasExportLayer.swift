import GraftCore

/// One Keras layer to write, in terms both writers share: the class, its config fields (without
/// `name`, `trainable` and `dtype`, which the writers add), the layers it reads, and its weights in
/// Keras's layout and legacy order (trainable then non-trainable, which for every class written
/// here is also Keras 3's creation order).
struct KerasExportLayer: Sendable {
    struct Weight: Sendable {
        /// The Keras weight name (`kernel`, `bias`, `gamma`, ...).
        var name: String
        var shape: [Int]
        var values: [Float]
    }

    var className: String
    var name: String
    var config: [(key: String, value: JSONValue)]
    /// The layers whose (only) output this layer is called on.
    var inputs: [String]
    var weights: [Weight] = []
    var trainable = true
    /// The Keras output shape after the batch dimension.
    var outputShape: [Int]
    /// A config written verbatim (an opaque Keras layer carried through Graft).
    var verbatim = false
}

/// JSON values for configs.
enum KerasConfigValue {
    static func int(_ i: Int) -> JSONValue { .number(String(i)) }
    static func ints(_ values: [Int]) -> JSONValue { .array(values.map(int)) }
    static func string(_ s: String) -> JSONValue { .string(s) }
    static func bool(_ b: Bool) -> JSONValue { .bool(b) }

    /// A Float as the shortest decimal that reads back, through a double, as the same Float (so
    /// values that travel in configs, like a Normalization's mean, stay bit-identical).
    static func float(_ f: Float) -> JSONValue {
        guard f.isFinite else { return .null }
        // Swift prints `1e-05` and `6.0`, both valid JSON numbers.
        let short = "\(f)"
        if let d = Double(short), Float(d) == f { return .number(short) }
        return .number("\(Double(f))")
    }

    static func floats(_ values: [Float]) -> JSONValue { .array(values.map(float)) }

    static func size(_ a: Int, _ b: Int) -> JSONValue { ints([a, b]) }
}
