#!/usr/bin/env python3
"""Writes a VGG16-sized Keras 2 full-model .h5 (the keras.applications VGG16 architecture,
138,357,544 random float32 parameters, about 528 MiB) with h5py alone: `model_config` as tf.keras
writes it, `model_weights/<layer>/<layer>/<weight>:0` datasets, `layer_names`/`weight_names`.
No weights are downloaded.

usage: make_vgg16_h5.py OUT.h5"""
import json
import sys

import h5py
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)

layers = [("input_1", "InputLayer", {"batch_input_shape": [None, 224, 224, 3], "dtype": "float32",
                                     "sparse": False, "ragged": False, "name": "input_1"}, None, [])]
weights = {}
channels = 3
previous = "input_1"
for block, (count, filters) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], start=1):
    for i in range(1, count + 1):
        name = f"block{block}_conv{i}"
        layers.append((name, "Conv2D", {"filters": filters, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                                        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                                        "activation": "relu", "use_bias": True}, previous, []))
        weights[name] = [("kernel", (3, 3, channels, filters)), ("bias", (filters,))]
        channels = filters
        previous = name
    name = f"block{block}_pool"
    layers.append((name, "MaxPooling2D", {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                          "data_format": "channels_last"}, previous, []))
    previous = name
layers.append(("flatten", "Flatten", {"data_format": "channels_last"}, previous, []))
previous = "flatten"
for name, units, inputs, activation in [("fc1", 4096, 25088, "relu"), ("fc2", 4096, 4096, "relu"),
                                        ("predictions", 1000, 4096, "softmax")]:
    layers.append((name, "Dense", {"units": units, "activation": activation, "use_bias": True}, previous, []))
    weights[name] = [("kernel", (inputs, units)), ("bias", (units,))]
    previous = name

config = {"class_name": "Functional", "config": {"name": "vgg16", "trainable": True, "layers": [
    {"class_name": cls, "name": name,
     "config": cfg if cls == "InputLayer" else dict({"name": name, "trainable": True, "dtype": "float32"}, **cfg),
     "inbound_nodes": [] if inbound is None else [[[inbound, 0, 0, {}]]]}
    for name, cls, cfg, inbound, _ in layers],
    "input_layers": [["input_1", 0, 0]], "output_layers": [["predictions", 0, 0]]},
    "keras_version": "2.15.0", "backend": "tensorflow"}

with h5py.File(out, "w") as f:
    f.attrs["keras_version"] = "2.15.0"
    f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps(config)
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = np.array([name.encode() for name, *_ in layers])
    g.attrs["backend"] = "tensorflow"
    g.attrs["keras_version"] = "2.15.0"
    total = 0
    for name, *_ in layers:
        lg = g.create_group(name)
        ws = weights.get(name, [])
        lg.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode() for w, _ in ws])
        for w, shape in ws:
            scale = 0.01 if w == "kernel" else 0.1
            lg.create_dataset(f"{name}/{w}:0", data=(rng.standard_normal(shape, dtype=np.float32) * scale))
            total += int(np.prod(shape))
print(f"wrote {out}: {total:,} parameters")
