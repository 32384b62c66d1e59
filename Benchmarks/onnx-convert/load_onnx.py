"""What a Python user does to get an ONNX model's weights: onnx.load, then every initializer to a
NumPy array. Prints the count of values so the work cannot be skipped."""
import math
import sys

import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
arrays = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
print(f"{len(arrays)} arrays, {sum(math.prod(a.shape) for a in arrays.values())} values")
