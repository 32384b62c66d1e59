"""nibabel's reading of NIfTI files, for GraftMedicalTests' cross-check.

Usage: nifti_reference.py OUT_DIR FILE...
For each file writes OUT_DIR/<n>.npy (float32: get_fdata() flattened in file order, i fastest)
and prints one JSON line: {"file", "npy" | "error", "shape", "affine" (4x4 row-major),
"datatype", "sform_code", "qform_code", "version"}.
"""
import json
import os
import sys

import nibabel as nib
import numpy as np


def main():
    out = sys.argv[1]
    for n, path in enumerate(sys.argv[2:]):
        record = {"file": path}
        try:
            img = nib.load(path)
            if isinstance(img, nib.Cifti2Image):
                # CIFTI-2 is a NIfTI-2 file with an extension; read as the plain NIfTI-2 it is.
                img = nib.Nifti2Image.from_filename(path)
            if not isinstance(img, (nib.Nifti1Image, nib.Nifti2Image, nib.Nifti1Pair, nib.Nifti2Pair)):
                raise TypeError(f"not NIfTI: {type(img).__name__}")
            header = img.header
            record["version"] = 2 if isinstance(img, (nib.Nifti2Image, nib.Nifti2Pair)) else 1
            record["shape"] = [int(d) for d in img.shape]
            record["affine"] = [float(v) for v in np.asarray(img.affine, dtype=np.float64).reshape(-1)]
            record["datatype"] = int(header["datatype"])
            record["sform_code"] = int(header["sform_code"])
            record["qform_code"] = int(header["qform_code"])
            data = np.asarray(img.get_fdata(), dtype=np.float64)
            npy = os.path.join(out, f"{n}.npy")
            np.save(npy, data.reshape(-1, order="F").astype(np.float32))
            record["npy"] = npy
        except Exception as e:
            record["error"] = f"{type(e).__name__}: {e}"[:300]
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
