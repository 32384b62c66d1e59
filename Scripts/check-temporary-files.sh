#!/usr/bin/env bash
# After `make test`: what the run left in its own temporary folder ($1, the TMPDIR the tests ran
# with). SwiftPM's own `TemporaryDirectory.*` folders (swift-build's NamedTemporaryDirectory, empty
# but for `.keep-directory`) are removed; anything else is a test that did not clean up after
# itself: listed, and under CI (CI=true) a failure. The folder is removed when clean. SwiftPM's
# empty lock files there are its own too.
set -uo pipefail
dir=$1
[ -d "$dir" ] || exit 0
swiftpm=0
for d in "$dir"/TemporaryDirectory.*; do
  [ -d "$d" ] || continue
  if [ -z "$(ls -A "$d" | grep -vx '.keep-directory')" ]; then rm -rf "$d"; swiftpm=$((swiftpm + 1)); fi
done
# SwiftPM's own lock files (`_<path with underscores>.lock`, e.g. _work_main_.build.lock).
for f in "$dir"/_*.lock; do [ -f "$f" ] && [ ! -s "$f" ] && rm -f "$f" && swiftpm=$((swiftpm + 1)); done
left=$(ls -A "$dir")
if [ -z "$left" ]; then
  echo "temporary files: none left by the tests ($swiftpm of SwiftPM's own empty folders and lock files removed)"
  rmdir "$dir"
  exit 0
fi
echo "temporary files left behind in $dir by the tests:" >&2
ls -lA "$dir" | sed 's/^/  /' >&2
if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then echo "error: every test must remove what it creates" >&2; exit 1; fi
exit 0
