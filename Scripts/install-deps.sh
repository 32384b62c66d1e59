#!/usr/bin/env bash
# Installs the Debian packages Graft builds against, only those missing; uses sudo when not root.
# Usage: Scripts/install-deps.sh
set -euo pipefail

packages=(pkg-config libhdf5-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev libssl-dev libpng-dev
          libturbojpeg0-dev zlib1g-dev libgdcm-dev libnifti2-dev libniftiio-dev libopenjp2-7-dev librsvg2-bin fonts-dejavu-core chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing missing system packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: the Swift toolchain (6.0 or newer) is not on PATH; install it from swift.org" >&2
  exit 1
fi
