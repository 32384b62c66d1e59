#!/usr/bin/env bash
# Creates .build-onnx-venv with onnx (its backend test data: model-zoo networks and operator cases
# with expected outputs), ONNX Runtime, onnxscript (torch's dynamo exporter needs it), numpy, and CPU-only torch + torchvision (to export
# torchvision networks with torch.onnx), for the ONNX cross-checks. About 1.2 GB.
# Prints the venv's python on success; exits 0 with nothing printed when it cannot (no network,
# no venv module), so the tests that need it are skipped, not failed; under CI it fails.
#
#   GRAFT_ONNX_PYTHON=$(Scripts/make-onnx-venv.sh) swift test --filter GraftONNXTests
set -uo pipefail
ci_fail() { if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs this venv" >&2; exit 1; fi; exit 0; }
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-onnx-venv"
# torchvision's PyPI wheel is built against CUDA torch: with the CPU-only torch its compiled ops
# do not load, so the test scripts stub torchvision._meta_registrations (see Tests/GraftONNXTests).
check='import onnx, onnxruntime, onnxscript, numpy, torch'
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || { echo "note: python3 -m venv failed; ONNX cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/pip" install -q --disable-pip-version-check onnx onnxruntime onnxscript numpy >/dev/null 2>&1 \
    || { echo "note: pip install onnx onnxruntime failed; ONNX cross-checks will be skipped" >&2; ci_fail; }
  # The CPU wheel (192 MB, from the machine's wheel directory) when there is one, else PyPI's
  # default build (several GB).
  "$venv/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" torchvision >/dev/null 2>&1 \
    || "$venv/bin/pip" install -q --disable-pip-version-check torch torchvision >/dev/null 2>&1 \
    || { echo "note: pip install torch failed; ONNX cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/python" -c "$check" 2>/dev/null \
    || { echo "note: the ONNX venv does not import onnx/onnxruntime/torch; ONNX cross-checks will be skipped" >&2; ci_fail; }
fi
echo "$venv/bin/python"
