"""Writes NIfTI variants with nibabel for GraftMedicalTests: every voxel type nifticlib and Graft
read, both byte orders, scaling, each affine source (sform, qform, neither), 4D and 5D, NIfTI-1
and NIfTI-2, single files, gzip and .hdr/.img pairs. Deterministic (seeded).

Usage: nifti_variants.py OUT_DIR   (prints the paths written, one per line)
"""
import os
import sys

import nibabel as nib
import numpy as np


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(20261205)
    rotation = np.array([[0.0, -1.5, 0.1, 12.5], [1.2, 0.0, 0.0, -30.0], [0.0, 0.2, 2.5, 7.25], [0, 0, 0, 1]])
    written = []

    def save(img, name):
        path = os.path.join(out, name)
        nib.save(img, path)
        written.append(path)

    for dtype in [np.uint8, np.int8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
                  np.float32, np.float64]:
        info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
        if info is not None:
            low, high = max(info.min, -40000), min(info.max, 70000)
            data = rng.integers(low, high, size=(7, 5, 4), endpoint=True).astype(dtype)
        else:
            data = (rng.standard_normal((7, 5, 4)) * 1000).astype(dtype)
        img = nib.Nifti1Image(data, rotation, dtype=dtype)
        save(img, f"dtype_{np.dtype(dtype).name}.nii")

    data = rng.integers(-1000, 3000, size=(6, 5, 3)).astype(np.int16)
    # Scaled CT-like values: stored int16, slope and intercept in the header.
    img = nib.Nifti1Image(data, rotation)
    img.header.set_slope_inter(0.5, -1024.0)
    save(img, "scaled.nii")
    # Big endian.
    img = nib.Nifti1Image(data.astype(">i2"), rotation)
    save(img, "big_endian.nii")
    # Affine sources: qform only, neither.
    img = nib.Nifti1Image(data, None)
    img.set_qform(rotation[:, [1, 0, 2, 3]] @ np.diag([1, 1, 1, 1]), code=1)
    img.set_sform(None, code=0)
    save(img, "qform_only.nii")
    img = nib.Nifti1Image(data, None)
    img.header.set_zooms((0.7, 0.8, 2.5))
    img.set_qform(None, code=0)
    img.set_sform(None, code=0)
    save(img, "no_affine.nii")
    # 4D and 5D, gzip, NIfTI-2, pairs.
    series = rng.standard_normal((4, 3, 2, 5)).astype(np.float32)
    save(nib.Nifti1Image(series, rotation), "four_d.nii.gz")
    save(nib.Nifti1Image(rng.standard_normal((3, 2, 2, 2, 3)).astype(np.float32), rotation), "five_d.nii")
    save(nib.Nifti2Image(data, rotation), "nifti2.nii")
    save(nib.Nifti2Image(series, rotation), "nifti2.nii.gz")
    save(nib.Nifti1Pair(data, rotation), "pair.img")
    # A 2D image (one slice).
    save(nib.Nifti1Image(rng.integers(0, 255, size=(9, 8)).astype(np.uint8), rotation), "two_d.nii")
    print("\n".join(written))


if __name__ == "__main__":
    main()
