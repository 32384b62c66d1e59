"""pydicom's reading of DICOM files, for GraftMedicalTests' cross-check.

Usage: dicom_reference.py OUT_DIR FILE...
For each file writes OUT_DIR/<n>.npy (float32, shape frames x rows x columns x samples: pydicom's
pixel_array, colour converted to RGB as pydicom does by default, grayscale through
apply_modality_lut) and prints one JSON line: {"file", "npy" | "error", attributes...}.
Compressed transfer syntaxes decode through pylibjpeg (libjpeg, OpenJPEG, RLE plugins) and
pydicom's own RLE decoder, not GDCM.
"""
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut


def number_list(ds, keyword):
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        return [float(v) for v in value]
    return [float(value)]


def main():
    out = sys.argv[1]
    for n, path in enumerate(sys.argv[2:]):
        record = {"file": path}
        try:
            try:
                ds = pydicom.dcmread(path)
            except pydicom.errors.InvalidDicomError:
                # No preamble or meta header: a bare data set, which GDCM reads too.
                ds = pydicom.dcmread(path, force=True)
                record["forced"] = True
            record["rows"] = int(ds.Rows)
            record["columns"] = int(ds.Columns)
            record["frames"] = int(ds.get("NumberOfFrames", 1) or 1)
            record["samples"] = int(ds.SamplesPerPixel)
            record["photometric"] = str(ds.PhotometricInterpretation)
            record["bits_allocated"] = int(ds.BitsAllocated)
            record["transfer_syntax"] = str(ds.file_meta.TransferSyntaxUID) if "TransferSyntaxUID" in ds.file_meta else ""
            record["lossy"] = bool(ds.file_meta.TransferSyntaxUID.is_compressed and
                                   str(ds.file_meta.TransferSyntaxUID) in (
                                       "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
                                       "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91",
                                   )) if "TransferSyntaxUID" in ds.file_meta else False
            record["image_position"] = number_list(ds, "ImagePositionPatient")
            record["image_orientation"] = number_list(ds, "ImageOrientationPatient")
            record["pixel_spacing"] = number_list(ds, "PixelSpacing")
            record["rescale_slope"] = float(ds.get("RescaleSlope", 1) or 1)
            record["rescale_intercept"] = float(ds.get("RescaleIntercept", 0) or 0)
            record["series_uid"] = str(ds.get("SeriesInstanceUID", ""))
            arr = ds.pixel_array
            if record["samples"] == 1:
                arr = apply_modality_lut(arr, ds)
            arr = np.asarray(arr, dtype=np.float64).reshape(
                record["frames"], record["rows"], record["columns"], record["samples"])
            npy = os.path.join(out, f"{n}.npy")
            np.save(npy, arr.astype(np.float32))
            record["npy"] = npy
        except Exception as e:  # the Swift side compares: pydicom could not read this one
            record["error"] = f"{type(e).__name__}: {e}"[:300]
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
