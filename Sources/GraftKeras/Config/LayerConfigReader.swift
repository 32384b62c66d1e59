/// Reads the fields of one layer's `config` object. Each accessor takes the field's names in
/// order of preference, so Keras 1 spellings (`nb_filter`, `subsample`, `border_mode`,
/// `dim_ordering`) are read by the same decoder as Keras 2/3 ones. A field written as `null`
/// counts as absent.
struct LayerConfigReader: Sendable {
    let layerName: String
    let className: String
    let fields: [String: KerasJSON]

    /// The first present, non-null field among `keys`.
    func value(_ keys: [String]) -> (key: String, value: KerasJSON)? {
        for key in keys {
            if let v = fields[key], !v.isNull { return (key, v) }
        }
        return nil
    }

    private func invalid(_ key: String, _ expected: String, _ found: KerasJSON) -> LayerDecodingFailure {
        .invalid(field: key, reason: "expected \(expected), found \(found.kindName) \(found.compactText.prefix(80))")
    }

    private func missing(_ keys: [String]) -> LayerDecodingFailure {
        .invalid(field: keys.joined(separator: "|"), reason: "missing")
    }

    // MARK: - Scalars

    func optionalInt(_ keys: [String]) throws(LayerDecodingFailure) -> Int? {
        guard let (key, v) = value(keys) else { return nil }
        guard let i = v.intValue else { throw invalid(key, "an integer", v) }
        return i
    }

    func int(_ keys: [String], default fallback: Int? = nil) throws(LayerDecodingFailure) -> Int {
        if let i = try optionalInt(keys) { return i }
        guard let fallback else { throw missing(keys) }
        return fallback
    }

    /// An integer that must be at least 1 (filters, units, multipliers).
    func positiveInt(_ keys: [String], default fallback: Int? = nil) throws(LayerDecodingFailure) -> Int {
        let i = try int(keys, default: fallback)
        guard i >= 1 else { throw .invalid(field: keys[0], reason: "must be at least 1, found \(i)") }
        return i
    }

    func optionalDouble(_ keys: [String]) throws(LayerDecodingFailure) -> Double? {
        guard let (key, v) = value(keys) else { return nil }
        guard let d = v.doubleValue else { throw invalid(key, "a number", v) }
        return d
    }

    func double(_ keys: [String], default fallback: Double? = nil) throws(LayerDecodingFailure) -> Double {
        if let d = try optionalDouble(keys) { return d }
        guard let fallback else { throw missing(keys) }
        return fallback
    }

    func bool(_ keys: [String], default fallback: Bool) throws(LayerDecodingFailure) -> Bool {
        guard let (key, v) = value(keys) else { return fallback }
        guard case .bool(let b) = v else { throw invalid(key, "true or false", v) }
        return b
    }

    func optionalString(_ keys: [String]) throws(LayerDecodingFailure) -> String? {
        guard let (key, v) = value(keys) else { return nil }
        guard let s = v.stringValue else { throw invalid(key, "a string", v) }
        return s
    }

    // MARK: - Lists

    func optionalIntList(_ keys: [String]) throws(LayerDecodingFailure) -> [Int]? {
        guard let (key, v) = value(keys) else { return nil }
        guard let items = v.arrayValue else { throw invalid(key, "a list of integers", v) }
        var result: [Int] = []
        for item in items {
            guard let i = item.intValue else { throw invalid(key, "a list of integers", v) }
            result.append(i)
        }
        return result
    }

    /// A number or a list of numbers.
    func optionalDoubleList(_ keys: [String]) throws(LayerDecodingFailure) -> [Double]? {
        guard let (key, v) = value(keys) else { return nil }
        if let d = v.doubleValue { return [d] }
        guard let items = v.arrayValue else { throw invalid(key, "a number or a list of numbers", v) }
        var result: [Double] = []
        for item in items {
            guard let d = item.doubleValue else { throw invalid(key, "a number or a list of numbers", v) }
            result.append(d)
        }
        return result
    }

    /// A shape such as `[null, 128, 128, 3]`: integers (at least 0) or nulls.
    func optionalShape(_ keys: [String]) throws(LayerDecodingFailure) -> [Int?]? {
        guard let (key, v) = value(keys) else { return nil }
        guard let items = v.arrayValue else { throw invalid(key, "a shape list", v) }
        var result: [Int?] = []
        for item in items {
            if item.isNull {
                result.append(nil)
            } else if let i = item.intValue, i >= 0 {
                result.append(i)
            } else {
                throw invalid(key, "a shape of non-negative integers and nulls", v)
            }
        }
        return result
    }

    // MARK: - Keras value types

    /// `3` or `[3, 3]`, every value at least `minimum`.
    func size2D(_ keys: [String], default fallback: Int? = nil, minimum: Int = 1) throws(LayerDecodingFailure) -> KerasSize2D {
        guard let (key, v) = value(keys) else {
            guard let fallback else { throw missing(keys) }
            return KerasSize2D(fallback, fallback)
        }
        let size: KerasSize2D
        if let i = v.intValue {
            size = KerasSize2D(i, i)
        } else if let items = v.arrayValue, items.count == 2, let h = items[0].intValue, let w = items[1].intValue {
            size = KerasSize2D(h, w)
        } else {
            throw invalid(key, "an integer or a pair of integers", v)
        }
        guard size.height >= minimum, size.width >= minimum else {
            throw .invalid(field: key, reason: "must be at least \(minimum), found \(size)")
        }
        return size
    }

