/// What a graph node computes: one case per operation, each with typed parameters.
///
/// Encoded in the graph JSON as `"op": "<kind>"` plus `"attributes": { ... }` on the node.
public enum Op: Equatable, Sendable {
    case convolution(Convolution)
    case deconvolution(Deconvolution)
    case innerProduct(InnerProduct)
    case pooling(Pooling)
    case lrn(LRN)
    case batchNorm(BatchNorm)
    case layerNorm(LayerNormalization)
    case l2Norm(L2Normalization)
    case scale(Scale)
    case bias(Bias)
    case relu(ReLU)
    case prelu(PReLU)
    case activation(Activation)
    case power(Power)
    case softmax(Softmax)
    case concat(Concat)
    case eltwise(Eltwise)
    case flatten(Flatten)
    case reshape(Reshape)
    case permute(Permute)
    case dropout(Dropout)
    case crop(Crop)
    case slice(Slice)
    case pad(Pad)
    case constant(Constant)
    case opaque(Opaque)

    /// The stable kind name used in files and shown by `graft inspect`.
    public var kind: OpKind {
        switch self {
        case .convolution: .convolution
        case .deconvolution: .deconvolution
        case .innerProduct: .innerProduct
        case .pooling: .pooling
        case .lrn: .lrn
        case .batchNorm: .batchNorm
        case .layerNorm: .layerNorm
        case .l2Norm: .l2Norm
        case .scale: .scale
        case .bias: .bias
        case .relu: .relu
        case .prelu: .prelu
        case .activation: .activation
        case .power: .power
        case .softmax: .softmax
        case .concat: .concat
        case .eltwise: .eltwise
        case .flatten: .flatten
        case .reshape: .reshape
        case .permute: .permute
        case .dropout: .dropout
        case .crop: .crop
        case .slice: .slice
        case .pad: .pad
        case .constant: .constant
        case .opaque: .opaque
        }
    }

    /// A short human label, e.g. "Convolution", "Pooling(max)", "Sigmoid", "Opaque(Permute)".
    public var displayName: String {
        switch self {
        case .pooling(let p): p.global ? "Pooling(global \(p.method.rawValue))" : "Pooling(\(p.method.rawValue))"
        case .activation(let a): a.name
        case .eltwise(let e): "Eltwise(\(e.operation.rawValue))"
        case .relu(let r):
            if let m = r.maxValue { "ReLU\(m == 6 ? "6" : "(max \(m))")" }
            else if r.negativeSlope != 0 { "LeakyReLU" } else { "ReLU" }
        case .opaque(let o): "Opaque(\(o.type))"
        default: kind.rawValue
        }
    }
}

/// The kinds of operation, as named in `.graft` files.
public enum OpKind: String, Codable, Sendable, CaseIterable {
    case convolution = "Convolution"
    case deconvolution = "Deconvolution"
    case innerProduct = "InnerProduct"
    case pooling = "Pooling"
    case lrn = "LRN"
    case batchNorm = "BatchNorm"
    case layerNorm = "LayerNormalization"
    case l2Norm = "L2Normalization"
    case scale = "Scale"
    case bias = "Bias"
    case relu = "ReLU"
    case prelu = "PReLU"
    case activation = "Activation"
    case power = "Power"
    case softmax = "Softmax"
    case concat = "Concat"
    case eltwise = "Eltwise"
    case flatten = "Flatten"
    case reshape = "Reshape"
    case permute = "Permute"
    case dropout = "Dropout"
    case crop = "Crop"
    case slice = "Slice"
    case pad = "Pad"
    case constant = "Constant"
    case opaque = "Opaque"
}

