#!/usr/bin/env python3
"""Small Keras 3 models that exercise every layer mapper of Graft's Keras importer, saved by
real Keras in both containers (legacy full-model .h5 and .keras), with a fixed input and the
output Keras computes for it (zoo_<name>.npz: keys `input` NHWC/NCHW as the model takes it,
`output`). Run with the venv from Scripts/make-keras-venv.sh:

    KERAS_BACKEND=jax .build-keras-venv/bin/python Tests/Fixtures/keras/zoo/make_zoo.py Tests/Fixtures/keras/zoo

Odd, non-square sizes everywhere so that a height/width or begin/end mix-up cannot pass."""
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(7)
rng = np.random.default_rng(11)


def randomize(model):
    """Non-trivial weights everywhere (Keras's zero biases and unit BN stats would hide bugs)."""
    for layer in model.layers:
        ws = layer.get_weights()
        # An adapted Normalization computes with the statistics adapt() finalized, not with its
        # weights: leave them as adapted.
        if not ws or type(layer).__name__ == "Normalization":
            continue
        new = []
        for w in ws:
            if type(layer).__name__ in ("BatchNormalization",) and w.ndim == 1:
                new.append(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
            elif w.dtype.kind == "f":
                new.append((rng.standard_normal(w.shape) * 0.5).astype(np.float32))
            else:
                new.append(w)
        layer.set_weights(new)


def conv_zoo():
    x = inp = keras.Input((9, 11, 3), name="image")
    x = L.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu", name="conv_same_s21")(x)
    x = L.DepthwiseConv2D((3, 3), strides=2, depth_multiplier=2, padding="same", activation="relu6", name="dw_m2")(x)
    x = L.SeparableConv2D(5, (2, 3), padding="same", depth_multiplier=2, activation="swish", name="sep")(x)
    x = L.Conv2D(6, 3, dilation_rate=2, padding="same", activation="hard_sigmoid", name="dilated")(x)
    x = L.Conv2D(6, 3, groups=2, padding="valid", activation="tanh", name="grouped")(x)
    x = L.Conv2DTranspose(4, 3, strides=3, padding="valid", activation="elu", name="deconv_k3s3")(x)
    x = L.Conv2D(4, 3, strides=3, name="shrink")(x)
    x = L.Conv2DTranspose(3, (3, 3), strides=2, padding="same", activation="sigmoid", name="deconv_same")(x)
    x = L.Conv2DTranspose(2, (2, 3), strides=(2, 3), padding="valid", output_padding=(1, 2), name="deconv_op")(x)
    x = L.Conv2DTranspose(3, (4, 3), strides=(2, 2), padding="same", output_padding=(1, 0), use_bias=False,
                          name="deconv_same_op")(x)
    x = L.Conv2D(2, 3, strides=3, activation="selu", name="final")(x)
    return keras.Model(inp, x, name="conv_zoo")


def pool_zoo():
    x = inp = keras.Input((10, 13, 4), name="image")
    x = L.MaxPooling2D(3, strides=2, padding="same", name="max_same")(x)
    x = L.AveragePooling2D((2, 3), strides=(1, 2), padding="same", name="avg_same")(x)
    x = L.ZeroPadding2D(((1, 2), (0, 3)), name="pad")(x)
    x = L.Cropping2D(((2, 1), (1, 0)), name="crop")(x)
    a = L.AveragePooling2D(2, padding="valid", name="avg_valid")(x)
    b = L.MaxPooling2D((2, 3), padding="valid", name="max_valid")(x)
    ga = L.GlobalAveragePooling2D(name="gap")(a)
    gm = L.GlobalMaxPooling2D(keepdims=True, name="gmp_keep")(b)
    gm = L.Flatten(name="gmp_flat")(gm)
    x = L.Concatenate(name="concat")([ga, gm])
    x = L.Dense(5, activation="softmax", name="head")(x)
    return keras.Model(inp, x, name="pool_zoo")


def merge_zoo():
    x = inp = keras.Input((8, 7, 3), name="image")
    a = L.Conv2D(4, 3, padding="same", name="a")(x)
    b = L.Conv2D(4, 1, name="b")(x)
    x = L.Add(name="add")([a, b])
    x = L.Multiply(name="mul")([x, b])
    x = L.BatchNormalization(center=False, epsilon=0.01, name="bn_noshift")(x)
    x = L.PReLU(shared_axes=[1, 2], name="prelu")(x)
    x = L.LeakyReLU(negative_slope=0.1, name="leaky")(x)
    x = L.ELU(alpha=0.5, name="elu")(x)
    x = L.ReLU(max_value=4.0, negative_slope=0.1, threshold=0.5, name="relu_full")(x)
    t = L.Activation("tanh", name="tanh")(x)
    s = L.Activation("selu", name="selu")(x)
    p = L.Activation("softplus", name="softplus")(x)
    d = L.Subtract(name="sub")([t, s])
    m = L.Maximum(name="max")([s, p])
    v = L.Average(name="avg")([t, s, p])
    x = L.Concatenate(axis=-1, name="concat_c")([d, m, v])
    x = L.Concatenate(axis=1, name="concat_h")([x, x])
    x = L.Permute((2, 1, 3), name="swap_hw")(x)
    x = L.Conv2D(3, 1, name="mix")(x)
    x = L.Dropout(0.3, name="drop")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(7, activation="softmax", name="dense")(x)
    return keras.Model(inp, x, name="merge_zoo")


def dense_zoo():
    x = inp = keras.Input((5, 6, 2), name="image")
    x = L.Dense(3, activation="relu", name="dense_rank4")(x)
    x = L.Reshape((15, 6), name="to_rank3")(x)
    x = L.Dense(4, name="dense_rank3")(x)
    x = L.Softmax(axis=1, name="softmax_axis1")(x)
    x = L.Reshape((6, 5, 2), name="to_image")(x)
    x = L.Conv2D(3, (2, 2), name="conv")(x)
    x = L.BatchNormalization(axis=2, name="bn_width")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.PReLU(name="prelu_flat")(x)
    x = L.Dense(4, name="out")(x)
    x = L.Softmax(name="softmax")(x)
    return keras.Model(inp, x, name="dense_zoo")


def norm_zoo():
    x = inp = keras.Input((6, 7, 3), name="image")
    x = L.Rescaling(1 / 255.0, offset=-0.5, name="rescale")(x)
    x = L.Normalization(mean=[0.1, -0.2, 0.3], variance=[2.0, 0.5, 1.5], name="norm_fixed")(x)
    adapted = L.Normalization(name="norm_adapted")
    adapted.adapt(rng.standard_normal((16, 6, 7, 3)).astype(np.float32) * 3 + 1)
    x = adapted(x)
    x = L.BatchNormalization(axis=1, name="bn_rows")(x)
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="leaky_relu", name="conv")(x)
    x = L.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = L.Reshape((4,), name="squeeze")(x)
    return keras.Model(inp, x, name="norm_zoo")


