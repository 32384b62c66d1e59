"""Graft against ONNX Runtime layer by layer, on the same ONNX file.

usage: .build-torch-venv/bin/python Benchmarks/torch-compare/layers.py MODEL BATCH [ROUNDS] [THREADS]
MODEL: resnet50, mobilenetv2 or efficientnetb0 (torch_bench.py's networks, exported to ONNX at this batch size and
converted by `graft convert`, as run.sh does). Each round runs `graft bench infer --profile` and
then ONNX Runtime with its profiler (20 runs, same thread count, every graph optimisation), back to
back; a layer's time on each side is the least over the rounds (Graft: its per-step mean in a
round; ONNX Runtime: its least run in a round). Rows pair a convolution with the fused node ONNX
Runtime made of it by the layer's name (`/features/features.5/body/body.1`); a layer Graft fused
from two (MobileNetV2's expansion and depthwise layer, `.../body.0 + .../body.1`) is paired with
the sum of ONNX Runtime's two; a node only one side has shows `-` on the other. Run from the
repository's root after `swift build -c release`.
"""
import collections, json, os, re, subprocess, sys, tempfile

import numpy as np
import onnxruntime as ort

model, batch = sys.argv[1], int(sys.argv[2])
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
here = os.path.dirname(os.path.abspath(__file__))
graft = os.path.join(here, "..", "..", ".build", "release", "graft")


def key(name):
    """The layer a node belongs to: its name without the last part, and without a sub-index
    part (`body.1.0`, `features.0.2`) before that: Graft's `.../body.1/body.1.0/Conv` and ONNX
    Runtime's fused `.../body.1/body.1.2/Relu_output_0_nchwc` are both `.../body.1`."""
    parts = name.removeprefix("fused ").split("/")[:-1]
    if parts and re.fullmatch(r".*\.\d+\.\d+", parts[-1]):
        parts = parts[:-1]
    return "/".join(parts) or name


def graft_round(path):
    steps = str(max(3, 10 // batch))
    err = subprocess.run([graft, "bench", "infer", "--model", path, "--batch", str(batch), "--steps", steps,
                          "--threads", str(threads), "--profile"], capture_output=True, text=True, check=True).stderr
    times = collections.defaultdict(float)
    for line in err.splitlines():
        p = line.rsplit(None, 1)
        if len(p) == 2 and p[0].startswith("/"):
            try:
                # A layer Graft fused from two ("A + B": a 1x1 and a depthwise convolution).
                times[" + ".join(key(part) for part in p[0].split(" + "))] += float(p[1])
            except ValueError:
                pass
    return times


def ort_round(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_profiling = True
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.random.default_rng(0).random([batch] + list(session.get_inputs()[0].shape[1:])).astype(np.float32)
    for _ in range(20):
        session.run(None, {name: x})
    trace = session.end_profiling()
    with open(trace) as f:
        events = json.load(f)
    os.remove(trace)
    runs = collections.defaultdict(lambda: collections.defaultdict(float))
    run = collections.Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            node = e["name"][:-len("_kernel_time")]
            runs[key(node)][run[node]] += e["dur"] / 1000
            run[node] += 1
    return {k: min(v.values()) for k, v in runs.items()}


with tempfile.TemporaryDirectory() as tmp:
    onnx_path, graft_path = os.path.join(tmp, f"{model}.onnx"), os.path.join(tmp, f"{model}.graft")
    subprocess.run([sys.executable, os.path.join(here, "torch_bench.py"), "export", model, str(batch), onnx_path],
                   check=True, capture_output=True)
    subprocess.run([graft, "convert", onnx_path, "-o", graft_path], check=True, capture_output=True)
    g, o, order = collections.defaultdict(list), collections.defaultdict(list), []
    for r in range(rounds):
        graft_times, ort_times = graft_round(graft_path), ort_round(onnx_path)
        for k, v in graft_times.items():
            if k not in g:
                order.append(k)
            g[k].append(v)
            parts = k.split(" + ")
            if len(parts) > 1 and all(part in ort_times for part in parts):  # ONNX Runtime's layers of a fused row
                ort_times[k] = sum(ort_times.pop(part) for part in parts)
        for k, v in ort_times.items():
            o[k].append(v)
        print(f"round {r + 1} of {rounds}", file=sys.stderr)
    order += [k for k in o if k not in g]
    print(f"{'layer':52s} {'Graft ms':>9s} {'ORT ms':>9s} {'Graft/ORT':>9s}")
    total_g = total_o = 0.0
    for k in order:
        a, b = (min(g[k]) if g[k] else None), (min(o[k]) if o[k] else None)
        total_g += a or 0
        total_o += b or 0
        cell = lambda v: f"{v:9.3f}" if v is not None else f"{'-':>9s}"
        ratio = f"{a / b:9.2f}" if a and b else f"{'-':>9s}"
        print(f"{k[-52:]:52s} {cell(a)} {cell(b)} {ratio}")
    print(f"{'sum':52s} {total_g:9.3f} {total_o:9.3f} {total_g / total_o:9.2f}")
    print(f"batch {batch}, threads {threads}, rounds {rounds}; least per layer over the rounds")
