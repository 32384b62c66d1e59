#!/usr/bin/env python3
"""Builds every `keras.applications` architecture with random weights and writes it in every
layout Graft imports, with a fixed input and the output Keras computes, for
`Tests/GraftKerasTests/KerasApplicationsSweepTests.swift` (`make sweep` runs both).

    Scripts/keras-sweep.py OUTDIR [--only NAME,...] [--skip-large]             # Keras 3 (JAX)
    Scripts/keras-sweep.py OUTDIR --tf-keras [--only NAME,...] [--skip-large]  # tf.keras 2

Run it with the venv's python: `.build-keras-venv/bin/python` (Keras 3; KERAS_BACKEND is set to
jax here) or `.build-tfkeras-venv/bin/python` with `--tf-keras` (TF_USE_LEGACY_KERAS=1 is set
here, and `tf_keras` is imported).

Architectures are discovered, not listed: every public function of `keras.applications` (and its
submodules) that takes `weights` and `include_top`. Each is built with `weights=None` at the
smallest square input it accepts with `include_top=False` (32, 48, 64, 75, 96, 128, 160, 224 are
tried in turn); when none builds, with `include_top=True, classes=10` at its default size. The
manifest records which. MobileNetV3 (and any architecture with `include_preprocessing`) is built
twice: as is, and with `include_preprocessing=False` (suffix `_nopre`).

Weights: the Keras initialisers, then made non-trivial where the initialisers leave them neutral:
BatchNormalization moving_mean ~ N(0, 0.1), moving_variance ~ U(0.5, 1.5), gamma ~ U(0.8, 1.2),
beta ~ N(0, 0.1); LayerNormalization gamma/beta likewise; zero biases ~ N(0, 0.05); ConvNeXt's
LayerScale gamma (1e-6 by default, which would make every block an identity) ~ U(0.1, 0.5);
an un-adapted 3-channel Normalization layer gets the ImageNet mean/variance. Then every
BatchNormalization's moving variance gets a floor: one forward pass in training mode over a
separate batch of 8 inputs (momentum 0, Dropout off) measures the variance of what reaches each
layer, and the stored variance becomes at least 4x that, so every layer scales its input down.
Without the floor the deepest residual stacks (ResNetRS152+, EfficientNetV2M/L) grew their
activations to 1e2-1e10 and were chaotic (EfficientNetV2M's output moved by 79 % when its input
moved by 1e-7); fully calibrated statistics (unit variance after every layer) were chaotic too.
The manifest records each reference's sensitivity: the largest change of the output when the
input is multiplied by 1 + 1e-7·N(0, 1), the rounding-level noise any engine's answer carries.
The reference output is computed by the model reloaded from the saved file (Keras 3's EfficientNet
in memory computed 3.8e-5 apart from the same model reloaded).

Input: batch 2, NHWC float32, numpy default_rng(0) uniform in [0, 255], then the family's
`preprocess_input` (the identity for the architectures that carry their own preprocessing:
EfficientNet, ConvNeXt, MobileNetV3, RegNet, ResNetRS). `_nopre` variants get [-1, 1] instead.

Per architecture NAME: Keras 3 writes NAME.keras, NAME.h5 (legacy full model), NAME.weights.h5;
tf.keras writes NAME.h5, NAME_weights.h5 and NAME.json; both write NAME.npz (`input`, `output` =
model.predict). OUTDIR/manifest.json lists {name, family, function, input_shape, include_top,
classes, include_preprocessing, input_range, files, layouts, params, seconds, error,
calibrated_batchnorms, output_rms, output_sensitivity}; it is
rewritten after every model, so an interrupted run keeps what it made (`--resume` skips models
already in it).
"""
import argparse
import gc
import inspect
import json
import os
import sys
import time
import traceback

# The largest architectures (minutes each, gigabytes on disk), left out by --skip-large.
LARGE = {
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge", "EfficientNetB5", "EfficientNetB6",
    "EfficientNetB7", "EfficientNetV2M", "EfficientNetV2L", "NASNetLarge", "ResNetRS200",
    "ResNetRS270", "ResNetRS350", "ResNetRS420", "RegNetX120", "RegNetX160", "RegNetX320",
    "RegNetY120", "RegNetY160", "RegNetY320",
}
SIZES = [32, 48, 64, 75, 96, 128, 160, 224]


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--only", default="", help="comma-separated architecture names (NAME or NAME_nopre)")
    p.add_argument("--skip-large", action="store_true", help="leave out: " + ", ".join(sorted(LARGE)))
    p.add_argument("--tf-keras", action="store_true", help="tf.keras 2 (tf_keras) instead of Keras 3")
    p.add_argument("--resume", action="store_true", help="keep models already in OUTDIR/manifest.json")
    p.add_argument("--list", action="store_true", help="print the discovered architectures and exit")
    return p.parse_args()


