#!/usr/bin/env python3
"""What a Keras user runs to get the model into memory: `keras.models.load_model` (Keras 3, JAX
backend, CPU), then one array access so nothing stays lazy."""
import os
import math
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import keras  # noqa: E402

model = keras.models.load_model(sys.argv[1], compile=False)
print(sum(math.prod(w.shape) for w in model.weights), "values")
