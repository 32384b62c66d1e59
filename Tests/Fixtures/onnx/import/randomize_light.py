"""Gives the onnx package's light/ zoo models random weights and ONNX Runtime outputs.

randomize_light.py OUT_DIR NAME...

The light models' weights are ConstantOfShape fills (every conv weight 0.02...), so their stored
outputs are uniform (0.001 for every class) and check only the structure. For each NAME (e.g.
bvlc_alexnet), this replaces every ConstantOfShape output by a seeded random initializer of the
same shape (He-normal weights, small biases, BatchNormalization scales, means and variances in
ranges that keep activations finite), keeps IR 3's convention of listing initializers as graph
inputs, and writes OUT_DIR/NAME.onnx, NAME_input.npy (the backend runner's arange input) and
NAME_output.npy (ONNX Runtime's result), and NAME_logits.npy (the final Softmax's input) when
the graph ends in a Softmax.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

out_dir, *names = sys.argv[1:]
light = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
for name in names:
    model = onnx.load(os.path.join(light, f"light_{name}.onnx"))
    graph = model.graph
    rng = np.random.default_rng(0)
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    roles = {}
    for node in graph.node:
        if node.op_type == "BatchNormalization":
            for role, value in zip(["x", "scale", "shift", "mean", "var"], node.input):
                roles[value] = role
        if node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            roles[node.input[1]] = "gemm_t" if trans_b else "gemm"
    fills = {}
    kept = []
    for node in graph.node:
        if node.op_type != "ConstantOfShape":
            kept.append(node)
            continue
        shape = tuple(int(d) for d in inits[node.input[0]])
        out = node.output[0]
        role = roles.get(out)
        if role == "scale":
            value = rng.uniform(0.5, 1.5, shape)
        elif role == "var":
            value = rng.uniform(0.5, 1.5, shape)
        elif role in ("mean", "shift"):
            value = rng.uniform(-0.2, 0.2, shape)
        elif len(shape) == 4:
            value = rng.normal(0, np.sqrt(2.0 / np.prod(shape[1:])), shape)
        elif role == "gemm_t":
            value = rng.normal(0, np.sqrt(2.0 / shape[1]), shape)
        elif role == "gemm" or len(shape) == 2:
            value = rng.normal(0, np.sqrt(2.0 / shape[0]), shape)
        else:
            value = rng.uniform(-0.1, 0.1, shape)
        fills[out] = value.astype(np.float32)
    shape_inputs = {n.input[0] for n in graph.node if n.op_type == "ConstantOfShape"}
    del graph.node[:]
    graph.node.extend(kept)
    new_inits = [t for t in graph.initializer if t.name not in shape_inputs]
    new_inits += [numpy_helper.from_array(v, k) for k, v in fills.items()]
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    inputs = [i for i in graph.input if i.name not in shape_inputs]
    inputs += [helper.make_tensor_value_info(k, onnx.TensorProto.FLOAT, v.shape) for k, v in fills.items()]
    del graph.input[:]
    graph.input.extend(inputs)
    path = os.path.join(out_dir, f"{name}.onnx")
    onnx.save(model, path)
    # A final Softmax saturated by random weights (ResNet-50, ShuffleNet: one class gets 1) would
    # check only the arg max: its input, the logits, is written too (from a copy with that output).
    last = graph.node[-1]
    logits_path = None
    if last.op_type == "Softmax":
        graph.output.append(helper.make_tensor_value_info(last.input[0], onnx.TensorProto.FLOAT, None))
        logits_path = os.path.join(out_dir, f"{name}_logits.onnx")
        onnx.save(model, logits_path)
    init_names = {t.name for t in graph.initializer}
    x = next(i for i in graph.input if i.name not in init_names)
    dims = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in x.type.tensor_type.shape.dim)
    n = int(np.prod(dims))
    feed = (np.arange(n).reshape(dims) / n).astype(np.float32)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(logits_path or path, options, providers=["CPUExecutionProvider"])
    y, *rest = session.run(None, {x.name: feed})
    if logits_path:
        os.remove(logits_path)
        np.save(os.path.join(out_dir, f"{name}_logits.npy"), rest[0].astype(np.float32))
    np.save(os.path.join(out_dir, f"{name}_input.npy"), feed)
    np.save(os.path.join(out_dir, f"{name}_output.npy"), y.astype(np.float32))
    print(name, y.shape, float(y.std()), flush=True)
