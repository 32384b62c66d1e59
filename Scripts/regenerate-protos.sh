#!/usr/bin/env bash
# Regenerates the committed protobuf-c sources from the schemas: schemas/caffe.proto into
# Sources/C/CCaffeProto and schemas/onnx.proto into Sources/C/CONNXProto.
# Needs protoc-c (Debian: protobuf-c-compiler). A normal build does not: the output is committed.
#   Scripts/regenerate-protos.sh [caffe|onnx]...   # default: both
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v protoc-c >/dev/null || { echo "protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
regenerate() {  # schema-name target-directory
  local name=$1 out="$root/Sources/C/$2"
  protoc-c --proto_path="$root/schemas" --c_out="$tmp" "$root/schemas/$name.proto"
  mkdir -p "$out/include"
  mv "$tmp/$name.pb-c.c" "$out/$name.pb-c.c"
  mv "$tmp/$name.pb-c.h" "$out/include/$name.pb-c.h"
  echo "regenerated $out/$name.pb-c.c and $out/include/$name.pb-c.h with $(protoc-c --version | head -1)"
}
for which in "${@:-caffe onnx}"; do
  for w in $which; do
    case $w in
      caffe) regenerate caffe CCaffeProto ;;
      onnx) regenerate onnx CONNXProto ;;
      *) echo "unknown schema '$w' (caffe or onnx)" >&2; exit 2 ;;
    esac
  done
done
