#!/usr/bin/env python3
"""Writes the largest keras.applications network (EfficientNetB7 by default; any name given)
with random weights as `.keras` and legacy `.h5`, for the conversion benchmark. Nothing is
downloaded (`weights=None`).

    KERAS_BACKEND=jax .build-keras-venv/bin/python make_model.py OUTDIR [EfficientNetB7]"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

out = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else "EfficientNetB7"
model = getattr(keras.applications, name)(weights=None)
model.save(os.path.join(out, f"{name}.keras"))
model.save(os.path.join(out, f"{name}.h5"))
print(name, model.count_params(), "parameters")
