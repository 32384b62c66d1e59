#!/usr/bin/env bash
# The largest keras.applications network (EfficientNetB7, 66M parameters; MODEL=ConvNeXtLarge
# for another) converted by `graft convert`, side by side with Keras 3 loading the same file
# (`keras.models.load_model`), from .keras and from legacy .h5: wall time (median of RUNS) and
# peak RSS of each process, and the ratio.
#
#   Benchmarks/keras-applications-convert/run.sh          # RUNS=3 MODEL=EfficientNetB7
#
# Uses the Keras venv of the tests (Scripts/make-keras-venv.sh) and a release build; writes
# Benchmarks/out/ (ignored by git). Prints the CPU and the SIMD level the engine would use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/Benchmarks/out"
runs=${RUNS:-3}
model=${MODEL:-EfficientNetB7}
mkdir -p "$out"
python=$("$root/Scripts/make-keras-venv.sh")
[ -n "$python" ] || { echo "error: no Keras venv" >&2; exit 1; }
[ -f "$out/$model.keras" ] || KERAS_BACKEND=jax "$python" "$here/make_model.py" "$out" "$model"
cd "$root"
swift build -c release --product graft >/dev/null
graft="$(swift build -c release --show-bin-path)/graft"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no); GRAFT_SIMD=${GRAFT_SIMD:-auto}"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
measure() {  # label, command... → "median_seconds peak_rss_mib"
  local label=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@" > "$out/$label.out" 2>&1 || { cat "$out/$label.out" >&2; exit 1; }
    read -r wall kib < "$out/$label.time"
    times+=("$wall"); (( kib > rss )) && rss=$kib
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $((rss / 1024))"
}

printf '%-8s %-34s %9s %9s\n' "file" "tool" "seconds" "peak MiB"
for ext in keras h5; do
  file="$out/$model.$ext"
  cat "$file" > /dev/null
  read -r gs gm < <(measure "graft-$ext" "$graft" convert "$file" -o "$out/$model-$ext.graft")
  read -r ks km < <(measure "keras-$ext" env KERAS_BACKEND=jax "$python" "$here/load_keras.py" "$file")
  printf '%-8s %-34s %9s %9s\n' ".$ext" "graft convert (to .graft)" "$gs" "$gm"
  printf '%-8s %-34s %9s %9s\n' ".$ext" "keras.models.load_model (Keras 3)" "$ks" "$km"
  awk -v g="$gs" -v k="$ks" -v e="$ext" 'BEGIN { printf "%-8s graft/Keras time ratio %.2f\n", "." e, g / k }'
done
echo "file sizes: $(stat -c '%n %s' "$out/$model.keras" "$out/$model.h5" | awk '{printf "%s %.0f MiB; ", $1, $2 / 1048576}')"
