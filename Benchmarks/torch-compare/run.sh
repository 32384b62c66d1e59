#!/usr/bin/env bash
# Graft vs PyTorch (and, for inference, ONNX Runtime) on this CPU, side by side: the same networks,
# batch sizes, optimizer and thread count, each case run in rounds of one run per engine, back to
# back, Graft first in even rounds and last in odd ones, so that a noisy shared machine affects all
# alike. Prints the median images/s of the rounds, each ratio as the median of the rounds' own
# ratios (Graft against the engine run beside it in the same round, which a host whose speed
# swings for minutes at a time moves far less than a ratio of medians) with their range across
# rounds, peak memory (from /usr/bin/time -v), and the least and greatest FMA ceiling of the
# machine's cores on all threads (`graft bench peak`) measured after each of the case's rounds (a
# case whose rounds ran in one of the host's slow phases shows it there); then that ceiling on one
# thread and on all before and after the cases.
#
#   Benchmarks/torch-compare/run.sh [ROUNDS]      # default 3 rounds per case; ~15 min
#   CASES="caffenet-train quick-train" Benchmarks/torch-compare/run.sh 5   # only some cases
#   THREADS=1 Benchmarks/torch-compare/run.sh     # every engine on one core (the scaling table)
#
# Creates .build-torch-venv with the CPU-only torch wheel (192 MB), onnx and onnxruntime the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
threads=${THREADS:-$(nproc)}
venv="$root/.build-torch-venv"
if ! "$venv/bin/python" -c "import torch, onnx, onnxruntime" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.13.0+cpu" numpy onnx onnxruntime
fi
[ -x /usr/bin/time ] || { echo "installing GNU time for peak-memory figures"; apt-get install -y -qq time >/dev/null; }
(cd "$root" && swift build -c release >/dev/null)
graft="$root/.build/release/graft"
# The vector kernels' ceiling (FMA chains on registers, best of 5) on one thread and on all, now
# and after the cases: a shared host's speed moves, and the ratios mean more beside it.
peak() {  # "GFLOP/s kernels" on $1 threads ("n/a none" without vector kernels)
  "$graft" bench peak --threads "$1" --steps 5 | python3 -c 'import json,sys; d=json.loads(sys.stdin.read().splitlines()[-1]); print("n/a" if d["gflops"] is None else d["gflops"], d["simd"])'
}
ceiling() { peak "$threads" | cut -d' ' -f1; }  # the all-thread ceiling alone, after a round
peaks() { local one all; one=($(peak 1)); all=($(peak "$threads")); echo "1 thread ${one[0]}, $threads threads ${all[0]} GFLOP/s (${all[1]})"; }
peak_start=$(peaks)

# case batch steps; a case ending in "-avx2" runs Graft on its AVX2 kernels (GRAFT_SIMD=avx2, and
# OpenBLAS's Haswell kernels) and PyTorch on its AVX2 ones (ONEDNN_MAX_CPU_ISA=AVX2,
# ATEN_CPU_CAPABILITY=avx2): what a CPU without AVX-512 runs (on such a CPU it equals the plain
# case). ONNX Runtime has no such switch: on an AVX-512 CPU its column still uses AVX-512.
cases=("caffenet-train 32 5" "caffenet-train-avx2 32 5" "caffenet-train-fc 32 5" "caffenet-infer 32 5" "caffenet-infer-avx2 32 5"
       "caffenet-infer 1 20" "caffenet-infer-avx2 1 20" "quick-train 128 10" "quick-train-avx2 128 10"
       "resnet50-infer 8 5" "resnet50-infer-avx2 8 5" "resnet50-infer 1 10"
       "mobilenetv2-infer 8 10" "mobilenetv2-infer-avx2 8 10" "mobilenetv2-infer 1 20"
       "efficientnetb0-infer 8 10" "efficientnetb0-infer-avx2 8 10" "efficientnetb0-infer 1 20"
       "mobilenetv3-infer 8 10" "mobilenetv3-infer 1 20"
       "resnet18-train 16 3" "resnet18-train-avx2 16 3")
if [ -n "${CASES:-}" ]; then  # e.g. CASES="caffenet-train caffenet-infer": only those
  picked=(); for spec in "${cases[@]}"; do [[ " $CASES " == *" ${spec%% *} "* ]] && picked+=("$spec"); done; cases=("${picked[@]}")
fi
# ResNet-50, MobileNetV2, EfficientNet-B0, MobileNetV3-Large and ResNet-18: written in PyTorch
# (torch_bench.py), exported to ONNX once,
# converted by `graft convert` (for inference BatchNorm folded into the convolutions by the
# exporter, as users get them; ResNet-18, trained, keeps its BatchNorm layers).
models=$(mktemp -d); trap 'rm -rf "$models"' EXIT
for spec in "${cases[@]}"; do
  model=${spec%%-*}
  if [[ "$model" != caffenet && "$model" != quick && ! -f "$models/$model.graft" ]]; then
    "$venv/bin/python" "$here/torch_bench.py" export "$model" 1 "$models/$model.onnx" 2>/dev/null
    "$graft" convert "$models/$model.onnx" -o "$models/$model.graft" >/dev/null
  fi
done
measure() {  # prints "images_per_second peak_kib"
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" 2>"$log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["images_per_second"])' | tr '\n' ' '
  grep "Maximum resident set size" "$log" | awk '{print $6}'
  rm -f "$log"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# "1.02x (0.95-1.10)": the median of the rounds' ratios, then their least and greatest.
