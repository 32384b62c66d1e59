#!/usr/bin/env python3
"""Nested Keras models: a small "pretrained base" used as a layer inside a transfer-learning model,
the shape every Keras fine-tuning tutorial saves. Written by real Keras (3, or tf.keras 2 with
`--tf-keras`) in every layout: full `.h5`, `.keras` (Keras 3 only), `.weights.h5` / weights-only
`.h5`; with a fixed input and the output Keras computes (`<name>.npz`: `input` NHWC, `output`).

    KERAS_BACKEND=jax .build-keras-venv/bin/python Tests/Fixtures/keras/nested/make_nested.py Tests/Fixtures/keras/nested
    .build-tfkeras-venv/bin/python Tests/Fixtures/keras/nested/make_nested.py Tests/Fixtures/keras/nested --tf-keras

Models (odd, non-square sizes; every weight random, BatchNorm statistics away from 0 and 1):
- `seq_head`: Sequential([Input, base (frozen), GlobalAveragePooling2D, Dropout, Dense softmax]);
- `func_head`: functional Input -> base (frozen) -> GlobalAveragePooling2D -> Dense, base's second
  output (a side branch) also pooled and concatenated;
- `deep`: functional -> Sequential -> functional base (nesting depth 2, the inner Sequential
  frozen);
- `shared`: one base called on two inputs (siamese), outputs concatenated, then Dense."""
import os
import sys

import numpy as np

TF_KERAS = "--tf-keras" in sys.argv
if TF_KERAS:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tf_keras as keras  # noqa: E402
    from tf_keras import layers as L  # noqa: E402
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras  # noqa: E402
    from keras import layers as L  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
prefix = "tfk_" if TF_KERAS else "k3_"
keras.utils.set_random_seed(5)
rng = np.random.default_rng(17)
H, W = 21, 17


def randomize(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            randomize(layer)
            continue
        ws = layer.get_weights()
        if not ws:
            continue
        new = []
        for w in ws:
            if type(layer).__name__ == "BatchNormalization":
                new.append(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
            else:
                new.append((rng.standard_normal(w.shape) * 0.4).astype(np.float32))
        layer.set_weights(new)


def base(name, outputs=1):
    """A small functional 'pretrained' network: conv, BN, ReLU6, depthwise, residual add."""
    inp = keras.Input((H, W, 3), name=f"{name}_input")
    x = L.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inp)
    x = L.BatchNormalization(name="stem_bn")(x)
    x = L.ReLU(6.0, name="stem_relu")(x)
    y = L.DepthwiseConv2D(3, padding="same", name="block_dw")(x)
    y = L.BatchNormalization(name="block_bn")(y)
    y = L.Conv2D(8, 1, name="block_project")(y)
    x = L.Add(name="block_add")([x, y])
    side = L.Conv2D(5, 1, name="side_conv")(x)
    x = L.Conv2D(12, 3, padding="valid", activation="relu", name="top_conv")(x)
    return keras.Model(inp, [x, side] if outputs == 2 else x, name=name)


def seq_head():
    b = base("tiny_base")
    b.trainable = False
    return keras.Sequential([keras.Input((H, W, 3)), b, L.GlobalAveragePooling2D(), L.Dropout(0.3),
                             L.Dense(3, activation="softmax")], name="seq_head")


def func_head():
    b = base("tiny_base2", outputs=2)
    b.trainable = False
    inp = keras.Input((H, W, 3), name="image")
    main, side = b(inp)
    x = L.Concatenate()([L.GlobalAveragePooling2D()(main), L.GlobalMaxPooling2D()(side)])
    x = L.Dense(4, name="head")(x)
    return keras.Model(inp, x, name="func_head")


def deep():
    inner = keras.Sequential([keras.Input((H, W, 3)), base("core"), L.Conv2D(6, 1, name="adapter")], name="backbone")
    inner.trainable = False
    inp = keras.Input((H, W, 3), name="scan")
    x = inner(inp)
    x = L.Flatten()(x)
    x = L.Dense(2, name="logits")(x)
    return keras.Model(inp, x, name="deep")


def shared():
    b = base("twin")
    a_in = keras.Input((H, W, 3), name="left")
    b_in = keras.Input((H, W, 3), name="right")
    x = L.Concatenate()([L.GlobalAveragePooling2D()(b(a_in)), L.GlobalAveragePooling2D()(b(b_in))])
    return keras.Model([a_in, b_in], L.Dense(2, name="similarity")(x), name="shared")


for make in (seq_head, func_head, deep, shared):
    model = make()
    randomize(model)
    name = prefix + make.__name__
    n_inputs = len(model.inputs)
    xs = [rng.random((2, H, W, 3), dtype=np.float32) for _ in range(n_inputs)]
    y = model.predict(xs if n_inputs > 1 else xs[0], verbose=0)
    arrays = {"output": y}
    if n_inputs > 1:
        arrays.update({f"input{i}": x for i, x in enumerate(xs)})
    else:
        arrays["input"] = xs[0]
    np.savez(os.path.join(out, f"{name}.npz"), **arrays)
    model.save(os.path.join(out, f"{name}.h5"))
    if TF_KERAS:
        model.save_weights(os.path.join(out, f"{name}_weights.h5"))
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            f.write(model.to_json())
    else:
        model.save(os.path.join(out, f"{name}.keras"))
        model.save_weights(os.path.join(out, f"{name}.weights.h5"))
    print(name, [w.shape for w in xs], "->", y.shape)
