#!/usr/bin/env python3
"""Arithmetic written as operations on symbolic tensors, as keras.applications writes it
(MobileNetV3's hard sigmoid `ReLU(6)(x + 3) * (1 / 6)`, squeeze-and-excitation scales that
broadcast `[N, 1, 1, C]` against `[N, H, W, C]`): Keras 3 records each as an operation node
(`keras.src.ops.numpy.Add` on `[x, 3.0]`), tf.keras 2 as a `TFOpLambda` (`__operators__.add` with
`y: 3.0`). Saved with the input and the output Keras computes (`<name>.npz`: `input` NHWC, `output`).

    KERAS_BACKEND=jax .build-keras-venv/bin/python Tests/Fixtures/keras/ops/make_ops.py Tests/Fixtures/keras/ops
    .build-tfkeras-venv/bin/python Tests/Fixtures/keras/ops/make_ops.py Tests/Fixtures/keras/ops --tf-keras"""
import os
import sys

import numpy as np

TF_KERAS = "--tf-keras" in sys.argv
if TF_KERAS:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf  # noqa: E402
    import tf_keras as keras  # noqa: E402
    from tf_keras import layers as L  # noqa: E402
    from tf_keras.src.applications.convnext import LayerScale  # noqa: E402
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras  # noqa: E402
    from keras import layers as L  # noqa: E402
    from keras.src.applications.convnext import LayerScale  # noqa: E402
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
prefix = "tfk_" if TF_KERAS else "k3_"
keras.utils.set_random_seed(3)
rng = np.random.default_rng(23)
H, W, C = 13, 11, 6


def hard_sigmoid(x):
    return L.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def model():
    inp = keras.Input((H, W, 3), name="pixels")
    x = L.Rescaling(1.0 / 127.5, offset=-1.0)(inp)
    x = L.Conv2D(C, 3, padding="same")(x)
    x = L.Multiply()([x, hard_sigmoid(x)])                        # hard swish
    # Squeeze-and-excitation: [N, 1, 1, C] scales [N, H, W, C].
    se = L.GlobalAveragePooling2D()(x)
    se = L.Reshape((1, 1, C))(se)
    se = L.Conv2D(C, 1, activation="sigmoid")(se)
    x = L.Multiply()([x, se])
    # A per-position map [N, H, W, 1] added to every channel, constants on both sides.
    m = L.Conv2D(1, 1)(x)
    x = L.Add()([x, m])
    x = 2.0 - x
    x = x / 4.0
    x = x - 0.5
    y = L.Conv2D(C, 1)(x)
    x = x * y                                                        # two tensors, as an operation
    x = L.Subtract()([x, L.Conv2D(C, 1)(x)])
    x = L.Maximum()([x, L.Conv2D(1, 1)(x)])                          # broadcast max
    if TF_KERAS:
        x = tf.nn.relu6(x)
    else:
        x = L.Activation("hard_silu")(x)                             # MobileNetV3's hard swish
        x = CustomScaleLayer(0.17)([x, L.Conv2D(C, 1)(x)])           # InceptionResNetV2's residual scale
    x = L.Conv2D(C, 1, activation="gelu")(x)                         # ConvNeXt's GELU (exact)
    # ConvNeXt's block tail: LayerNormalization over channels, a Dense on the 4-D tensor, LayerScale.
    x = L.LayerNormalization(epsilon=1e-6)(x)
    x = L.Dense(C)(x)
    x = LayerScale(0.5, C)(x)
    x = L.LayerNormalization(axis=[1, 2, 3])(x)                      # several axes
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inp, L.Dense(5)(x), name="ops_zoo")


m = model()
for layer in m.layers:
    ws = layer.get_weights()
    if ws:
        layer.set_weights([(rng.standard_normal(w.shape) * 0.5 + (1 if type(layer).__name__ == "LayerNormalization" and i == 0 else 0))
                           .astype(np.float32) for i, w in enumerate(ws)])
x = rng.uniform(0, 255, (2, H, W, 3)).astype(np.float32)
y = m.predict(x, verbose=0)
name = prefix + "ops_zoo"
np.savez(os.path.join(out, f"{name}.npz"), input=x, output=y)
m.save(os.path.join(out, f"{name}.h5"))
if not TF_KERAS:
    m.save(os.path.join(out, f"{name}.keras"))
    m.save_weights(os.path.join(out, f"{name}.weights.h5"))
print(name, [type(l).__name__ for l in m.layers])