ratios() {  # ratios "g1 g2 ..." "t1 t2 ...": per-round g/t as median (min-max)
  python3 -c 'import sys
g = [float(x) for x in sys.argv[1].split()]; t = [float(x) for x in sys.argv[2].split()]
r = sorted(a / b for a, b in zip(g, t)); m = r[(len(r) - 1) // 2]
print(f"{m:.2f}x ({r[0]:.2f}-{r[-1]:.2f})")' "$1" "$2"
}
# "181-205": the least and greatest ceiling measured after the case's rounds (GFLOP/s).
ceilings() { python3 -c 'import sys
c = [float(x) for x in sys.argv[1:] if x != "n/a"]
print(f"{min(c):.0f}-{max(c):.0f}" if c else "n/a")' "$@"; }
printf '%-26s %12s %12s %18s %12s %18s %14s %14s %12s\n' "case (batch)" "Graft img/s" "torch img/s" "ratio (range)" "ORT img/s" "ratio (range)" "Graft peak MB" "torch peak MB" "FMA GFLOP/s"
# One run of a case in Graft, and in PyTorch (and ONNX Runtime for inference); they read the
# round's variables (simd, gcase, base, ...) and append to its result arrays.
run_graft() { read -r speed mem < <(measure "${simd[@]}" "$graft" bench "${gcase[@]}" --batch "$batch" --steps "$steps" --threads "$threads"); g+=("$speed"); gm+=("$mem"); }
run_others() {
  read -r speed mem < <(measure "${torchisa[@]}" "$venv/bin/python" "$here/torch_bench.py" "$base" "$batch" "$steps" "$threads"); t+=("$speed"); tm+=("$mem")
  if [[ "$base" == *-infer ]]; then
    read -r speed mem < <(measure "$venv/bin/python" "$here/torch_bench.py" "$base-ort" "$batch" "$steps" "$threads"); o+=("$speed")
  fi
}
for spec in "${cases[@]}"; do
  read -r name batch steps <<<"$spec"
  g=(); t=(); o=(); gm=(); tm=(); c=()
  for ((r = 0; r < rounds; r++)); do
    simd=(); torchisa=()
    [[ "$name" == *-avx2 ]] && simd=(env GRAFT_SIMD=avx2 OPENBLAS_CORETYPE=Haswell) && torchisa=(env ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
    base=${name%-avx2}; model=${base%%-*}
    if [ -f "$models/$model.graft" ]; then
      gcase=("${base#"$model"-}" --model "$models/$model.graft")   # infer or train
    else
      gcase=("$base")
    fi
    if (( r % 2 == 0 )); then run_graft; run_others; else run_others; run_graft; fi
    c+=("$(ceiling)")
  done
  gs=$(echo "${g[*]}" | median); ts=$(echo "${t[*]}" | median)
  if [ ${#o[@]} -gt 0 ]; then
    os=$(echo "${o[*]}" | median); ortcols=$(printf '%12.1f %18s' "$os" "$(ratios "${g[*]}" "${o[*]}")")
  else
    ortcols=$(printf '%12s %18s' "-" "")
  fi
  printf '%-26s %12.1f %12.1f %18s %s %14.0f %14.0f %12s\n' "$name ($batch)" "$gs" "$ts" "$(ratios "${g[*]}" "${t[*]}")" "$ortcols" \
    "$(echo "$(echo "${gm[*]}" | median) / 1024" | bc -l)" "$(echo "$(echo "${tm[*]}" | median) / 1024" | bc -l)" "$(ceilings "${c[@]}")"
done
# Graft's frozen-prefix cache has no PyTorch counterpart: shown against PyTorch's fc-only step,
# run beside it in each round like the other cases.
[ -n "${CASES:-}" ] && [[ " $CASES " != *" caffenet-train-fc-cached "* ]] || {
  g=(); t=(); gm=(); c=()
  run_cached() { read -r speed mem < <(measure "$graft" bench caffenet-train-fc-cached --batch 32 --steps 10 --threads "$threads"); g+=("$speed"); gm+=("$mem"); }
  run_fc() { read -r speed mem < <(measure "$venv/bin/python" "$here/torch_bench.py" caffenet-train-fc 32 5 "$threads"); t+=("$speed"); }
  for ((r = 0; r < rounds; r++)); do
    if (( r % 2 == 0 )); then run_cached; run_fc; else run_fc; run_cached; fi
    c+=("$(ceiling)")
  done
  printf '%-26s %12.1f %12.1f %18s %12s %18s %14.0f %14s %12s\n' "caffenet-train-fc-cached (32)" "$(echo "${g[*]}" | median)" \
    "$(echo "${t[*]}" | median)" "$(ratios "${g[*]}" "${t[*]}")" "" "" "$(echo "$(echo "${gm[*]}" | median) / 1024" | bc -l)" "" \
    "$(ceilings "${c[@]}")"
  echo "(caffenet-train-fc-cached: its torch column is PyTorch's fc6-fc8 step, run beside it in each round)"
}
echo "FMA ceiling (graft bench peak): before the cases $peak_start; after them $(peaks)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
echo "threads: $threads; $cpu; $(nproc) cores; Graft's vector kernels: $("$graft" bench quick-train --batch 2 --steps 1 --threads 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["simd"])'); $("$venv/bin/python" -c 'import torch, onnxruntime; print("torch", torch.__version__, "onnxruntime", onnxruntime.__version__)')"
