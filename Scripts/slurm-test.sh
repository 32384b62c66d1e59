#!/usr/bin/env bash
# `make slurm-test`: runs a small `graft study` as a Slurm array job on a one-node cluster started
# here (slurmctld + slurmd on 127.0.0.1, authenticated by a private munged), merges it with
# `graft study --collect`, and checks the report equals the one of the same study run locally.
#
# Usage: Scripts/slurm-test.sh path/to/graft
#   SLURM_TEST_DIR      work directory, wiped at the start (default: .build-slurm in the repo)
#   SLURM_TEST_TIMEOUT  seconds to wait for the array job (default: 300)
#   SLURM_TEST_PORT     slurmctld's port; slurmd uses the next one (default: 16817, away from
#                       the standard 6817/6818 so that a real Slurm on the machine is left alone)
#   SLURM_TEST_KEEP=1   leave the daemons running at the end (stop them with the commands printed)
#
# Installs slurm-wlm and munge with apt-get when missing (sudo when not root). Everything it writes
# goes under the work directory: slurm.conf, the munge key and socket, the daemons' state, pid
# and log files, the data, the model and both results folders; nothing in /etc. The daemons run as
# root (slurmd must, to start jobs as the submitting user); the jobs run as the caller.
set -euo pipefail

graft_arg=${1:?usage: slurm-test.sh path/to/graft}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${SLURM_TEST_DIR:-$root/.build-slurm}
timeout=${SLURM_TEST_TIMEOUT:-300}
ctld_port=${SLURM_TEST_PORT:-16817}
slurmd_port=$((ctld_port + 1))
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

