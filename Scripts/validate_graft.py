#!/usr/bin/env python3
"""Validate .graft files independently of the Swift reader.

For each FILE: reads the safetensors header with plain Python (struct + json, rejecting duplicate
keys), validates the header and each graft.* metadata document against schemas/graft.schema.json,
checks the tensor layout, the node order (no cycles) and the graph's references to tensors, then
opens the file with the reference safetensors library and checks every tensor is bit-identical to
the raw bytes at its offsets (BF16 excepted: numpy has no bfloat16). Prints one line per file.

Exit codes: 0 all files valid, 1 a file is invalid, 2 usage error, 3 a required Python package
(safetensors, numpy, jsonschema) is missing. Set up with:
    python3 -m venv .build-venv && .build-venv/bin/pip install safetensors numpy jsonschema
"""

import json
import os
import struct
import sys

MAX_HEADER = 100_000_000
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas", "graft.schema.json")
DOCUMENTS = {
    "graft.graph": "graph",
    "graft.preprocessing": "preprocessing",
    "graft.provenance": "provenance",
    "graft.training": "training",
}
NUMPY_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U8": "u1", "BOOL": "?",
}
DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


class Invalid(Exception):
    pass


def strict_object(pairs):
    """object_pairs_hook that refuses duplicate keys, as the Swift reader does."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise Invalid(f"duplicate key {key!r}")
        result[key] = value
    return result


def strict_loads(text, what):
    def refuse_constant(name):
        raise Invalid(f"{what}: non-standard JSON constant {name}")

    try:
        return json.loads(text, object_pairs_hook=strict_object, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise Invalid(f"{what}: invalid JSON: {error}") from None
    except Invalid as error:
        raise Invalid(f"{what}: {error}") from None


def schema_errors(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:5]]


def read_header(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise Invalid(f"file is {len(data)} bytes, too small")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER:
        raise Invalid(f"header length {length} exceeds {MAX_HEADER}")
    if 8 + length > len(data):
        raise Invalid(f"header length {length} runs past the end of the {len(data)}-byte file")
    raw = data[8:8 + length]
    if not raw.startswith(b"{"):
        raise Invalid("header does not start with '{'")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Invalid(f"header is not UTF-8: {error}") from None
    header = strict_loads(text, "header")
    if not isinstance(header, dict):
        raise Invalid("header is not a JSON object")
    return data, length, header


def check_layout(header, data_size):
    entries = sorted(((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in header.items() if k != "__metadata__"))
    expected = 0
    for begin, end, name in entries:
        if begin != expected:
            raise Invalid(f"tensor {name!r} starts at {begin}, expected {expected}")
        info = header[name]
        count = 1
        for d in info["shape"]:
            count *= d
        if end - begin != count * DTYPE_SIZES[info["dtype"]]:
            raise Invalid(f"tensor {name!r} occupies {end - begin} bytes, shape and dtype need {count * DTYPE_SIZES[info['dtype']]}")
        expected = end
    if expected != data_size:
        raise Invalid(f"tensors cover {expected} bytes of a {data_size}-byte data section")


def check_graph_order(graph):
    """Values are single-assignment and each node reads only values produced before it (no cycles)."""
    defined = set()
    for graph_input in graph["inputs"]:
        if graph_input["name"] in defined:
            raise Invalid(f"graph input {graph_input['name']!r} is defined twice")
        defined.add(graph_input["name"])
    names = set()
    for node in graph["nodes"]:
        if node["name"] in names:
            raise Invalid(f"two nodes are named {node['name']!r}")
        names.add(node["name"])
        for value in node["inputs"]:
            if value not in defined:
                raise Invalid(f"node {node['name']!r} reads {value!r}, which no earlier node or input produces")
        for value in node["outputs"]:
            if value in defined:
                raise Invalid(f"node {node['name']!r} produces {value!r}, which is already produced")
            defined.add(value)
    for value in graph["outputs"]:
        if value not in defined:
            raise Invalid(f"graph output {value!r} is not produced")


def check_references(graph, header):
    referenced = set()
    for node in graph["nodes"]:
        for parameter in node.get("parameters", []):
            name = f"{node['name']}.{parameter['name']}"
            if name not in header:
                raise Invalid(f"node {node['name']!r} needs tensor {name!r}, which is missing")
            if header[name]["shape"] != parameter["shape"]:
                raise Invalid(f"tensor {name!r} has shape {header[name]['shape']}, the graph expects {parameter['shape']}")
            referenced.add(name)
    for name in header:
        if name != "__metadata__" and name not in referenced and not name.startswith("state."):
            raise Invalid(f"tensor {name!r} is not referenced by the graph")


def validate(path, validator_class, schema, np, safe_open):
    data, length, header = read_header(path)
    problems = schema_errors(validator_class(schema), header)
    if problems:
        raise Invalid("header does not match the schema: " + "; ".join(problems))
    metadata = header["__metadata__"]
    documents = {}
    for key, definition in DOCUMENTS.items():
        if key not in metadata:
            continue
        document = strict_loads(metadata[key], key)
        sub_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
        problems = schema_errors(validator_class(sub_schema), document)
        if problems:
            raise Invalid(f"{key} does not match the schema: " + "; ".join(problems))
        documents[key] = document
    data_start = 8 + length
    check_layout(header, len(data) - data_start)
    check_graph_order(documents["graft.graph"])
    check_references(documents["graft.graph"], header)

    names = [k for k in header if k != "__metadata__"]
    with safe_open(path, framework="numpy") as f:
        if sorted(f.keys()) != sorted(names):
            raise Invalid(f"safetensors lists tensors {sorted(f.keys())}, the header {sorted(names)}")
        if (f.metadata() or {}) != metadata:
            raise Invalid("safetensors reports different metadata")
        not_compared = []
        for name in names:
            info = header[name]
            if info["dtype"] not in NUMPY_DTYPES:
                not_compared.append(name)  # numpy has no bfloat16; Graft itself writes only F32
                continue
            begin, end = info["data_offsets"]
            dtype = np.dtype(NUMPY_DTYPES[info["dtype"]])
            raw = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=data_start + begin)
            loaded = f.get_tensor(name)
            if list(loaded.shape) != info["shape"]:
                raise Invalid(f"tensor {name!r}: safetensors shape {list(loaded.shape)}, header {info['shape']}")
            if np.ascontiguousarray(loaded).astype(dtype, copy=False).tobytes() != raw.tobytes():
                raise Invalid(f"tensor {name!r}: safetensors data differs from the raw bytes")
    graph = documents["graft.graph"]
    note = f" ({len(not_compared)} BF16 tensor(s) not compared: numpy has no bfloat16)" if not_compared else ""
    return (f"OK {path}: {len(names)} tensors, {len(data) - data_start} data bytes, "
            f"graph {graph['name']!r} with {len(graph['nodes'])} nodes, metadata {', '.join(sorted(metadata))}{note}")


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(f"usage: {os.path.basename(argv[0])} FILE...", file=sys.stderr)
        return 2
    try:
        import numpy as np
        from safetensors import safe_open
        import jsonschema
    except ImportError as error:
        print(f"validate_graft: {error.name or error} is not installed for {sys.executable}; run: "
              "python3 -m venv .build-venv && .build-venv/bin/pip install safetensors numpy jsonschema",
              file=sys.stderr)
        return 3
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(schema)

    failures = 0
    for path in argv[1:]:
        try:
            print(validate(path, validator_class, schema, np, safe_open))
        except (Invalid, OSError) as error:
            print(f"INVALID {path}: {error}", file=sys.stderr)
            failures += 1
        except Exception as error:  # safetensors raises its own error types for damaged files
            print(f"INVALID {path}: {type(error).__name__}: {error}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
