/// What a graph node computes: one case per operation, each with typed parameters.
///
/// Encoded in the graph JSON as `"op": "<kind>"` plus `"attributes": { ... }` on the node.
public enum Op: Equatable, Sendable {
    /// A 2-D convolution: ``Convolution``.
    case convolution(Convolution)
    /// A 2-D transposed convolution: ``Deconvolution``.
    case deconvolution(Deconvolution)
    /// A fully connected layer: ``InnerProduct``.
    case innerProduct(InnerProduct)
    /// Max or average pooling: ``Pooling``.
    case pooling(Pooling)
    /// Local response normalisation: ``LRN``.
    case lrn(LRN)
    /// Batch normalisation: ``BatchNorm``.
    case batchNorm(BatchNorm)
    /// Layer normalisation: ``LayerNormalization``.
    case layerNorm(LayerNormalization)
    /// L2 normalisation with a learned scale: ``L2Normalization``.
    case l2Norm(L2Normalization)
    /// A per-channel multiply: ``Scale``.
    case scale(Scale)
    /// A per-channel add: ``Bias``.
    case bias(Bias)
    /// A rectified linear unit: ``ReLU``.
    case relu(ReLU)
    /// A parametric ReLU: ``PReLU``.
    case prelu(PReLU)
    /// An element-wise function without parameters: ``Activation``.
    case activation(Activation)
    /// Caffe's power function: ``Power``.
    case power(Power)
    /// A softmax: ``Softmax``.
    case softmax(Softmax)
    /// A concatenation: ``Concat``.
    case concat(Concat)
    /// An element-wise sum, product or maximum: ``Eltwise``.
    case eltwise(Eltwise)
    /// A flatten: ``Flatten``.
    case flatten(Flatten)
    /// A reshape: ``Reshape``.
    case reshape(Reshape)
    /// A transpose: ``Permute``.
    case permute(Permute)
    /// Dropout: ``Dropout``.
    case dropout(Dropout)
    /// A crop: ``Crop``.
    case crop(Crop)
    /// A split into pieces: ``Slice``.
    case slice(Slice)
    /// Constant padding: ``Pad``.
    case pad(Pad)
    /// A stored tensor: ``Constant``.
    case constant(Constant)
    /// A layer Graft keeps but cannot execute: ``Opaque``.
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
    /// ``Op/convolution(_:)``.
    case convolution = "Convolution"
    /// ``Op/deconvolution(_:)``.
    case deconvolution = "Deconvolution"
    /// ``Op/innerProduct(_:)``.
    case innerProduct = "InnerProduct"
    /// ``Op/pooling(_:)``.
    case pooling = "Pooling"
    /// ``Op/lrn(_:)``.
    case lrn = "LRN"
    /// ``Op/batchNorm(_:)``.
    case batchNorm = "BatchNorm"
    /// ``Op/layerNorm(_:)``.
    case layerNorm = "LayerNormalization"
    /// ``Op/l2Norm(_:)``.
    case l2Norm = "L2Normalization"
    /// ``Op/scale(_:)``.
    case scale = "Scale"
    /// ``Op/bias(_:)``.
    case bias = "Bias"
    /// ``Op/relu(_:)``.
    case relu = "ReLU"
    /// ``Op/prelu(_:)``.
    case prelu = "PReLU"
    /// ``Op/activation(_:)``.
    case activation = "Activation"
    /// ``Op/power(_:)``.
    case power = "Power"
    /// ``Op/softmax(_:)``.
    case softmax = "Softmax"
    /// ``Op/concat(_:)``.
    case concat = "Concat"
    /// ``Op/eltwise(_:)``.
    case eltwise = "Eltwise"
    /// ``Op/flatten(_:)``.
    case flatten = "Flatten"
    /// ``Op/reshape(_:)``.
    case reshape = "Reshape"
    /// ``Op/permute(_:)``.
    case permute = "Permute"
    /// ``Op/dropout(_:)``.
    case dropout = "Dropout"
    /// ``Op/crop(_:)``.
    case crop = "Crop"
    /// ``Op/slice(_:)``.
    case slice = "Slice"
    /// ``Op/pad(_:)``.
    case pad = "Pad"
    /// ``Op/constant(_:)``.
    case constant = "Constant"
    /// ``Op/opaque(_:)``.
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
