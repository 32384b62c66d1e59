"""pydicom + numpy doing what `graft bench-candidates` does: read every file of a CT series,
order the slices by Image Position (Patient) along the normal, stack them in HU (modality LUT),
then cut a planar patch of PATCH_MM millimetres at PIXELS x PIXELS around each candidate
(trilinear, vectorised over all patches) and window it to 8 bits.

Usage: pydicom_bench.py CANDIDATES.csv [PATCH_MM] [PIXELS]   (prints one JSON line)
"""
import json
import os
import sys
import time

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut


def main():
    csv = sys.argv[1]
    patch_mm = float(sys.argv[2]) if len(sys.argv) > 2 else 40.0
    pixels = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    folder = os.path.dirname(os.path.abspath(csv))
    rows = [line.split(",") for line in open(csv).read().splitlines()[1:] if line]
    start = time.perf_counter()
    volumes = {}
    for name in sorted({r[0] for r in rows}):
        directory = os.path.join(folder, name)
        slices = [pydicom.dcmread(os.path.join(directory, f)) for f in os.listdir(directory)]
        o = np.array([float(v) for v in slices[0].ImageOrientationPatient])
        normal = np.cross(o[:3], o[3:])
        slices.sort(key=lambda s: float(np.dot([float(v) for v in s.ImagePositionPatient], normal)))
        volume = np.stack([apply_modality_lut(s.pixel_array, s).astype(np.float32) for s in slices])
        spacing = [float(v) for v in slices[0].PixelSpacing]
        volumes[name] = (volume, spacing[1], spacing[0])
    read = time.perf_counter()
    checksum = 0
    half = (pixels - 1) / 2
    offsets = (np.arange(pixels) - half)
    for name, (volume, column_spacing, row_spacing) in volumes.items():
        points = np.array([[float(r[1]), float(r[2]), float(r[3])] for r in rows if r[0] == name])
        nz, ny, nx = volume.shape
        step_i, step_j = patch_mm / pixels / column_spacing, patch_mm / pixels / row_spacing
        i = points[:, 0, None, None] + offsets[None, None, :] * step_i
        j = points[:, 1, None, None] + offsets[None, :, None] * step_j
        i, j = np.broadcast_arrays(i, j)
        k = np.broadcast_to(points[:, 2, None, None], i.shape)
        inside = (i > -0.5) & (i < nx - 0.5) & (j > -0.5) & (j < ny - 0.5) & (k > -0.5) & (k < nz - 0.5)
        ci, cj, ck = np.clip(i, 0, nx - 1), np.clip(j, 0, ny - 1), np.clip(k, 0, nz - 1)
        i0, j0, k0 = ci.astype(np.int64), cj.astype(np.int64), ck.astype(np.int64)
        i1, j1, k1 = np.minimum(i0 + 1, nx - 1), np.minimum(j0 + 1, ny - 1), np.minimum(k0 + 1, nz - 1)
        fi, fj, fk = (ci - i0).astype(np.float32), (cj - j0).astype(np.float32), (ck - k0).astype(np.float32)
        v = lambda a, b, c: volume[c, b, a]
        c00 = v(i0, j0, k0) * (1 - fi) + v(i1, j0, k0) * fi
        c10 = v(i0, j1, k0) * (1 - fi) + v(i1, j1, k0) * fi
        c01 = v(i0, j0, k1) * (1 - fi) + v(i1, j0, k1) * fi
        c11 = v(i0, j1, k1) * (1 - fi) + v(i1, j1, k1) * fi
        values = np.where(inside, (c00 * (1 - fj) + c10 * fj) * (1 - fk) + (c01 * (1 - fj) + c11 * fj) * fk, -1024)
        windowed = np.round(np.clip((values - (100 - 350)) / 700, 0, 1) * 255).astype(np.uint8)
        checksum += int(windowed[:, pixels // 2, pixels // 2].astype(np.int64).sum())
    cut = time.perf_counter()
    print(json.dumps({"series_seconds": read - start, "patch_seconds": cut - read, "patches": len(rows),
                      "voxels": int(sum(v[0].size for v in volumes.values())), "checksum": checksum}))


if __name__ == "__main__":
    main()
