#!/usr/bin/env python3
"""Reads every dataset of an HDF5 file into memory with h5py (the floor for any converter),
printing the bytes read and the time taken inside Python.

usage: read_all.py FILE.h5"""
import sys
import time

import h5py
import numpy as np

start = time.perf_counter()
total = 0
arrays = []
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        global total
        if isinstance(obj, h5py.Dataset):
            a = obj[()]
            arrays.append(a)
            total += np.asarray(a).nbytes
    f.visititems(visit)
elapsed = time.perf_counter() - start
print(f"h5py read {len(arrays)} datasets, {total / 2**20:.1f} MiB in {elapsed:.2f} s "
      f"({total / 2**20 / elapsed:.0f} MiB/s)")
