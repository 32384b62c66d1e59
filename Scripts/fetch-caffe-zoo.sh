#!/bin/sh
# Downloads the zoo prototxts whose repositories state no licence (so they are not committed; see
# Tests/Fixtures/caffe/zoo/README.md) into $GRAFT_CAFFE_ZOO (default /work/caffe-zoo-cache), at
# pinned commits, checking each file's SHA-256. Run by hand; the tests never download anything.
set -eu
dir=${GRAFT_CAFFE_ZOO:-/work/caffe-zoo-cache}
mkdir -p "$dir"
fetch() { # name repo commit path sha256
    url="https://raw.githubusercontent.com/$2/$3/$4"
    if [ ! -f "$dir/$1" ]; then curl -fsSL "$url" -o "$dir/$1.part" && mv "$dir/$1.part" "$dir/$1"; fi
    echo "$5  $dir/$1" | sha256sum -c -
}
fetch densenet121.prototxt shicai/DenseNet-Caffe d47f7b7292989a02dd853526f2faf9ceaaf23526 DenseNet_121.prototxt \
    baeed2a423794c2c8dc1a80ad96e961112224fa1d319d535735ba93a2b535170
fetch shufflenet_1x_g3.prototxt farmingyard/ShuffleNet b9624442bd410bbd2aadc820122b138e63039d70 shufflenet_1x_g3_deploy.prototxt \
    1f2f039871b399d9689077e34b5c0a1fe202584f4809fb3e3e6a6abe407abe21
fetch shufflenet_v2_1x.prototxt farmingyard/ShuffleNet b9624442bd410bbd2aadc820122b138e63039d70 shufflenet_v2_1x_deploy.prototxt \
    9ef1b0027fc04c30e363b8d17fa10e50ba1c6fc55082b4ee5b9ac707a7959967
