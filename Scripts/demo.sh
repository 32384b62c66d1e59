#!/usr/bin/env bash
# `make demo`: what Graft can do today, end to end, on models it builds itself.
# Usage: Scripts/demo.sh path/to/graft
set -euo pipefail
graft=${1:?usage: demo.sh path/to/graft}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/out/demo"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

step "1. A CaffeNet-sized model (BVLC CaffeNet deploy architecture, random He weights)"
"$graft" create caffenet --seed 0 -o "$out/caffenet-random.graft"
step "2. Inspect it: layers, shapes, parameters, MACs (reads only the header)"
"$graft" inspect "$out/caffenet-random.graft"

step "3. Run a forward pass on a random 227x227 image and save every output"
python3 -c "import numpy as np; np.save('$out/input.npy', np.random.default_rng(0).random((1,3,227,227), dtype=np.float32) * 255)" 2>/dev/null \
  || cp "$root/samples/caffenet_input.npy" "$out/input.npy" 2>/dev/null || true
if [ -f "$out/input.npy" ]; then
  "$graft" run "$out/caffenet-random.graft" --input "$out/input.npy" --blob pool5 --blob prob -o "$out/outputs.npz"
fi

step "4. The .graft file is a plain safetensors file"
python=$("$root/Scripts/make-venv.sh")
if [ -n "$python" ]; then
  "$python" "$root/Scripts/validate_graft.py" "$out/caffenet-random.graft"
else
  echo "(skipped: no Python venv with safetensors could be made)"
fi

step "5. Weight statistics of the bundled sample"
"$graft" inspect "$root/samples/tiny-cnn.graft" --stats

echo
echo "Demo outputs are in $out"
