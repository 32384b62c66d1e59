#!/usr/bin/env bash
# Creates .build-medical-venv with pydicom (its test files: CT and MR in every transfer syntax,
# multi-frame, colour, the dicomdir series), the pylibjpeg decoders (libjpeg, OpenJPEG, RLE: so
# pydicom's values for compressed files come from decoders other than GDCM), nibabel (its NIfTI
# test files, and the variants the tests write with it) and numpy, for the DICOM and NIfTI
# cross-checks. About 120 MB.
# Prints the venv's python on success; exits 0 with nothing printed when it cannot (no network,
# no venv module), so the tests that need it are skipped, not failed; under CI it fails.
#
#   GRAFT_MEDICAL_PYTHON=$(Scripts/make-medical-venv.sh) swift test --filter GraftMedicalTests
set -uo pipefail
ci_fail() { if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs this venv" >&2; exit 1; fi; exit 0; }
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-medical-venv"
check='import pydicom, pylibjpeg, openjpeg, libjpeg, rle, nibabel, numpy'
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || { echo "note: python3 -m venv failed; DICOM/NIfTI cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/pip" install -q --disable-pip-version-check pydicom numpy nibabel pylibjpeg pylibjpeg-libjpeg \
      pylibjpeg-openjpeg pylibjpeg-rle >/dev/null 2>&1 \
    || { echo "note: pip install pydicom nibabel pylibjpeg failed; DICOM/NIfTI cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/python" -c "$check" 2>/dev/null \
    || { echo "note: the medical venv does not import pydicom/pylibjpeg/nibabel; DICOM/NIfTI cross-checks will be skipped" >&2; ci_fail; }
fi
echo "$venv/bin/python"