args = parse()
if args.tf_keras:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

if args.tf_keras:
    import tf_keras as keras  # noqa: E402
else:
    import keras  # noqa: E402


def discover():
    """{name: function} for every architecture function in keras.applications."""
    found = {}

    def consider(name, obj):
        if not (name[:1].isupper() and inspect.isfunction(obj)):
            return
        try:
            params = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            return
        if "weights" in params and "include_top" in params:
            found.setdefault(name, obj)

    apps = keras.applications
    for name in dir(apps):
        obj = getattr(apps, name)
        if inspect.ismodule(obj):
            for inner in dir(obj):
                consider(inner, getattr(obj, inner))
        else:
            consider(name, obj)
    return dict(sorted(found.items()))


def family_of(fn):
    return fn.__module__.rsplit(".", 1)[-1]


def preprocess_for(fn):
    module = sys.modules.get(fn.__module__)
    return getattr(module, "preprocess_input", None)


def cases(functions):
    """(case name, function, extra kwargs) for every architecture and variant."""
    out = []
    for name, fn in functions.items():
        out.append((name, fn, {}))
        params = inspect.signature(fn).parameters
        if "include_preprocessing" in params and name.startswith("MobileNetV3"):
            out.append((name + "_nopre", fn, {"include_preprocessing": False}))
    return out


def build(fn, extra):
    """The model at the smallest accepted input, and how it was built."""
    errors = []
    for size in SIZES:
        try:
            model = fn(weights=None, include_top=False, input_shape=(size, size, 3), **extra)
        except Exception as e:  # Keras rejects the size: try the next one.
            errors.append(f"{size}: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}")
            keras.backend.clear_session()
            continue
        shape = tuple(model.outputs[0].shape)
        if any(d is not None and d <= 0 for d in shape):
            errors.append(f"{size}: empty output {shape}")
            continue
        return model, {"include_top": False, "classes": None, "input_shape": [size, size, 3]}, errors
    model = fn(weights=None, include_top=True, classes=10, **extra)
    shape = [int(d) for d in model.inputs[0].shape[1:]]
    return model, {"include_top": True, "classes": 10, "input_shape": shape}, errors


def all_layers(model):
    """Every layer, nested models' layers included, in order."""
    layers = []

    def walk(layer):
        layers.append(layer)
        for inner in getattr(layer, "layers", []) or []:
            if inner is not layer:
                walk(inner)

    for layer in model.layers:
        walk(layer)
    return layers


def randomise(model, rng):
    """Makes the weights the initialisers leave neutral (BN statistics, zero biases) non-trivial."""
    layers = all_layers(model)
    for layer in layers:
        weights = layer.weights
        if not weights:
            continue
        kind = type(layer).__name__
        values = layer.get_weights()
        changed = False
        for i, (w, v) in enumerate(zip(weights, values)):
            base = w.name.split("/")[-1].split(":")[0]
            shape = v.shape
            new = None
            if kind.startswith("BatchNormalization") or kind == "SyncBatchNormalization":
                new = {"moving_mean": lambda: rng.normal(0, 0.1, shape),
                       "moving_variance": lambda: rng.uniform(0.5, 1.5, shape),
                       "gamma": lambda: rng.uniform(0.8, 1.2, shape),
                       "beta": lambda: rng.normal(0, 0.1, shape)}.get(base, lambda: None)()
            elif kind == "LayerNormalization":
                new = {"gamma": lambda: rng.uniform(0.8, 1.2, shape),
                       "beta": lambda: rng.normal(0, 0.1, shape)}.get(base, lambda: None)()
            elif kind == "LayerScale" and base == "gamma":
                new = rng.uniform(0.1, 0.5, shape)
            elif kind == "Normalization" and v.size == 3:
                if base == "mean":
                    new = np.array([0.485, 0.456, 0.406]).reshape(shape)
                elif base == "variance":
                    new = (np.array([0.229, 0.224, 0.225]) ** 2).reshape(shape)
            elif base == "bias" and v.size and not np.any(v):
                new = rng.normal(0, 0.05, shape)
            if new is not None:
                values[i] = np.asarray(new, dtype=v.dtype)
                changed = True
        if changed:
            layer.set_weights(values)


