#!/usr/bin/env bash
# Benchmark: `graft convert` of an AlexNet-sized .caffemodel (the CaffeNet deploy net, ~244 MB of
# float32 weights) against Python protobuf (upb) merely parsing the same file into numpy arrays.
# Reports wall time, MB/s and peak RSS (/usr/bin/time -v) for both, and their ratio.
#
# usage: Benchmarks/caffe-convert/run.sh [RUNS]   (default 3 runs each; the best is reported)
# Needs: swift, python3 with venv, /usr/bin/time. Creates Benchmarks/.venv (protobuf, numpy,
# grpcio-tools) and Benchmarks/out/ (both ignored by git).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
out="$root/Benchmarks/out/caffe-convert"
venv="$root/Benchmarks/.venv"
mkdir -p "$out"

echo "== building graft (release)"
swift build -c release --product graft --package-path "$root" >/dev/null
graft="$(swift build -c release --show-bin-path --package-path "$root")/graft"

if ! "$venv/bin/python" -c "import google.protobuf, numpy, grpc_tools" 2>/dev/null; then
  echo "== creating $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check protobuf numpy grpcio-tools
fi
"$venv/bin/python" -m grpc_tools.protoc -I"$root/schemas" --python_out="$out" "$root/schemas/caffe.proto"

model="$out/caffenet/weights.caffemodel"
if [ ! -f "$model" ]; then
  echo "== generating the CaffeNet caffemodel with graft (create caffenet, export --to caffe)"
  "$graft" create caffenet --seed 1 -o "$out/caffenet-source.graft" >/dev/null
  "$graft" export "$out/caffenet-source.graft" --to caffe -o "$out/caffenet" 2>/dev/null >/dev/null
fi
bytes=$(stat -c %s "$model")
mb=$(python3 -c "print(f'{$bytes/1e6:.1f}')")
echo "== $model: $bytes bytes ($mb MB)"

# Runs a command $runs times under /usr/bin/time -v; prints "best_seconds peak_kib" (peak of the best run).
measure() {
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

read -r gt grss < <(measure "$graft" convert "$model" --input-shape 1,3,227,227 -o "$out/converted.graft")
read -r pt prss < <(measure "$venv/bin/python" "$root/Benchmarks/caffe-convert/parse_caffemodel.py" "$out" "$model")
cat "$out/last.out"

python3 - "$bytes" "$gt" "$grss" "$pt" "$prss" <<'PY'
import sys
size, gt, grss, pt, prss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
mb = size / 1e6
print(f"{'':34} {'wall s':>8} {'MB/s':>8} {'peak RSS MB':>12} {'RSS/file':>9}")
for name, t, rss in (("graft convert (whole conversion)", gt, grss), ("python protobuf parse to numpy", pt, prss)):
    print(f"{name:34} {t:8.2f} {mb / t:8.0f} {rss * 1024 / 1e6:12.0f} {rss * 1024 / size:9.2f}")
print(f"ratio graft/python wall time: {gt / pt:.2f}; target <= 1.00 and graft peak RSS < 2.5x file ({2.5 * mb:.0f} MB)")
PY
