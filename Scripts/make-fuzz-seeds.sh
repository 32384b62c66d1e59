#!/usr/bin/env bash
# Regenerates Fuzz/Corpus, the seed corpus of the `.graft` reader's libFuzzer harness (Fuzz/README.md),
# with the GraftFuzzSeeds executable: the small model written by the current NativeWriter, the
# hand-made tiny and mixed-dtype files, and five damaged files of the corrupt-file catalogue
# (GraftNativeFixtures, the same fixtures GraftCoreTests checks). The output is deterministic.
#
# Usage: Scripts/make-fuzz-seeds.sh [swift] [swift build options...] [-- output-folder]
#   e.g. Scripts/make-fuzz-seeds.sh swift --scratch-path /tmp/graft-build -- /tmp/seeds
set -euo pipefail
swift=${1:-swift}
shift || true
options=() output=
while [ $# -gt 0 ]; do
  case $1 in
    --) output=${2:-}; break ;;
    *) options+=("$1"); shift ;;
  esac
done
cd "$(dirname "$0")/.."
"$swift" build --product GraftFuzzSeeds ${options[@]+"${options[@]}"} >&2
bin=$("$swift" build --show-bin-path ${options[@]+"${options[@]}"})
"$bin/GraftFuzzSeeds" ${output:+"$output"}
