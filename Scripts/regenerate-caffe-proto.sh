#!/usr/bin/env bash
# Regenerates the committed protobuf-c sources of CCaffeProto from schemas/caffe.proto.
# Needs protoc-c (Debian: protobuf-c-compiler). A normal build does not: the output is committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/Sources/C/CCaffeProto"
command -v protoc-c >/dev/null || { echo "protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$root/schemas" --c_out="$tmp" "$root/schemas/caffe.proto"
mkdir -p "$out/include"
mv "$tmp/caffe.pb-c.c" "$out/caffe.pb-c.c"
mv "$tmp/caffe.pb-c.h" "$out/include/caffe.pb-c.h"
echo "regenerated $out/caffe.pb-c.c and $out/include/caffe.pb-c.h with $(protoc-c --version | head -1)"