extension Op {
    /// Decodes the attributes of an op of `kind` from `container`'s `key`.
    static func decode<K: CodingKey>(kind: OpKind, from container: KeyedDecodingContainer<K>, key: K) throws -> Op {
        switch kind {
        case .convolution: .convolution(try container.decode(Convolution.self, forKey: key))
        case .deconvolution: .deconvolution(try container.decode(Deconvolution.self, forKey: key))
        case .innerProduct: .innerProduct(try container.decode(InnerProduct.self, forKey: key))
        case .pooling: .pooling(try container.decode(Pooling.self, forKey: key))
        case .lrn: .lrn(try container.decode(LRN.self, forKey: key))
        case .batchNorm: .batchNorm(try container.decode(BatchNorm.self, forKey: key))
        case .layerNorm: .layerNorm(try container.decode(LayerNormalization.self, forKey: key))
        case .l2Norm: .l2Norm(try container.decode(L2Normalization.self, forKey: key))
        case .scale: .scale(try container.decode(Scale.self, forKey: key))
        case .bias: .bias(try container.decode(Bias.self, forKey: key))
        case .relu: .relu(try container.decode(ReLU.self, forKey: key))
        case .prelu: .prelu(try container.decode(PReLU.self, forKey: key))
        case .activation: .activation(try container.decode(Activation.self, forKey: key))
        case .power: .power(try container.decode(Power.self, forKey: key))
        case .softmax: .softmax(try container.decode(Softmax.self, forKey: key))
        case .concat: .concat(try container.decode(Concat.self, forKey: key))
        case .eltwise: .eltwise(try container.decode(Eltwise.self, forKey: key))
        case .flatten: .flatten(try container.decode(Flatten.self, forKey: key))
        case .reshape: .reshape(try container.decode(Reshape.self, forKey: key))
        case .permute: .permute(try container.decode(Permute.self, forKey: key))
        case .dropout: .dropout(try container.decode(Dropout.self, forKey: key))
        case .crop: .crop(try container.decode(Crop.self, forKey: key))
        case .slice: .slice(try container.decode(Slice.self, forKey: key))
        case .pad: .pad(try container.decode(Pad.self, forKey: key))
        case .constant: .constant(try container.decode(Constant.self, forKey: key))
        case .opaque: .opaque(try container.decode(Opaque.self, forKey: key))
        }
    }

    /// Encodes the attributes (the associated value) under `key`.
    func encodeAttributes<K: CodingKey>(to container: inout KeyedEncodingContainer<K>, key: K) throws {
        switch self {
        case .convolution(let p): try container.encode(p, forKey: key)
        case .deconvolution(let p): try container.encode(p, forKey: key)
        case .innerProduct(let p): try container.encode(p, forKey: key)
        case .pooling(let p): try container.encode(p, forKey: key)
        case .lrn(let p): try container.encode(p, forKey: key)
        case .batchNorm(let p): try container.encode(p, forKey: key)
        case .layerNorm(let p): try container.encode(p, forKey: key)
        case .l2Norm(let p): try container.encode(p, forKey: key)
        case .scale(let p): try container.encode(p, forKey: key)
        case .bias(let p): try container.encode(p, forKey: key)
        case .relu(let p): try container.encode(p, forKey: key)
        case .prelu(let p): try container.encode(p, forKey: key)
        case .activation(let p): try container.encode(p, forKey: key)
        case .power(let p): try container.encode(p, forKey: key)
        case .softmax(let p): try container.encode(p, forKey: key)
        case .concat(let p): try container.encode(p, forKey: key)
        case .eltwise(let p): try container.encode(p, forKey: key)
        case .flatten(let p): try container.encode(p, forKey: key)
        case .reshape(let p): try container.encode(p, forKey: key)
        case .permute(let p): try container.encode(p, forKey: key)
        case .dropout(let p): try container.encode(p, forKey: key)
        case .crop(let p): try container.encode(p, forKey: key)
        case .slice(let p): try container.encode(p, forKey: key)
        case .pad(let p): try container.encode(p, forKey: key)
        case .constant(let p): try container.encode(p, forKey: key)
        case .opaque(let p): try container.encode(p, forKey: key)
        }
    }
}
