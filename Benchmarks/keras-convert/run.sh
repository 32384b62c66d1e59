#!/usr/bin/env bash
# Keras → .graft conversion of a VGG16-sized .h5 (about 528 MiB), side by side with h5py merely
# reading every dataset of the same file: wall time, MiB/s and peak RSS of each process.
#
#   Benchmarks/keras-convert/run.sh                    # release build of the tests (first time: minutes)
#   CONFIGURATION=debug RUNS=1 Benchmarks/keras-convert/run.sh
#
# It creates Benchmarks/.venv (h5py + numpy only) and Benchmarks/out/ (the .h5 and .graft files);
# both are ignored by git. Nothing is downloaded but those two Python packages. The file is read
# once before measuring, so both tools read from the page cache (the machine is shared: the
# script does not drop caches).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/Benchmarks/out"
venv="$root/Benchmarks/.venv"
configuration=${CONFIGURATION:-release}
runs=${RUNS:-3}
mkdir -p "$out"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import h5py, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check h5py numpy
fi
h5="$out/vgg16.h5"
[ -f "$h5" ] || "$venv/bin/python" "$here/make_vgg16_h5.py" "$h5"
bytes=$(stat -c %s "$h5")
echo "input: $h5, $bytes bytes"

cd "$root"
flags=(-c "$configuration")
if [ "$configuration" = release ]; then flags+=(-Xswiftc -enable-testing); fi
swift build --build-tests "${flags[@]}" >/dev/null 2>&1
bundle="$(swift build "${flags[@]}" --show-bin-path)/GraftPackageTests.xctest"
cat "$h5" > /dev/null   # warm the page cache for both tools

measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@" > "$out/$label.out" 2>&1
  read -r wall rss < "$out/$label.time"
  awk -v l="$label" -v w="$wall" -v r="$rss" -v b="$bytes" \
    'BEGIN { printf "%-9s wall %6.2f s  %6.0f MiB/s  peak RSS %5.0f MiB\n", l, w, b / 1048576 / w, r / 1024 }'
  grep -E "^h5py read|\[keras-convert\]" "$out/$label.out" | sed 's/^/          /' || true
}

for run in $(seq "$runs"); do
  echo "-- run $run"
  measure h5py "$venv/bin/python" "$here/read_all.py" "$h5"
  GRAFT_BENCH=1 GRAFT_BENCH_H5="$h5" GRAFT_BENCH_OUT="$out/vgg16.graft" \
    measure graft "$bundle" --testing-library swift-testing --filter KerasConvertBenchmark
  measure startup "$bundle" --testing-library swift-testing --filter KerasConvertBenchmark
done
echo "-- parts (one process: SHA-256 of the source, HDF5 read into KerasModel, graph and layout conversion)"
GRAFT_BENCH=1 GRAFT_BENCH_PARTS=1 GRAFT_BENCH_H5="$h5" GRAFT_BENCH_OUT="$out/vgg16.graft" \
  measure parts "$bundle" --testing-library swift-testing --filter KerasConvertBenchmark
ls -l "$out/vgg16.graft"
