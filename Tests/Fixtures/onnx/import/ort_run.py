"""Runs ONNX models with ONNX Runtime: ort_run.py MODEL.onnx...

For each MODEL.onnx, feeds MODEL.input<i>.npy to its graph inputs in order (initializers listed
as inputs are not inputs) and writes MODEL.output<i>.npy for every graph output. One process for
many models: Graft's ONNX import tests use ONNX Runtime as the reference implementation.
"""
import sys

import numpy as np
import onnxruntime as ort

for model in sys.argv[1:]:
    stem = model[: -len(".onnx")]
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.load(f"{stem}.input{k}.npy").astype(np.float32) for k, i in enumerate(session.get_inputs())}
    for index, value in enumerate(session.run(None, feeds)):
        np.save(f"{stem}.output{index}.npy", np.asarray(value, dtype=np.float32))
