#!/usr/bin/env bash
# Checks `make install` into a temporary prefix (debug build, so that CI reuses its test build):
# every file is installed, `graft --version` names this checkout's commit, and the man page and
# the three completion scripts mention every subcommand `graft --help` lists. Exits non-zero on
# the first failure.
set -euo pipefail
swift=${1:-swift}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
prefix=$(mktemp -d "${TMPDIR:-/tmp}/graft-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
make --no-print-directory install SWIFT="$swift" CONFIG=debug PREFIX="$prefix" >/dev/null
fail() { echo "install-check: FAIL: $*" >&2; exit 1; }
for f in bin/graft share/man/man1/graft.1 share/bash-completion/completions/graft \
         share/zsh/site-functions/_graft share/fish/vendor_completions.d/graft.fish; do
  [ -s "$prefix/$f" ] || fail "$f was not installed"
done
version=$("$prefix/bin/graft" --version)
commit=$(git rev-parse --short=12 HEAD)
case "$version" in *"$commit"*) ;; *) fail "graft --version says '$version', not commit $commit" ;; esac
# The subcommands, as `graft --help` lists them (indented names under SUBCOMMANDS).
commands=$("$prefix/bin/graft" --help | awk '/^SUBCOMMANDS:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$commands" ] || fail "graft --help lists no subcommands"
for c in $commands; do
  grep -q "Em $c\$" "$prefix/share/man/man1/graft.1" || fail "the man page does not document '$c'"
  for f in share/bash-completion/completions/graft share/zsh/site-functions/_graft share/fish/vendor_completions.d/graft.fish; do
    grep -qw "$c" "$prefix/$f" || fail "$f does not complete '$c'"
  done
done
echo "install-check: ok: $version; $(echo $commands | wc -w) subcommands in the man page and the bash, zsh and fish completions"
