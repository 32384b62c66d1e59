"""Writes a synthetic CT-like dataset as DICOM series with pydicom, for GraftMedicalTests and
GraftCLITests: several patients, each a series of axial slices (soft tissue, lungs, contrast-filled
vessels running along z, some with an "embolus": a filling defect of soft-tissue density), and a
candidates CSV (volume,x,y,z,label in the series' LPS millimetres) with one candidate per embolus
and as many on vessels without one. Instance Numbers are scrambled and files named at random, so
only Image Position (Patient) orders the slices.

Usage: synthetic_ct.py OUT_DIR [PATIENTS] [SLICES] [SIZE]
Also writes OUT_DIR/reference.json: for the first candidates, the planar patch (HU, 16 x 16
samples over 16 mm) computed here with numpy from the written values (trilinear), for the
patch-sampling cross-check.
"""
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_slice(path, hu, patient, study_uid, series_uid, position, instance, spacing, thickness):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.PatientID = patient
    ds.PatientName = patient
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [f"{v:.4f}" for v in position]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.PixelSpacing = [f"{spacing:.4f}", f"{spacing:.4f}"]
    ds.SliceThickness = f"{thickness:.4f}"
    ds.Rows, ds.Columns = hu.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.PixelData = np.clip(hu + 1024, 0, 4095).astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def trilinear(volume, i, j, k, outside=-1024.0):
    """Graft's rule: beyond half a voxel outside the grid, `outside`; within it, edges clamped."""
    nz, ny, nx = volume.shape
    if not (-0.5 < i < nx - 0.5 and -0.5 < j < ny - 0.5 and -0.5 < k < nz - 0.5):
        return outside
    i, j, k = np.clip(i, 0, nx - 1), np.clip(j, 0, ny - 1), np.clip(k, 0, nz - 1)
    i0, j0, k0 = int(np.floor(i)), int(np.floor(j)), int(np.floor(k))
    i1, j1, k1 = min(i0 + 1, nx - 1), min(j0 + 1, ny - 1), min(k0 + 1, nz - 1)
    fi, fj, fk = i - i0, j - j0, k - k0
    c = lambda a, b, d: volume[d, b, a]
    c0 = (c(i0, j0, k0) * (1 - fi) + c(i1, j0, k0) * fi) * (1 - fj) + (c(i0, j1, k0) * (1 - fi) + c(i1, j1, k0) * fi) * fj
    c1 = (c(i0, j0, k1) * (1 - fi) + c(i1, j0, k1) * fi) * (1 - fj) + (c(i0, j1, k1) * (1 - fi) + c(i1, j1, k1) * fi) * fj
    return c0 * (1 - fk) + c1 * fk


def main():
    out = sys.argv[1]
    patients = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    slices = int(sys.argv[3]) if len(sys.argv) > 3 else 24
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    rng = np.random.default_rng(20161205)
    rows = ["volume,x,y,z,label"]
    reference = []
    yy, xx = np.mgrid[0:size, 0:size]
    for p in range(patients):
        patient = f"PE{p:03d}"
        spacing, thickness = 0.7 + 0.05 * p, 1.25 + 0.25 * (p % 2)
        origin = np.array([-size * spacing / 2 + 3 * p, -size * spacing / 2 - 2 * p, -80.0 + 10 * p])
        volume = rng.normal(40, 12, size=(slices, size, size))                       # soft tissue
        lungs = ((xx - size * 0.3) ** 2 / (size * 0.18) ** 2 + (yy - size * 0.5) ** 2 / (size * 0.3) ** 2 < 1) | \
                ((xx - size * 0.7) ** 2 / (size * 0.18) ** 2 + (yy - size * 0.5) ** 2 / (size * 0.3) ** 2 < 1)
        volume[:, lungs] = rng.normal(-820, 30, size=(slices, lungs.sum()))
        candidates = []
        for v in range(8):
            cx, cy = size * (0.15 + 0.7 * (v % 4) / 3) + rng.uniform(-2, 2), size * (0.3 + 0.4 * (v // 4)) + rng.uniform(-2, 2)
            radius = 2.0 + rng.uniform(0, 0.8)
            tube = (xx - cx) ** 2 + (yy - cy) ** 2 < radius ** 2
            volume[:, tube] = rng.normal(320, 15, size=(slices, tube.sum()))         # contrast
            k = int(rng.integers(6, slices - 6))
            if v % 2 == 0:                                                            # an embolus
                clot = (xx - cx) ** 2 + (yy - cy) ** 2 < (radius * 0.8) ** 2
                volume[k - 2:k + 3, clot] = rng.normal(45, 10, size=(5, clot.sum()))
                candidates.append((cx, cy, k, "embolus"))
            else:
                candidates.append((cx, cy, k, "vessel"))
        volume = np.round(volume).astype(np.int64)
        series_dir = os.path.join(out, patient)
        os.makedirs(series_dir, exist_ok=True)
        study_uid, series_uid = generate_uid(), generate_uid()
        order = rng.permutation(slices)
        for k in range(slices):
            position = origin + np.array([0, 0, k * thickness])
            write_slice(os.path.join(series_dir, f"{order[k]:08x}.dcm"), volume[k], patient, study_uid, series_uid,
                        position, int((k * 7) % slices) + 1, spacing, thickness)
        for (cx, cy, k, label) in candidates:
            x, y, z = origin + np.array([cx * spacing, cy * spacing, k * thickness])
            rows.append(f"{patient},{x:.4f},{y:.4f},{z:.4f},{label}")
            if len(reference) < 6:
                step = 16.0 / 16 / spacing
                half = (16 - 1) / 2
                patch = [[float(trilinear(volume.astype(np.float64), cx + (c - half) * step, cy + (r - half) * step, k))
                          for c in range(16)] for r in range(16)]
                reference.append({"volume": patient, "x": x, "y": y, "z": z, "voxel": [cx, cy, k], "patch": patch})
    with open(os.path.join(out, "candidates.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
    print(os.path.join(out, "candidates.csv"))


if __name__ == "__main__":
    main()