def calibrate(model, x):
    """Floors every BatchNormalization's moving variance at 4x the variance of its input over `x`,
    measured in one training-mode pass with momentum 0 (each layer normalising with the batch's
    statistics, so every later layer sees an input of known spread); the means stay random."""
    layers = all_layers(model)
    norms = [l for l in layers if type(l).__name__.startswith("BatchNormalization")
             or type(l).__name__ == "SyncBatchNormalization"]
    if not norms:
        return 0
    # Dropout off for the pass: EfficientNet's stochastic depth drops whole residual branches in
    # training mode, and statistics measured so would not be what inference sees.
    drops = [l for l in layers if "Dropout" in type(l).__name__ and hasattr(l, "rate")]
    saved = [l.momentum for l in norms], [l.rate for l in drops]
    randoms = [(np.asarray(l.moving_mean), np.asarray(l.moving_variance)) for l in norms]
    for l in norms:
        l.momentum = 0.0
    for l in drops:
        l.rate = 0.0
    try:
        model(x, training=True)
    finally:
        for l, m in zip(norms, saved[0]):
            l.momentum = m
        for l, r in zip(drops, saved[1]):
            l.rate = r
    # The random mean back, and a variance no smaller than 4x the measured one: each layer then
    # scales its input down (to at most half its spread), so activations cannot grow with depth,
    # and a perturbation shrinks instead of growing (fully calibrated statistics made the nets
    # more sensitive, not less: EfficientNetV2S's output moved by 73 % under a 1e-7 change).
    for l, (mean, variance) in zip(norms, randoms):
        measured = np.asarray(l.moving_variance)
        l.moving_mean.assign(mean)
        l.moving_variance.assign(np.maximum(variance, 4 * measured).astype(variance.dtype))
    return len(norms)


def make_input(fn, meta, extra, rng, batch=2):
    raw = rng.uniform(0, 255, size=[batch] + meta["input_shape"]).astype("float32")
    if extra.get("include_preprocessing") is False:
        return (raw / 127.5 - 1).astype("float32"), "[-1, 1]"
    pre = preprocess_for(fn)
    if pre is None:
        return raw, "[0, 255]"
    x = np.asarray(pre(raw.copy())).astype("float32")
    return x, "[0, 255]" if np.array_equal(x, raw) else f"[0, 255] then {fn.__module__.rsplit('.', 1)[-1]}.preprocess_input"


def reference_output(out, name, fn):
    """The output of the model as saved (reloaded from the file the tests read), not of the object
    in memory: Keras 3's EfficientNet computed 3.8e-5 apart before and after saving. The
    architecture's own layer classes are given as custom objects, as a user reloading it must:
    tf.keras 2 does not register ConvNeXt's LayerScale, and cannot reload its own file without."""
    path = os.path.join(out, name + (".h5" if args.tf_keras else ".keras"))
    module = sys.modules.get(fn.__module__)
    custom = {n: v for n, v in vars(module).items()
              if inspect.isclass(v) and issubclass(v, keras.layers.Layer) and v.__module__ == fn.__module__} if module else {}
    return keras.models.load_model(path, compile=False, custom_objects=custom or None)


def save(model, out, name):
    """Writes every layout; returns (files, layouts for the test)."""
    p = lambda suffix: os.path.join(out, name + suffix)  # noqa: E731
    if args.tf_keras:
        model.save(p(".h5"))
        model.save_weights(p("_weights.h5"))
        with open(p(".json"), "w") as f:
            f.write(model.to_json())
        files = {"h5": name + ".h5", "weights": name + "_weights.h5", "json": name + ".json"}
        layouts = [{"layout": ".h5", "file": name + ".h5"},
                   {"layout": "_weights.h5+.json", "file": name + "_weights.h5", "architecture": name + ".json"},
                   {"layout": "_weights.h5+.h5", "file": name + "_weights.h5", "architecture": name + ".h5"}]
    else:
        model.save(p(".keras"))
        model.save(p(".h5"))
        model.save_weights(p(".weights.h5"))
        files = {"keras": name + ".keras", "h5": name + ".h5", "weights": name + ".weights.h5"}
        layouts = [{"layout": ".keras", "file": name + ".keras"},
                   {"layout": ".h5", "file": name + ".h5"},
                   {"layout": ".weights.h5+.keras", "file": name + ".weights.h5", "architecture": name + ".keras"}]
    files["npz"] = name + ".npz"
    return files, layouts


