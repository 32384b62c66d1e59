#!/usr/bin/env bash
# Benchmark: `graft convert` of a ResNet-50 ONNX file (torchvision, random weights, ~100 MB,
# exported by torch.onnx) against onnx.load plus every initializer to NumPy, side by side.
# Reports the best wall time of RUNS and the peak RSS (/usr/bin/time -v) of both, and their ratio.
#
# usage: Benchmarks/onnx-convert/run.sh [RUNS]   (default 3)
# Needs the ONNX venv (Scripts/make-onnx-venv.sh) and /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
out="$root/Benchmarks/out/onnx-convert"
mkdir -p "$out"
python=$("$root/Scripts/make-onnx-venv.sh")
[ -n "$python" ] || { echo "no ONNX venv" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "installing GNU time"; apt-get install -y -qq time >/dev/null; }
echo "== building graft (release)"
swift build -c release --product graft --package-path "$root" >/dev/null
graft="$(swift build -c release --show-bin-path --package-path "$root")/graft"
model="$out/resnet50.onnx"
[ -f "$model" ] || { echo "== exporting torchvision ResNet-50 to $model"; "$python" "$root/Benchmarks/onnx-convert/make_resnet50.py" "$model"; }
bytes=$(stat -c %s "$model")
echo "== $model: $bytes bytes; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

measure() {  # prints "best_seconds peak_kib"
  local best="" bestrss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -v "$@" >"$out/last.out" 2>"$out/last.time"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/last.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/last.time")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then best=$wall; bestrss=$rss; fi
  done
  echo "$best $bestrss"
}
read -r gt grss < <(measure "$graft" convert "$model" -o "$out/resnet50.graft")
read -r pt prss < <(measure "$python" "$root/Benchmarks/onnx-convert/load_onnx.py" "$model")
cat "$out/last.out"
python3 - "$bytes" "$gt" "$grss" "$pt" "$prss" <<'PY'
import sys
size, gt, grss, pt, prss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print(f"{'':42} {'wall s':>8} {'MB/s':>8} {'peak RSS MB':>12}")
for name, t, rss in (("graft convert (read, import, write .graft)", gt, grss), ("onnx.load + initializers to numpy", pt, prss)):
    print(f"{name:42} {t:8.2f} {size / 1e6 / t:8.0f} {rss * 1024 / 1e6:12.0f}")
print(f"ratio graft/python wall time: {gt / pt:.2f}; peak RSS ratio {grss / prss:.2f}")
PY
