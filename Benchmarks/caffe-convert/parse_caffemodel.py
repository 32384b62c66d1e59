#!/usr/bin/env python3
"""Parse a .caffemodel with Python protobuf (upb) into numpy float32 arrays, nothing more.

usage: parse_caffemodel.py PB_DIR FILE.caffemodel
PB_DIR holds caffe_pb2.py compiled from Graft's schemas/caffe.proto (same field numbers as BVLC).
"""
import sys
import time

sys.path.insert(0, sys.argv[1])
import caffe_pb2  # noqa: E402
import numpy as np  # noqa: E402
from google.protobuf.internal import api_implementation  # noqa: E402

start = time.perf_counter()
with open(sys.argv[2], "rb") as f:
    data = f.read()
net = caffe_pb2.NetParameter()
net.ParseFromString(data)
arrays = {}
for layer in net.layer:
    for i, blob in enumerate(layer.blobs):
        arrays[f"{layer.name}.{i}"] = np.asarray(blob.data, dtype=np.float32).reshape(tuple(blob.shape.dim))
elapsed = time.perf_counter() - start
values = sum(a.size for a in arrays.values())
print(f"python-protobuf ({api_implementation.Type()}): {len(arrays)} arrays, {values} values in {elapsed:.3f} s")
