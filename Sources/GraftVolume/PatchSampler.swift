/// Cuts square patches of a physical size (millimetres) around a point of a volume, resampled
/// trilinearly so a patch covers the same anatomy whatever the scanner's voxel size: the
/// candidate patches of the paper's CT task.
public struct PatchSampler: Sendable, Equatable, Codable {
    /// Which planes a patch's channels show.
    public enum Layout: String, Sendable, CaseIterable, Codable {
        /// One plane (i, j) through the point: the axial slice for an axial series.
        case planar = "2d"
        /// The planes one slice spacing before, at and after the point, along k (2.5D).
        case adjacent = "2.5d"
        /// The (i, j), (i, k) and (j, k) planes through the point: axial, coronal, sagittal.
        case threePlane = "3plane"
    }

    /// The patch's side in millimetres.
    public var sideMillimetres: Double
    /// Samples along each side.
    public var pixels: Int
    /// Which planes the channels show.
    public var layout: Layout

    /// A sampler of `pixels` x `pixels` patches `sideMillimetres` wide; both must be positive
    /// (and the side finite): a caller bug otherwise.
    public init(sideMillimetres: Double, pixels: Int, layout: Layout) {
        precondition(sideMillimetres > 0 && sideMillimetres.isFinite && pixels > 0, "a patch needs a positive size")
        self.sideMillimetres = sideMillimetres
        self.pixels = pixels
        self.layout = layout
    }

    private enum CodingKeys: String, CodingKey { case sideMillimetres, pixels, layout }

    /// Decoded from a study plan (untrusted): a positive, finite side and 1 to 4096 pixels.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let side = try c.decode(Double.self, forKey: .sideMillimetres)
        let pixels = try c.decode(Int.self, forKey: .pixels)
        guard side > 0, side.isFinite, (1...4096).contains(pixels) else {
            throw DecodingError.dataCorruptedError(forKey: .pixels, in: c, debugDescription: "a patch needs a positive side and 1...4096 pixels")
        }
        self.init(sideMillimetres: side, pixels: pixels, layout: try c.decode(Layout.self, forKey: .layout))
    }

    /// The patch's planes around the voxel position `center` (fractional indices allowed), each
    /// `pixels` x `pixels`, row-major (rows along the second axis of the plane). Samples outside
    /// the volume take `outside` (the volume's minimum, say: air for CT).
    public func planes(of volume: Volume, center: (Double, Double, Double), outside: Float) -> [[Float]] {
        let spacing = volume.spacing
        // Voxels per patch pixel along i, j, k (the same millimetres along each axis).
        let step = (0..<3).map { sideMillimetres / Double(pixels) / max(spacing[$0], 1e-6) }
        let half = Double(pixels - 1) / 2
        func plane(_ a: Int, _ b: Int, offset: (Double, Double, Double) = (0, 0, 0)) -> [Float] {
            var out = [Float](repeating: 0, count: pixels * pixels)
            for row in 0..<pixels {
                for column in 0..<pixels {
                    var p = [center.0 + offset.0, center.1 + offset.1, center.2 + offset.2]
                    p[a] += (Double(column) - half) * step[a]
                    p[b] += (Double(row) - half) * step[b]
                    out[row * pixels + column] = Self.trilinear(volume, p[0], p[1], p[2], outside: outside)
                }
            }
            return out
        }
        switch layout {
        case .planar: return [plane(0, 1)]
        case .adjacent: return [plane(0, 1, offset: (0, 0, -1)), plane(0, 1), plane(0, 1, offset: (0, 0, 1))]
        case .threePlane: return [plane(0, 1), plane(0, 2), plane(1, 2)]
        }
    }

    /// The value at a fractional voxel position, interpolated between the eight neighbours;
    /// `outside` beyond the grid (half a voxel of edge is clamped).
    public static func trilinear(_ volume: Volume, _ i: Double, _ j: Double, _ k: Double, outside: Float) -> Float {
        let nx = volume.columns, ny = volume.rows, nz = volume.slices
        guard i > -0.5, j > -0.5, k > -0.5, i < Double(nx) - 0.5, j < Double(ny) - 0.5, k < Double(nz) - 0.5 else { return outside }
        let ci = min(max(i, 0), Double(nx - 1)), cj = min(max(j, 0), Double(ny - 1)), ck = min(max(k, 0), Double(nz - 1))
        let i0 = Int(ci), j0 = Int(cj), k0 = Int(ck)
        let i1 = min(i0 + 1, nx - 1), j1 = min(j0 + 1, ny - 1), k1 = min(k0 + 1, nz - 1)
        let fi = Float(ci - Double(i0)), fj = Float(cj - Double(j0)), fk = Float(ck - Double(k0))
        return volume.values.withUnsafeBufferPointer { v in
            func at(_ i: Int, _ j: Int, _ k: Int) -> Float { v[(k * ny + j) * nx + i] }
            let c00 = at(i0, j0, k0) * (1 - fi) + at(i1, j0, k0) * fi
            let c10 = at(i0, j1, k0) * (1 - fi) + at(i1, j1, k0) * fi
            let c01 = at(i0, j0, k1) * (1 - fi) + at(i1, j0, k1) * fi
            let c11 = at(i0, j1, k1) * (1 - fi) + at(i1, j1, k1) * fi
            let c0 = c00 * (1 - fj) + c10 * fj, c1 = c01 * (1 - fj) + c11 * fj
            return c0 * (1 - fk) + c1 * fk
        }
    }
}