def channels_first_zoo():
    x = inp = keras.Input((3, 9, 10), name="image")
    x = L.Conv2D(4, 3, padding="same", data_format="channels_first", activation="relu", name="conv")(x)
    x = L.MaxPooling2D(2, data_format="channels_first", name="pool")(x)
    x = L.BatchNormalization(axis=1, name="bn")(x)
    x = L.DepthwiseConv2D(3, padding="same", data_format="channels_first", name="dw")(x)
    x = L.Flatten(data_format="channels_first", name="flatten")(x)
    x = L.Dense(5, name="dense")(x)
    return keras.Model(inp, x, name="channels_first_zoo")


for make in (conv_zoo, pool_zoo, merge_zoo, dense_zoo, norm_zoo, channels_first_zoo):
    model = make()
    randomize(model)
    name = model.name
    shape = (2,) + tuple(model.input_shape[1:])
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    if name == "norm_zoo":
        x = x * 255
    y = model.predict(x, verbose=0)
    np.savez(os.path.join(out, f"{name}.npz"), input=x, output=y)
    model.save(os.path.join(out, f"{name}.h5"))
    model.save(os.path.join(out, f"{name}.keras"))
    # Keras reads its own files back to the same outputs.
    for suffix in (".h5", ".keras"):
        again = keras.models.load_model(os.path.join(out, name + suffix), compile=False).predict(x, verbose=0)
        np.testing.assert_allclose(again, y, rtol=1e-5, atol=1e-6, err_msg=name + suffix)
    print(f"{name}: input {shape} -> output {y.shape}, {model.count_params()} parameters")
