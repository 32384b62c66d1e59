#!/usr/bin/env bash
# Builds the DocC documentation of every Graft library product (`swift package
# generate-documentation`, swift-docc-plugin) and fails on any DocC warning: a broken symbol link,
# an undocumented parameter of a documented function. Dependencies' own warnings (SwiftPM's note
# about a file ZIPFoundation ships) are not Graft's and are not counted. Then fails on any public
# declaration without a doc comment (Scripts/check-doc-comments.py, from the symbol graphs DocC
# was given; its header has the rule).
#
# Usage: Scripts/check-docs.sh [swift] [package options...], e.g.
#   Scripts/check-docs.sh swift --scratch-path /tmp/graft-build
# The options go to `swift package` (default scratch path: .build). GRAFT_DOCS_SHOW=N lists the
# first N undocumented declarations (default 40).
set -uo pipefail
swift=${1:-swift}
shift || true
options=("$@")
cd "$(dirname "$0")/.."
scratch=.build
for ((i = 0; i < ${#options[@]}; i++)); do
  case ${options[$i]} in
    --scratch-path) scratch=${options[$((i + 1))]:-.build} ;;
    --scratch-path=*) scratch=${options[$i]#--scratch-path=} ;;
  esac
done
# Library modules whose doc comments are still being written: their undocumented declarations are
# counted and reported but do not fail the check. Empty: every library product is checked; add a
# module only while a change documents it. (GraftCLI is not a library product and is not checked.)
undocumented_for_now=()
# The library products, as Package.swift lists them.
targets=$(sed -n '/^let libraryModules = \[/,/^\]/p' Package.swift | grep -o '"Graft[A-Za-z0-9]*"' | tr -d '"')
[ -n "$targets" ] || { echo "check-docs: no library modules found in Package.swift" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
args=()
for t in $targets; do args+=(--target "$t"); done
"$swift" package ${options[@]+"${options[@]}"} generate-documentation "${args[@]}" >"$log" 2>&1
status=$?
warnings=$(grep -A3 "^warning" "$log" | grep -v "zipfoundation\|^--$" | grep -B0 -A3 "^warning" || true)
count=$(grep "^warning" "$log" | grep -vc zipfoundation)
built=$(grep -c "Finished building documentation" "$log")
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ]; then
  [ "$status" -ne 0 ] && tail -30 "$log" >&2
  [ "$count" -ne 0 ] && echo "$warnings" >&2
  echo "check-docs: FAIL: $count DocC warning(s), exit status $status" >&2
  exit 1
fi
echo "check-docs: ok: $built modules documented, no DocC warnings ($(echo $targets | wc -w) library products)"

# The symbol graphs the plugin extracted: <scratch>/<triple>/extracted-symbols/<package>/<Module>/
# (the newest, should the scratch folder hold more than one package's).
symbols=$(ls -td "$scratch"/*/extracted-symbols/*/GraftCore 2>/dev/null | head -1)
[ -n "$symbols" ] || { echo "check-docs: no symbol graphs under $scratch/*/extracted-symbols" >&2; exit 1; }
checked=() excluded=()
for t in $targets; do
  if [[ " ${undocumented_for_now[*]} " == *" $t "* ]]; then excluded+=("$t"); else checked+=("$t"); fi
done
python3 Scripts/check-doc-comments.py "$(dirname "$symbols")" "${checked[@]}" --exclude ${excluded[@]+"${excluded[@]}"} \
  --show "${GRAFT_DOCS_SHOW:-40}"
