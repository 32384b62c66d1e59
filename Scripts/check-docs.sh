#!/usr/bin/env bash
# Builds the DocC documentation of every Graft library product (`swift package
# generate-documentation`, swift-docc-plugin) and fails on any DocC warning: a broken symbol link,
# an undocumented parameter of a documented function. Dependencies' own warnings (SwiftPM's note
# about a file ZIPFoundation ships) are not Graft's and are not counted.
set -uo pipefail
swift=${1:-swift}
cd "$(dirname "$0")/.."
# The library products, as Package.swift lists them.
targets=$(sed -n '/^let libraryModules = \[/,/^\]/p' Package.swift | grep -o '"Graft[A-Za-z0-9]*"' | tr -d '"')
[ -n "$targets" ] || { echo "check-docs: no library modules found in Package.swift" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
args=()
for t in $targets; do args+=(--target "$t"); done
"$swift" package generate-documentation "${args[@]}" >"$log" 2>&1
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
