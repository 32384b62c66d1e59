#!/usr/bin/env bash
# Graft vs pydicom + numpy on this CPU, side by side: read a generated 512 x 512 x 300 CT series
# (pydicom writes it: 300 files, 150 MB) and cut 10,000 candidate patches (40 mm at 64 x 64,
# trilinear, PE window), each run alternately ROUNDS times. Prints the median seconds per phase
# and the ratios.
#
#   Benchmarks/medical/run.sh [ROUNDS]      # default 3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
python=$("$root/Scripts/make-medical-venv.sh")
[ -n "$python" ] || { echo "no medical venv (pydicom, numpy)" >&2; exit 1; }
(cd "$root" && swift build -c release --product graft >/dev/null)
graft="$root/.build/release/graft"
data=$(mktemp -d); trap 'rm -rf "$data"' EXIT
"$python" "$root/Tests/Fixtures/medical/synthetic_ct.py" "$data" 1 300 512 >/dev/null
"$python" - "$data" <<'PY'
import numpy as np, sys
rng = np.random.default_rng(7)
points = rng.uniform([32, 32, 2], [480, 480, 298], size=(10000, 3))
with open(sys.argv[1] + "/bench.csv", "w") as f:
    f.write("volume,i,j,k,label\n")
    for n, (i, j, k) in enumerate(points):
        f.write(f"PE000,{i:.3f},{j:.3f},{k:.3f},{'embolus' if n % 2 else 'vessel'}\n")
PY
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
isa=$(grep -o -m1 'avx512f' /proc/cpuinfo || echo avx2)
echo "CPU: $cpu ($isa), $(nproc) cores; series 512 x 512 x 300 (pydicom-written), 10,000 patches of 40 mm at 64 x 64"
g_read=(); g_cut=(); p_read=(); p_cut=()
for r in $(seq "$rounds"); do
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  out=$("$graft" bench-candidates "$data/bench.csv"); g_read+=($(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["series_seconds"])')); g_cut+=($(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["patch_seconds"])'))
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  out=$("$python" "$here/pydicom_bench.py" "$data/bench.csv"); p_read+=($(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["series_seconds"])')); p_cut+=($(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["patch_seconds"])'))
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gr=$(median "${g_read[@]}"); gc=$(median "${g_cut[@]}"); pr=$(median "${p_read[@]}"); pc=$(median "${p_cut[@]}")
printf '%-28s %10s %16s %8s\n' "phase (median of $rounds)" "Graft s" "pydicom+numpy s" "ratio"
printf '%-28s %10.2f %16.2f %7.2fx\n' "read + stack the series" "$gr" "$pr" "$(python3 -c "print($pr/$gr)")"
printf '%-28s %10.2f %16.2f %7.2fx\n' "cut 10,000 patches" "$gc" "$pc" "$(python3 -c "print($pc/$gc)")"
