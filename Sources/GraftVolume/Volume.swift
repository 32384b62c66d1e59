/// A 3D image in physical units (Hounsfield units for CT, the scanner's values otherwise) with
/// the geometry that places each voxel in the patient: what a DICOM series or a NIfTI file is
/// turned into before windows are applied and patches are cut.
public struct Volume: Sendable {
    /// Columns (i, fastest in memory), rows (j) and slices (k).
    public let columns: Int, rows: Int, slices: Int
    /// `values[(k * rows + j) * columns + i]`, in physical units (rescale applied).
    public var values: [Float]
    /// Voxel index (i, j, k) to millimetres in ``coordinates``.
    public var voxelToPatient: VoxelAffine
    /// The patient convention of ``voxelToPatient``: LPS for a DICOM series, RAS for a NIfTI file.
    public var coordinates: PatientCoordinates

    /// A volume of `columns` x `rows` x `slices` voxels; `values` must hold exactly that many (a
    /// caller bug otherwise).
    public init(columns: Int, rows: Int, slices: Int, values: [Float], voxelToPatient: VoxelAffine,
                coordinates: PatientCoordinates) {
        precondition(columns > 0 && rows > 0 && slices > 0, "a volume has at least one voxel")
        precondition(values.count == columns * rows * slices,
                     "\(values.count) values for \(columns)x\(rows)x\(slices) voxels")
        self.columns = columns
        self.rows = rows
        self.slices = slices
        self.values = values
        self.voxelToPatient = voxelToPatient
        self.coordinates = coordinates
    }

    /// Millimetres between neighbouring voxels along i, j and k.
    public var spacing: [Double] { voxelToPatient.spacing }

    /// The value at an integer voxel index, or nil outside the grid.
    public func value(column i: Int, row j: Int, slice k: Int) -> Float? {
        guard (0..<columns).contains(i), (0..<rows).contains(j), (0..<slices).contains(k) else { return nil }
        return values[(k * rows + j) * columns + i]
    }

    /// The geometry expressed in the other patient convention (values unchanged).
    public func expressed(in target: PatientCoordinates) -> Volume {
        guard target != coordinates else { return self }
        var copy = self
        copy.voxelToPatient = voxelToPatient.flippingXY
        copy.coordinates = target
        return copy
    }
}
