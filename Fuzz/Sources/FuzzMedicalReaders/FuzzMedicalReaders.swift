import Foundation
import GraftDICOM
import GraftNIfTI

/// libFuzzer entry point for the DICOM (GDCM) and NIfTI (nifticlib) readers, which read from a
/// path: each input is written to a file of this process and read as DICOM, then as NIfTI (the
/// first byte of the input picks `.nii` or `.nii.gz`-less naming). Every input must either read
/// with consistent sizes or be refused with a `DICOMError` / `NIfTIError`; a crash, an abort
/// that escapes GDCM's guard, or inconsistent sizes is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMedicalReaders(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    let base = NSTemporaryDirectory() + "graft-fuzz-medical-\(getpid())"
    let dicom = base + ".dcm", nifti = base + ".nii"
    // Small limits: a fuzz input must not make the readers allocate gigabytes.
    let limits = DICOMReadLimits(maxFileBytes: 1 << 24, maxPixelBytes: 1 << 26)
    if FileManager.default.createFile(atPath: dicom, contents: data) {
        if let image = try? DICOMImage.read(dicom, limits: limits) {
            guard image.values.count == image.rows * image.columns * image.frames * image.samplesPerPixel else {
                fatalError("DICOM: \(image.values.count) values for \(image.rows)x\(image.columns)x\(image.frames)x\(image.samplesPerPixel)")
            }
        }
    }
    if FileManager.default.createFile(atPath: nifti, contents: data) {
        if let image = try? NIfTIImage.read(nifti, maxVoxelBytes: 1 << 26) {
            guard image.values.count == image.dimensions.reduce(1, *) else {
                fatalError("NIfTI: \(image.values.count) values for \(image.dimensions)")
            }
        }
    }
    return 0
}
