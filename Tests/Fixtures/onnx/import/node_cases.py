"""Writes the onnx package's operator test cases (`onnx.backend.test.case.node`, the cases the
onnx repository keeps under backend/test/data/node, which the PyPI wheel does not ship) as
OUT_DIR/<case>/model.onnx and test_data_set_<i>/{input,output}_<j>.pb, the backend runner's layout.

node_cases.py OUT_DIR

Only cases whose inputs and outputs are all plain tensors are written (sequences, maps and
optionals are skipped: Graft has no such values). Prints how many were written.
"""
import os
import shutil
import sys
import warnings

import numpy as np
from onnx import numpy_helper
from onnx.backend.test.case import node

warnings.filterwarnings("ignore")
out = sys.argv[1]
written = 0
for case in node.collect_testcases(None):
    graph = case.model.graph
    if any(not v.type.HasField("tensor_type") for v in list(graph.input) + list(graph.output)):
        continue
    folder = os.path.join(out, case.name)
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data = os.path.join(folder, f"test_data_set_{i}")
            os.makedirs(data, exist_ok=True)
            for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
                for j, value in enumerate(values):
                    tensor = numpy_helper.from_array(np.asarray(value), infos[j].name)
                    with open(os.path.join(data, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(tensor.SerializeToString())
        written += 1
    except Exception as error:  # a case numpy_helper cannot write (e.g. string or float8 types)
        shutil.rmtree(folder, ignore_errors=True)
        print(f"skipped {case.name}: {type(error).__name__}: {error}"[:200], file=sys.stderr)
print(f"{written} node cases written to {out}")
