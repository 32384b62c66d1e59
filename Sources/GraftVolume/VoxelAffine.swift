/// A 4x4 affine map from voxel indices (i = column, j = row, k = slice) to millimetres in a
/// patient coordinate system: what a DICOM series' Image Position/Orientation and a NIfTI file's
/// sform or qform both describe.
public struct VoxelAffine: Sendable, Equatable, CustomStringConvertible {
    /// Row-major 4x4; the last row is (0, 0, 0, 1).
    public var matrix: [Double]

    /// `matrix` must hold 16 values, row-major.
    public init(matrix: [Double]) {
        precondition(matrix.count == 16, "an affine transform has 16 entries, got \(matrix.count)")
        self.matrix = matrix
    }

    /// The identity (voxel index = millimetres).
    public static let identity = VoxelAffine(matrix: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    /// The matrix entry at `row`, `column` (0...3 each).
    public subscript(row: Int, column: Int) -> Double { matrix[row * 4 + column] }

    /// The millimetre position of a (possibly fractional) voxel index.
    public func apply(_ index: (Double, Double, Double)) -> (Double, Double, Double) {
        let (i, j, k) = index
        return (self[0, 0] * i + self[0, 1] * j + self[0, 2] * k + self[0, 3],
                self[1, 0] * i + self[1, 1] * j + self[1, 2] * k + self[1, 3],
                self[2, 0] * i + self[2, 1] * j + self[2, 2] * k + self[2, 3])
    }

    /// The inverse map (millimetres to voxel index), or nil when the 3x3 part is singular.
    public var inverse: VoxelAffine? {
        let a = self[0, 0], b = self[0, 1], c = self[0, 2]
        let d = self[1, 0], e = self[1, 1], f = self[1, 2]
        let g = self[2, 0], h = self[2, 1], i = self[2, 2]
        let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        guard det.isFinite, abs(det) > 1e-12 else { return nil }
        let r = [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det,
                 (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det,
                 (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]
        let t = [self[0, 3], self[1, 3], self[2, 3]]
        var m = [Double](repeating: 0, count: 16)
        for row in 0..<3 {
            for column in 0..<3 { m[row * 4 + column] = r[row * 3 + column] }
            m[row * 4 + 3] = -(r[row * 3] * t[0] + r[row * 3 + 1] * t[1] + r[row * 3 + 2] * t[2])
        }
        m[15] = 1
        return VoxelAffine(matrix: m)
    }

    /// The length of each voxel axis in millimetres (the column norms of the 3x3 part).
    public var spacing: [Double] {
        (0..<3).map { column in
            (0..<3).map { self[$0, column] * self[$0, column] }.reduce(0, +).squareRoot()
        }
    }

    /// The same map with x and y negated: DICOM's LPS and NIfTI's RAS differ by exactly that.
    public var flippingXY: VoxelAffine {
        var m = matrix
        for column in 0..<4 { m[column] = -m[column]; m[4 + column] = -m[4 + column] }
        return VoxelAffine(matrix: m)
    }

    public var description: String {
        (0..<4).map { row in (0..<4).map { "\(self[row, $0])" }.joined(separator: " ") }.joined(separator: "\n")
    }
}

/// Which way the millimetre axes point. The two conventions differ only in the sign of x and y
/// (``VoxelAffine/flippingXY``).
public enum PatientCoordinates: String, Sendable, Codable {
    /// DICOM's patient coordinates: +x toward the patient's left, +y posterior, +z head.
    case lps
    /// NIfTI's (and most neuroimaging tools'): +x toward the patient's right, +y anterior, +z head.
    case ras
}