started=$(date +%s)
step() { printf '\n== [slurm-test %3ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
fail() { printf '\nslurm-test: FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$graft_arg" ] || fail "no graft binary at $graft_arg (build it first: swift build)"
command -v python3 >/dev/null || fail "python3 is needed (standard library only) to write the test images and compare the reports"
case "$work" in /*) ;; *) work="$PWD/$work" ;; esac

# --- 1. Packages -------------------------------------------------------------------------------
step "1. Packages: slurm-wlm, munge"
missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]} (apt-get${sudo:+ through sudo})"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The packages' own services may fail to start (no config in /etc/slurm) or be refused by
  # policy-rc.d in containers; neither matters, this script starts its own daemons.
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in munged mungekey munge slurmctld slurmd sbatch squeue scontrol sacct; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || fail "$tool not found after installing slurm-wlm and munge"
done
PATH="$PATH:/usr/sbin:/sbin"
echo "$(slurmctld -V), $(munged -V 2>&1 | awk '{print $1; exit}')"

# --- 2. Work directory, stopping what an earlier (killed) run may have left --------------------
conf="$work/etc/slurm.conf"
munge_dir="$work/munge"              # socket, pid and seed files: must be searchable by all
munge_key="$work/munge-key/munge.key" # readable by the daemon's user only
munge_socket="$munge_dir/munge.socket"
state="$work/state"
logs="$work/logs"

# Stops the daemons this script starts, by their pid files (checking the pid is still that
# daemon): slurmd and slurmctld together (each takes about 2 s), then munged.
stop_daemons() {
  local name pid pids=()
  for name in slurmd slurmctld; do
    pid=$(cat "$state/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
      $sudo kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    $sudo rm -f "$state/$name.pid"
  done
  for pid in ${pids[@]+"${pids[@]}"}; do
    for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then $sudo kill -9 "$pid" 2>/dev/null || true; fi
  done
  if [ -S "$munge_socket" ]; then
    $sudo munged --stop --socket="$munge_socket" >/dev/null 2>&1 || true
  fi
}

step "2. Work directory: $work"
stop_daemons
case "$work" in
  "" | / | "$root" | "$HOME") fail "refusing to wipe work directory '$work'" ;;
esac
$sudo rm -rf "$work"
mkdir -p "$work/etc" "$work/bin" "$logs" "$work/results"
$sudo mkdir -p "$munge_dir" "${munge_key%/*}" "$state/ctld" "$state/slurmd"
$sudo chmod 755 "$munge_dir"
$sudo chmod 700 "${munge_key%/*}"
# The jobs (run as the caller) write their output files into $logs.
chmod 755 "$work" "$logs"

if [ "${SLURM_TEST_KEEP:-0}" != 1 ]; then
  # shellcheck disable=SC2154  # status is assigned inside the trap
  trap 'status=$?; step "Stopping munged, slurmctld and slurmd"; stop_daemons; exit $status' EXIT
  trap 'exit 130' INT TERM
fi

# The binary is copied so that the local and the Slurm runs use the same one, even if the build
# is redone while the test runs.
graft="$work/bin/graft"
cp "$graft_arg" "$graft"
echo "graft: $("$graft" --version) (copied from $graft_arg)"

# --- 3. munge ----------------------------------------------------------------------------------
step "3. munged on $munge_socket (private key; /etc/munge is not used)"
$sudo mungekey --create --keyfile="$munge_key" --bits=1024
$sudo munged --socket="$munge_socket" --key-file="$munge_key" --pid-file="$munge_dir/munged.pid" \
  --log-file="$logs/munged.log" --seed-file="$munge_dir/munged.seed" \
  || { cat "$logs/munged.log" >&2 2>/dev/null || true; fail "munged did not start"; }
munge --socket="$munge_socket" -n | unmunge --socket="$munge_socket" >/dev/null \
  || fail "munge cannot encode and decode a credential"
echo "munge: a credential round-trips"

# --- 4. slurm.conf, slurmctld, slurmd --------------------------------------------------------
step "4. One-node cluster: slurmctld on port $ctld_port, slurmd on port $slurmd_port"
host=$(hostname -s)
cpus=$(nproc)
cat > "$conf" <<EOF
# Written by Scripts/slurm-test.sh: a one-node test cluster on this machine.
ClusterName=grafttest
# slurmctld runs only on the host this names (its short hostname); everything talks over 127.0.0.1.
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
# The private munged (the cred/munge plugin reads the same socket option).
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: processes are tracked through /proc, tasks are not bound, nothing is measured.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: no accounting (sacct has nothing to show); finished jobs go to a text file instead.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$logs/jobcomp.log
# Finished jobs stay visible to scontrol for 10 minutes.
MinJobAge=600
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
PlugStackConfig=$work/etc/plugstack.conf
MailProg=/bin/true
# A node that was down (e.g. a restarted slurmd) comes back on its own.
ReturnToService=2
SlurmdTimeout=60
NodeName=graftnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=graftnode Default=YES MaxTime=INFINITE State=UP
EOF
: > "$work/etc/plugstack.conf"
export SLURM_CONF="$conf"

show_logs() {
  local f
  for f in "$logs/slurmctld.log" "$logs/slurmd.log" "$logs/munged.log" "$logs/jobcomp.log" "$logs"/job-*.out; do
    [ -f "$f" ] || continue
    printf '\n----- %s (last 60 lines)\n' "$f"
    $sudo tail -n 60 "$f" || true
  done
  printf '\n----- squeue\n'; squeue --all -l 2>&1 || true
  printf '\n----- sinfo\n'; sinfo -N -l 2>&1 || true
  if [ -n "${job:-}" ]; then
    printf '\n----- scontrol show job %s\n' "$job"; scontrol show job "$job" 2>&1 || true
    printf '\n----- sacct -j %s\n' "$job"; sacct -j "$job" --format=JobID,JobName,State,ExitCode,Elapsed 2>&1 || true
  fi
}

# Expected in the logs: "can not load PMIx library" (Slurm loads every MPI plugin; none is used)
# and "Could not open ... state file" (a fresh state directory).
$sudo slurmctld -f "$conf" || { show_logs; fail "slurmctld did not start"; }
$sudo slurmd -f "$conf" -N graftnode || { show_logs; fail "slurmd did not start"; }
deadline=$(( $(date +%s) + 60 ))
until [ "$(sinfo -h -n graftnode -o %t 2>/dev/null)" = idle ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then show_logs; fail "the node did not become idle within 60 s"; fi
  sleep 1
done
sinfo -N -o '%N %t %c %P'

# --- 5. A tiny study: data, model, cells -------------------------------------------------------
step "5. A tiny study: 2 x 24 striped 16x16 PNGs, the built-in tiny CNN, 2 depths + scratch x 2 fractions x 1 seed"
data="$work/stripes"
python3 - "$data" 24 <<'PY'
# Horizontal vs vertical stripes under heavy noise (so that the AUCs are not all 1): PNGs written
# with the standard library only; the same seed writes the same bytes.
import os, random, struct, sys, zlib
def png(path, size, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[y * size * 3:(y + 1) * size * 3]) for y in range(size))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
root, per_class, size = sys.argv[1], int(sys.argv[2]), 16
rng = random.Random(5)
for label, name in enumerate(["horizontal", "vertical"]):
    os.makedirs(f"{root}/{name}", exist_ok=True)
    for i in range(per_class):
        phase, pixels = rng.randrange(4), []
        for y in range(size):
            for x in range(size):
                on = ((y if label == 0 else x) + phase) // 2 % 2 == 0
                v = min(255, (140 if on else 90) + rng.randrange(80))
                pixels += [v, v, v]
        png(f"{root}/{name}/{name} {i}.png", size, pixels)
PY
# An image folder on purpose: with a .npz or CSV (or --task patches), `graft study --collect`
# currently titles the report and plots with the data's file name (stripes.csv) where a local run
# uses the dataset's name (stripes), so those reports differ in their title.
model="$work/tiny-cnn.graft"
"$graft" create tiny-cnn --seed 1 --classes 2 -o "$model"
# --threads 1 in both runs: the thread count changes the order of the BLAS summations and with it
# the last digits of the scores, and each array task gets one CPU (graft-study.sbatch's default).
# shellcheck disable=SC2054  # the commas belong to the values
study_flags=(--positive vertical --depths fc,conv1 --fractions 1,0.5 --seeds 1 --epochs 3 --batch-size 8 --lr 0.01 --threads 1)
"$graft" study "$model" --data "$data" -o "$work/results/slurm" "${study_flags[@]}" --list-cells | tee "$work/cells.txt"
cells=$(awk '$1 ~ /^[0-9]+$/ { n++ } END { print n + 0 }' "$work/cells.txt")
[ "$cells" -gt 0 ] || fail "graft study --list-cells listed no cells"
echo "$cells cells"

# --- 6. The array job --------------------------------------------------------------------------
step "6. sbatch --array=0-$((cells - 1)) Scripts/graft-study.sbatch (timeout ${timeout}s)"
job=$(cd "$work" && GRAFT="$graft" STUDY_FLAGS="${study_flags[*]}" \
  sbatch --parsable --array="0-$((cells - 1))" --output="$logs/job-%A_%a.out" --chdir="$work" \
    "$root/Scripts/graft-study.sbatch" "$model" "$data" "$work/results/slurm") \
  || { show_logs; fail "sbatch refused the job"; }
job=${job%%;*}
echo "submitted array job $job (squeue states below: PD pending, R running, CG completing)"
deadline=$(( $(date +%s) + timeout ))
last=""
while :; do
  queue=$(squeue -h -r -j "$job" -o '%t' 2>/dev/null | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
  [ -z "$queue" ] && break
  if [ "$queue" != "$last" ]; then echo "  $(date +%T) array tasks in the queue: $queue"; last=$queue; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    show_logs
    scancel "$job" 2>/dev/null || true
    fail "the array job $job did not finish within ${timeout}s"
  fi
  sleep 1
done
# Every task must have completed with exit code 0 (scontrol keeps finished jobs for MinJobAge).
states=$(scontrol -o show job "$job" | grep -o 'JobState=[A-Z_]* .*ExitCode=[0-9]*:[0-9]*' \
  | sed -E 's/JobState=([A-Z_]+) .*ExitCode=([0-9:]+)/\1 \2/' | sort | uniq -c)
echo "array tasks (count, state, exit code):"; echo "$states"
ok=$(scontrol -o show job "$job" | grep -c 'JobState=COMPLETED .*ExitCode=0:0' || true)
if [ "$ok" -ne "$cells" ]; then
  show_logs
  fail "$ok of $cells array tasks completed with exit code 0"
fi
# And each ran its one cell (graft prints "study: N cells, K finished before, 1 to run now").
for ((k = 0; k < cells; k++)); do
  grep -q " 1 to run now" "$logs/job-${job}_$k.out" 2>/dev/null \
    || { show_logs; fail "task $k did not run exactly one cell (no '1 to run now' in $logs/job-${job}_$k.out)"; }
done
echo "all $cells tasks completed, one cell each (logs: $logs/job-${job}_*.out)"

# --- 7. Collect, and the same study locally --------------------------------------------------
step "7. graft study --collect, and the same study run locally (no Slurm)"
"$graft" study --collect "$work/results/slurm" > "$logs/collect.out" || { cat "$logs/collect.out"; fail "graft study --collect failed"; }
head -n 6 "$logs/collect.out"
"$graft" study "$model" --data "$data" -o "$work/results/local" "${study_flags[@]}" > "$logs/local.out" 2> "$logs/local.err" \
  || { cat "$logs/local.err"; fail "the local study failed"; }
echo "local run done ($work/results/local)"

# --- 8. Compare --------------------------------------------------------------------------------
step "8. Compare the Slurm report with the local one"
# What must be equal, and what is left out:
#   byte for byte: plan.json, splits.json, report.md, report.html, every file in plots/, and the
#     list of files in both folders;
#   results.csv without its `seconds` column, results.json and every cells/*.json without their
#     "seconds" fields: a cell's wall-clock time is the only thing that legitimately differs. Every
#     other value must be identical, down to each test image's score (the cells' testScores and ROC
#     thresholds are printed with full double precision).
# The report and the plots hold no times and no paths of the results folder, so they are compared
# whole; the model and data paths are the same in both runs (plan.json records them).
compare() {
  python3 - "$1" "$2" <<'PY'
import csv, io, json, os, sys
a, b = sys.argv[1], sys.argv[2]
problems = []

def files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs if not f.startswith("."))

def drop_seconds(value):
    if isinstance(value, dict):
        return {k: drop_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [drop_seconds(v) for v in value]
    return value

def first_difference(x, y, path="$"):
    if type(x) is not type(y):
        return f"{path}: {x!r} vs {y!r}"
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                return f"{path}.{k}: only in {'the Slurm run' if k in x else 'the local run'}"
            d = first_difference(x[k], y[k], f"{path}.{k}")
            if d: return d
        return None
    if isinstance(x, list):
        if len(x) != len(y):
            return f"{path}: {len(x)} vs {len(y)} items"
        for i, (u, v) in enumerate(zip(x, y)):
            d = first_difference(u, v, f"{path}[{i}]")
            if d: return d
        return None
    return None if x == y else f"{path}: {x!r} (Slurm) vs {y!r} (local)"

def csv_without_seconds(path):
    rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8").read())))
    if not rows or "seconds" not in rows[0]:
        problems.append(f"{path}: no header with a seconds column")
        return rows
    i = rows[0].index("seconds")
    return [r[:i] + r[i + 1:] for r in rows]

fa, fb = files(a), files(b)
if fa != fb:
    problems.append(f"different files: only in the Slurm run {sorted(set(fa) - set(fb))}, only in the local run {sorted(set(fb) - set(fa))}")
compared = 0
for name in sorted(set(fa) & set(fb)):
    pa, pb = os.path.join(a, name), os.path.join(b, name)
    if name == "results.csv":
        ra, rb = csv_without_seconds(pa), csv_without_seconds(pb)
        if len(ra) != len(rb):
            problems.append(f"{name}: {len(ra)} vs {len(rb)} rows")
        for x, y in zip(ra, rb):
            if x != y:
                problems.append(f"{name}: row differs (seconds left out):\n    Slurm {x}\n    local {y}")
                break
    elif name == "results.json" or name.startswith("cells" + os.sep):
        d = first_difference(drop_seconds(json.load(open(pa))), drop_seconds(json.load(open(pb))))
        if d: problems.append(f"{name} (seconds left out): {d}")
    elif open(pa, "rb").read() != open(pb, "rb").read():
        problems.append(f"{name}: the bytes differ")
    compared += 1
for p in problems:
    print("  MISMATCH " + p)
print(f"  compared {compared} files: {'no difference' if not problems else str(len(problems)) + ' mismatch(es)'}")
sys.exit(1 if problems else 0)
PY
}
slurm_results="$work/results/slurm"
local_results="$work/results/local"
[ -f "$slurm_results/results.csv" ] || fail "no results.csv in $slurm_results"
if [ "$(($(wc -l < "$slurm_results/results.csv") - 1))" -ne "$cells" ]; then
  fail "results.csv of the Slurm run has $(($(wc -l < "$slurm_results/results.csv") - 1)) cells, expected $cells"
fi
compare "$slurm_results" "$local_results" || { echo "Slurm run:"; cat "$slurm_results/results.csv"; echo "local run:"; cat "$local_results/results.csv"; fail "the Slurm report differs from the local one"; }

# A negative control: the comparison must notice one changed digit.
control="$work/results/control"
cp -r "$slurm_results" "$control"
python3 - "$control/results.csv" <<'PY'
import sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
fields = lines[1].split(",")
i = lines[0].split(",").index("auc")
fields[i] = "0.1234" if fields[i] != "0.1234" else "0.4321"
lines[1] = ",".join(fields)
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
if compare "$control" "$local_results" > "$logs/control.out"; then
  cat "$logs/control.out"; fail "the comparison did not notice a changed AUC (negative control)"
fi
echo "  negative control: a changed AUC in results.csv is reported as a mismatch, as it should be"
rm -rf "$control"

step "PASS: the Slurm array job's report ($cells cells, job $job) equals the local run's, in $(( $(date +%s) - started ))s"
if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then
  echo "daemons left running (SLURM_TEST_KEEP=1): export SLURM_CONF=$conf; stop them with"
  echo "  ${sudo:+$sudo }kill \$(cat $state/slurmd.pid) \$(cat $state/slurmctld.pid); ${sudo:+$sudo }munged --stop --socket=$munge_socket"
  echo "(or run this script again: it stops them first)"
fi
