"""pydicom's view of the image series in a folder, for GraftMedicalTests' series cross-check.

Usage: dicom_series_reference.py OUT_DIR FOLDER
Prints one JSON line per series with Image Orientation (Patient) the same on every slice:
{"uid", "files" (sorted by Image Position (Patient) along the slice normal), "npy" (the slices
stacked, modality LUT applied, float32, slices x rows x columns) when all have one frame and the
same size}. Series whose slices lie in different planes are printed with "mixed": true.
"""
import collections
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut


def main():
    out, folder = sys.argv[1], sys.argv[2]
    groups = collections.defaultdict(list)
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            try:
                ds = pydicom.dcmread(path)
            except Exception:
                continue
            if "PixelData" not in ds or "SeriesInstanceUID" not in ds:
                continue
            groups[str(ds.SeriesInstanceUID)].append((path, ds))
    for n, (uid, members) in enumerate(sorted(groups.items())):
        record = {"uid": uid}
        orientations = [m[1].get("ImageOrientationPatient") for m in members]
        positions = [m[1].get("ImagePositionPatient") for m in members]
        if any(o is None for o in orientations) or any(p is None for p in positions):
            record["unordered"] = True
            print(json.dumps(record))
            continue
        first = np.array([float(v) for v in orientations[0]])
        if any(np.abs(np.array([float(v) for v in o]) - first).max() > 1e-3 for o in orientations):
            record["mixed"] = True
            print(json.dumps(record))
            continue
        normal = np.cross(first[:3], first[3:])
        normal /= np.linalg.norm(normal)
        members.sort(key=lambda m: (float(np.dot([float(v) for v in m[1].ImagePositionPatient], normal)), m[0]))
        record["files"] = [m[0] for m in members]
        record["positions"] = [float(np.dot([float(v) for v in m[1].ImagePositionPatient], normal)) for m in members]
        try:
            slices = [apply_modality_lut(m[1].pixel_array, m[1]).astype(np.float64) for m in members]
            if len({s.shape for s in slices}) == 1 and slices[0].ndim == 2:
                npy = os.path.join(out, f"series{n}.npy")
                np.save(npy, np.stack(slices).astype(np.float32))
                record["npy"] = npy
        except Exception as e:
            record["error"] = str(e)[:200]
        print(json.dumps(record))


if __name__ == "__main__":
    main()
