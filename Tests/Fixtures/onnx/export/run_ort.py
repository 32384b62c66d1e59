"""Checks and runs ONNX models written by Graft's exporter.

usage: run_ort.py JOBS.json

JOBS.json is a list of {"name", "model", "inputs": {value: .npy}, "outputs": {value: .npy}}.
For each job: onnx.checker.check_model(path, full_check=True) (strict shape inference), then
ONNX Runtime (CPU) runs the model on the inputs and the named outputs are written as .npy.
Prints "OK <name>" or "FAIL <name>: <reason>" per job; exits 1 when any job failed.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def run(job):
    onnx.checker.check_model(job["model"], full_check=True)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(job["model"], options, providers=["CPUExecutionProvider"])
    feeds = {name: np.load(path) for name, path in job["inputs"].items()}
    names = list(job["outputs"].keys())
    results = session.run(names, feeds)
    for name, value in zip(names, results):
        np.save(job["outputs"][name], np.ascontiguousarray(value, dtype=np.float32))


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    failed = 0
    for job in jobs:
        try:
            run(job)
            print("OK " + job["name"], flush=True)
        except Exception as error:  # report every job, not just the first failure
            failed += 1
            print("FAIL %s: %s" % (job["name"], str(error).replace("\n", " ")[:2000]), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
