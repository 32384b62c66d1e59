#!/usr/bin/env bash
# Regenerates samples/ with Graft itself (deterministic: same seed, same bytes).
# Usage: Scripts/make-samples.sh [path/to/graft]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
graft=${1:-"$root/.build/debug/graft"}
cd "$root/samples"
"$graft" create tiny-cnn --seed 1 -o tiny-cnn.graft
"$graft" create cifar10-quick --seed 1 --classes 2 -o cifar10-quick-2class.graft
# A fixed input (all 0.5) and the model's outputs on it, for `graft run` / `graft verify` examples.
python3 - <<'PY' || echo "note: python3 with numpy not found; skipped sample inputs"
import numpy as np
np.save("tiny-cnn_input.npy", np.full((1, 3, 16, 16), 0.5, dtype=np.float32))
PY
echo "samples written to $root/samples"