def main():
    out = os.path.abspath(args.outdir)
    os.makedirs(out, exist_ok=True)
    functions = discover()
    if args.list:
        for name, fn in functions.items():
            print(name, family_of(fn))
        return 0
    todo = cases(functions)
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - {c[0] for c in todo} - set(functions)
        if unknown:
            print(f"unknown architectures: {sorted(unknown)}; known: {sorted(functions)}", file=sys.stderr)
            return 2
        todo = [c for c in todo if c[0] in wanted or c[1].__name__ in wanted]
    if args.skip_large:
        todo = [c for c in todo if c[1].__name__ not in LARGE]
    # The large ones last, so an interrupted run still has every small one.
    todo.sort(key=lambda c: c[1].__name__ in LARGE)
    manifest_path = os.path.join(out, "manifest.json")
    manifest = []
    if args.resume and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = [m for m in json.load(f) if not m.get("error")]
    done = {m["name"] for m in manifest}
    writer = f"tf_keras {keras.__version__}" if args.tf_keras else f"keras {keras.__version__} ({keras.backend.backend()})"
    print(f"[sweep] {writer}: {len(todo)} cases from {len(functions)} architectures into {out}", flush=True)
    start = time.time()
    for index, (name, fn, extra) in enumerate(todo, 1):
        if name in done:
            print(f"[sweep] {index}/{len(todo)} {name}: kept from the previous run", flush=True)
            continue
        t0 = time.time()
        entry = {"name": name, "family": family_of(fn), "function": fn.__name__, "writer": writer,
                 "include_preprocessing": extra.get("include_preprocessing")}
        try:
            rng = np.random.default_rng(0)
            model, meta, rejected = build(fn, extra)
            entry.update(meta)
            if rejected:
                entry["rejected_sizes"] = rejected
            randomise(model, rng)
            calibration, _ = make_input(fn, meta, extra, np.random.default_rng(1), batch=8)
            entry["calibrated_batchnorms"] = calibrate(model, calibration)
            x, entry["input_range"] = make_input(fn, meta, extra, np.random.default_rng(0))
            entry["files"], entry["layouts"] = save(model, out, name)
            reloaded = reference_output(out, name, fn)
            first = lambda v: np.asarray(v[0] if isinstance(v, (list, tuple)) else v, dtype="float32")  # noqa: E731
            y = first(reloaded.predict(x, batch_size=2, verbose=0))
            jitter = np.random.default_rng(2).standard_normal(x.shape)
            moved = first(reloaded.predict((x * (1 + 1e-7 * jitter)).astype("float32"), batch_size=2, verbose=0))
            entry["output_sensitivity"] = float(np.abs(moved - y).max())
            entry["output_shape"] = list(y.shape)
            entry["output_finite"] = bool(np.all(np.isfinite(y)))
            entry["output_rms"] = float(np.sqrt(np.mean(np.square(y.astype("float64")))))
            entry["params"] = int(model.count_params())
            entry["layers"] = len(model.layers)
            np.savez(os.path.join(out, name + ".npz"), input=x, output=y)
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"[:2000]
            traceback.print_exc()
        entry["seconds"] = round(time.time() - t0, 1)
        manifest = [m for m in manifest if m["name"] != name] + [entry]
        with open(manifest_path + ".tmp", "w") as f:
            json.dump(manifest, f, indent=1)
        os.replace(manifest_path + ".tmp", manifest_path)
        status = f"error: {entry['error'][:160]}" if "error" in entry else (
            f"input {entry['input_shape']} include_top={entry['include_top']} params {entry['params']:,} "
            f"output {entry['output_shape']} rms {entry['output_rms']:.3g} sensitivity {entry['output_sensitivity']:.2g}")
        print(f"[sweep] {index}/{len(todo)} {name} ({entry['seconds']}s): {status}", flush=True)
        model = None
        keras.backend.clear_session()
        gc.collect()
    total = time.time() - start
    failed = [m["name"] for m in manifest if m.get("error")]
    print(f"[sweep] {len(manifest)} cases in {total:.0f}s ({total / 60:.1f} min); Keras failed on: {failed or 'none'}",
          flush=True)
    with open(os.path.join(out, "timing.txt"), "w") as f:
        f.write(f"{writer}: {len(todo)} cases generated in {total:.0f}s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
