#!/usr/bin/env bash
# Creates .build-tfkeras-venv with tf.keras 2 (tensorflow-cpu + tf-keras, about 2.2 GB), for the
# tests that load Graft's exports and the tf.keras-written fixtures with Keras 2 itself. Prints the
# venv's python on success. Without network it prints nothing and exits 0, so those tests are
# skipped locally; under CI (CI=true) it exits 1, since a cross-check must never skip there.
#
#   GRAFT_TFKERAS_PYTHON=$(Scripts/make-tfkeras-venv.sh) swift test --filter GraftKerasTests
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-tfkeras-venv"
check='import os; os.environ["TF_USE_LEGACY_KERAS"] = "1"; import tf_keras, tensorflow, h5py, numpy'
give_up() {
  echo "note: $1; tf.keras cross-checks will be skipped" >&2
  if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: CI needs the tf.keras venv" >&2; exit 1; fi
  exit 0
}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  python3 -m venv "$venv" >/dev/null 2>&1 || give_up "python3 -m venv failed"
  "$venv/bin/pip" install -q --disable-pip-version-check tensorflow-cpu tf-keras h5py numpy >/dev/null 2>&1 \
    || give_up "pip install tensorflow-cpu tf-keras failed"
  TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c "$check" 2>/dev/null || give_up "the venv does not import tf_keras"
fi
echo "$venv/bin/python"