    /// The kernel size: `kernel_size`, or Keras 1 `nb_row` and `nb_col`.
    func kernelSize() throws(LayerDecodingFailure) -> KerasSize2D {
        if value(["kernel_size"]) != nil { return try size2D(["kernel_size"]) }
        let rows = try positiveInt(["nb_row"])
        let columns = try positiveInt(["nb_col"])
        return KerasSize2D(rows, columns)
    }

    /// Per-side amounts: `1`, `[1, 2]` (rows, columns), `[[1, 1], [2, 2]]`, Keras 1's 4-tuple
    /// `[top, bottom, left, right]`, or its `{"top_pad": ...}` dictionary.
    func insets(_ keys: [String], default fallback: Int) throws(LayerDecodingFailure) -> KerasInsets2D {
        guard let (key, v) = value(keys) else {
            return KerasInsets2D(top: fallback, bottom: fallback, left: fallback, right: fallback)
        }
        let bad = invalid(key, "an integer, 2 integers, 2 pairs or 4 integers", v)
        var insets: KerasInsets2D
        if let i = v.intValue {
            insets = KerasInsets2D(top: i, bottom: i, left: i, right: i)
        } else if let items = v.arrayValue {
            let flat = items.compactMap(\.intValue)
            let pairs = items.compactMap { $0.arrayValue?.compactMap(\.intValue) }
            if items.count == 2, flat.count == 2 {
                insets = KerasInsets2D(top: flat[0], bottom: flat[0], left: flat[1], right: flat[1])
            } else if items.count == 4, flat.count == 4 {
                insets = KerasInsets2D(top: flat[0], bottom: flat[1], left: flat[2], right: flat[3])
            } else if items.count == 2, pairs.count == 2, pairs.allSatisfy({ $0.count == 2 }) {
                insets = KerasInsets2D(top: pairs[0][0], bottom: pairs[0][1], left: pairs[1][0], right: pairs[1][1])
            } else {
                throw bad
            }
        } else if let dict = v.objectValue {
            func side(_ name: String) throws(LayerDecodingFailure) -> Int {
                guard let i = (dict[name] ?? .number(0)).intValue else { throw bad }
                return i
            }
            insets = KerasInsets2D(top: try side("top_pad"), bottom: try side("bottom_pad"),
                                   left: try side("left_pad"), right: try side("right_pad"))
        } else {
            throw bad
        }
        guard min(insets.top, insets.bottom, insets.left, insets.right) >= 0 else {
            throw .invalid(field: key, reason: "negative amounts \(insets)")
        }
        return insets
    }

    /// `padding` (Keras 2/3) or `border_mode` (Keras 1): valid or same.
    func padding() throws(LayerDecodingFailure) -> KerasPadding {
        guard let name = try optionalString(["padding", "border_mode"]) else { return .valid }
        guard let padding = KerasPadding(rawValue: name.lowercased()) else {
            if name == "full" || name == "causal" {
                throw .unsupported(field: "padding", reason: "padding '\(name)' is not modelled (valid and same are)")
            }
            throw .invalid(field: "padding", reason: "expected 'valid' or 'same', found '\(name)'")
        }
        return padding
    }

    /// The data format with the kernel layout it implies: `data_format` (Keras 2/3, always HWIO
    /// kernels) or Keras 1 `dim_ordering` ("th": OIHW kernels). Keras 1 "default" is read as "tf"
    /// with a warning.
    func dataFormat() throws(LayerDecodingFailure) -> (KerasDataFormat, KerasKernelLayout, [KerasWarning]) {
        if let name = try optionalString(["data_format"]) {
            guard let format = KerasDataFormat(rawValue: name) else {
                throw .invalid(field: "data_format", reason: "expected channels_last or channels_first, found '\(name)'")
            }
            return (format, .hwio, [])
        }
        switch try optionalString(["dim_ordering"]) {
        case nil, "tf": return (.channelsLast, .hwio, [])
        case "th": return (.channelsFirst, .oihw, [])
        case "default": return (.channelsLast, .hwio, [.defaultDimOrderingAssumedTF(layer: layerName)])
        case let other?:
            throw .invalid(field: "dim_ordering", reason: "expected 'tf', 'th' or 'default', found '\(other)'")
        }
    }

    /// The `activation` field (absent: linear). A custom activation (an object, or an unknown
    /// name) makes the layer unsupported.
    func activation(required: Bool = false) throws(LayerDecodingFailure) -> KerasActivation {
        guard let (key, v) = value(["activation"]) else {
            if required { throw missing(["activation"]) }
            return .linear
        }
        guard let name = v.stringValue else {
            if v.objectValue != nil {
                throw .unsupported(field: key, reason: "custom activation object \(v.compactText.prefix(120))")
            }
            throw invalid(key, "an activation name", v)
        }
        guard let activation = KerasActivation(kerasName: name) else {
            throw .unsupported(field: key, reason: "activation '\(name)' is not known")
        }
        return activation
    }
}
