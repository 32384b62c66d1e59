#!/usr/bin/env bash
# Creates .build-keras-venv with Keras 3 on the JAX CPU backend and h5py (about 700 MB, no
# TensorFlow), for the tests that load Graft's Keras exports with real Keras and for the
# keras-convert benchmark. Prints the venv's python on success; exits 0 with nothing printed when
# it cannot (no network, no venv module), so the tests that need it are skipped, not failed.
#
#   Scripts/make-keras-venv.sh            # create or reuse
#   GRAFT_KERAS_PYTHON=$(Scripts/make-keras-venv.sh) swift test --filter GraftKerasTests
set -uo pipefail
# Under CI (CI=true) a missing tool fails the run: a cross-check must never skip there.
ci_fail() { if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs this venv" >&2; exit 1; fi; exit 0; }
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-keras-venv"
check='import os; os.environ.setdefault("KERAS_BACKEND", "jax"); import keras, jax, h5py, numpy'
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || { echo "note: python3 -m venv failed; Keras cross-checks will be skipped" >&2; ci_fail; }
  # CPU only: jax[cpu] pulls jaxlib without CUDA.
  "$venv/bin/pip" install -q --disable-pip-version-check "keras>=3.5" "jax[cpu]" h5py numpy >/dev/null 2>&1 \
    || { echo "note: pip install failed; Keras cross-checks will be skipped" >&2; ci_fail; }
  "$venv/bin/python" -c "$check" 2>/dev/null \
    || { echo "note: the Keras venv does not import keras/jax/h5py; Keras cross-checks will be skipped" >&2; ci_fail; }
fi
echo "$venv/bin/python"
