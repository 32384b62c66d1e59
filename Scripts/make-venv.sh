#!/usr/bin/env bash
# Creates .build-venv with the Python packages the cross-checks use (safetensors, numpy,
# jsonschema; opencv-python-headless<5 and MLstatkit when they can be installed). Prints the venv's python on success; exits 0 with nothing printed when it cannot
# (no network, no venv module), so tests that need it are skipped rather than failing.
set -uo pipefail
# Under CI (CI=true) a missing tool fails the run: a cross-check must never skip there.
ci_fail() { if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs this venv" >&2; exit 1; fi; exit 0; }
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import safetensors, numpy, jsonschema" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || { echo "note: python3 -m venv failed; Python cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/pip" install -q --disable-pip-version-check safetensors numpy jsonschema >/dev/null 2>&1 \
    || { echo "note: pip install failed; Python cross-checks will be skipped" >&2; ci_fail; }
fi
# OpenCV's Caffe reader (4.x; 5.0 dropped it) cross-checks the Caffe exporter; optional.
if ! "$venv/bin/python" -c "import cv2" 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check "opencv-python-headless<5" >/dev/null 2>&1 \
    || { echo "note: opencv-python-headless not installed; the OpenCV cross-check of Caffe exports will be skipped" >&2
         if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs OpenCV" >&2; exit 1; fi; }
fi
# MLstatkit (MIT): an independent DeLong test for GraftStatistics' cross-check.
if ! "$venv/bin/python" -c "import MLstatkit" 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check MLstatkit >/dev/null 2>&1 \
    || { echo "note: MLstatkit not installed; the DeLong cross-check will be skipped" >&2
         if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs MLstatkit" >&2; exit 1; fi; }
fi
echo "$venv/bin/python"
