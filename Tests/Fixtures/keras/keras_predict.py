#!/usr/bin/env python3
"""Loads Keras files with real Keras and writes its predictions, for Graft's export tests.

usage: KERAS_BACKEND=jax keras_predict.py JOBS.json
JOBS.json: [{"mode": "h5" | "keras3" | "tfk", "model": PATH, "architecture": PATH-or-null,
             "input": X.npy, "output": Y.npy}, ...]
  h5      keras.models.load_model(model, compile=False)      (a Keras 2 full-model .h5)
  keras3  keras.models.model_from_json(architecture) then model.load_weights(model)
  tfk     tf_keras.models.load_model(model, compile=False)   (Keras 2 itself; needs tensorflow + tf-keras)
Each job prints OK or FAIL with the reason; the exit status is the number of failures."""
import json
import os
import sys

jobs = json.load(open(sys.argv[1]))
if all(job["mode"] == "tfk" for job in jobs):
    import tf_keras as keras  # noqa: E402
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras  # noqa: E402
import numpy as np  # noqa: E402

# Keras 3 builds a functional graph by recursing once per layer of depth
# (keras/src/ops/function.py, _build_map_helper): at Python's default limit of 1000 it cannot load
# the deepest applications at all -- tf.keras's own ResNetRS270/350/420 .h5 files included -- so a
# user must raise the limit, and so do we.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 50_000))

failures = 0
for job in jobs:
    try:
        if job["mode"] in ("h5", "tfk"):
            model = keras.models.load_model(job["model"], compile=False)
        else:
            with open(job["architecture"]) as f:
                model = keras.models.model_from_json(f.read())
            model.load_weights(job["model"])
        x = np.load(job["input"])
        y = model.predict(x, verbose=0)
        np.save(job["output"], np.asarray(y, dtype=np.float32))
        print(f"OK   {job['model']}: {len(model.layers)} layers, output {np.shape(y)}")
    except Exception as e:  # report and go on
        failures += 1
        print(f"FAIL {job['model']}: {type(e).__name__}: {str(e)[:800]}")
sys.exit(failures)
