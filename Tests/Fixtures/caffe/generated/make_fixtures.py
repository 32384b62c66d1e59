#!/usr/bin/env python3
"""Small Caffe nets written by a real protobuf writer, for GeneratedCaffeFixtureTests.

The nets are built as `caffe.NetParameter` messages with the Python protobuf runtime, from the
project's own schema (schemas/caffe.proto, compiled to Python at run time into a temporary
folder with grpcio-tools' protoc, or a `protoc` on PATH). Every weight and input is drawn from
numpy with a fixed seed, so a rerun writes identical bytes. For each net `<name>`:

- `<name>.prototxt`: the deploy net (protobuf's text format);
- `<name>.caffemodel`: the weights (protobuf's `SerializeToString`), as Caffe stores them;
- `<name>_input.npy`: the input (float32, NCHW, batch 2);
- `<name>_output.npy`: what OpenCV's Caffe reader (`cv2.dnn.readNetFromCaffe` + `forward`, an
  implementation independent of Graft) computes for that input.

Run with `make caffe-fixtures` (the venv from Scripts/make-venv.sh, numpy and
opencv-python-headless<5, plus protobuf and grpcio-tools), or by hand:

    .build-venv/bin/python Tests/Fixtures/caffe/generated/make_fixtures.py

The output folder is this script's folder unless one is given as the first argument. The script
reads nothing but the schema: no reference data, no downloaded model.

Nets (odd, non-square sizes; batch 2):
- `v1_legacy`: V1 `layers {}` with V1 enum types, net-level `input` + `input_dim`, blobs in the
  legacy num/channels/height/width form; the caffemodel holds the training net (DATA, SOFTMAX_LOSS,
  ACCURACY with `include { phase: TEST }`, `blobs_lr`, `weight_decay`), as 2014 Caffe wrote it.
- `v2_conv_pool`: V2 layers with an Input layer: dilated, rectangular (kernel_h/w, stride_h/w,
  pad_h/w), grouped and depthwise Convolution, LRN in both regions (default `k`: OpenCV ignores
  it), MAX and AVE Pooling where Caffe's ceil rounding differs from floor (with and without padding, and where the last window
  would start in the padding), global pooling, Concat of 2-D values, InnerProduct on 4-D.
- `v2_bn_eltwise`: `input` + `input_shape`, in-place chains (BatchNorm + Scale + ReLU on one blob,
  Sigmoid, TanH, Dropout in place), BatchNorm with a moving-average factor other than 1 and a
  non-default eps, Eltwise SUM with coefficients, PROD and MAX, Concat, Softmax over channels of
  a 4-D value; the caffemodel holds a V2 training net (Data, SoftmaxWithLoss, Accuracy).
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SCHEMA = os.path.join(ROOT, "schemas", "caffe.proto")
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
BATCH = 2


def compile_schema(folder):
    """caffe_pb2 from schemas/caffe.proto, compiled into `folder`."""
    args = ["-I" + os.path.dirname(SCHEMA), "--python_out=" + folder, SCHEMA]
    try:
        from grpc_tools import protoc  # noqa: F401
        command = [sys.executable, "-m", "grpc_tools.protoc"] + args
    except ImportError:
        if shutil.which("protoc") is None:
            sys.exit("needs grpcio-tools (pip) or protoc (apt protobuf-compiler) to compile " + SCHEMA)
        command = ["protoc"] + args
    subprocess.run(command, check=True)
    sys.path.insert(0, folder)
    import caffe_pb2
    return caffe_pb2


temporary = tempfile.mkdtemp(prefix="graft-caffe-proto-")
try:
    pb = compile_schema(temporary)
finally:
    shutil.rmtree(temporary, ignore_errors=True)
from google.protobuf import text_format  # noqa: E402

V1 = pb.V1LayerParameter


def f32(a):
    return np.asarray(a, dtype=np.float32)


# --- blobs --------------------------------------------------------------------------------------

def blob(array):
    """A V2 blob: `shape { dim }` and packed float data."""
    array = f32(array)
    b = pb.BlobProto()
    b.shape.dim.extend(array.shape)
    b.data.extend(array.ravel().tolist())
    return b


def legacy_blob(array):
    """A 2014 blob: num/channels/height/width (shapes of fewer axes padded with 1 in front)."""
    array = f32(array)
    dims = (1,) * (4 - array.ndim) + array.shape
    b = pb.BlobProto(num=dims[0], channels=dims[1], height=dims[2], width=dims[3])
    b.data.extend(array.ravel().tolist())
    return b


class Weights:
    """Seeded weights: He-normal filters (Caffe's fan-in: in/group·kh·kw), small biases."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def filters(self, out, fan_in_shape):
        fan_in = int(np.prod(fan_in_shape))
        return f32(self.rng.standard_normal((out,) + tuple(fan_in_shape)) * np.sqrt(2.0 / fan_in))

    def bias(self, n):
        return f32(self.rng.uniform(-0.2, 0.2, n))

    def uniform(self, low, high, n):
        return f32(self.rng.uniform(low, high, n))


# --- V2 layers ----------------------------------------------------------------------------------

def layer(net, name, type_, bottoms, tops, **params):
    l = net.layer.add(name=name, type=type_)
    l.bottom.extend(bottoms)
    l.top.extend(tops)
    for field, values in params.items():
        getattr(l, field).CopyFrom(values)
    return l


def v1_layer(net, name, type_, bottoms, tops, **params):
    l = net.layers.add(name=name, type=type_)
    l.bottom.extend(bottoms)
    l.top.extend(tops)
    for field, values in params.items():
        getattr(l, field).CopyFrom(values)
    return l


def deploy_copy(net):
    """The net without blobs: what the prototxt holds."""
    copy = pb.NetParameter()
    copy.CopyFrom(net)
    for l in list(copy.layer) + list(copy.layers):
        del l.blobs[:]
    return copy


# --- the nets -----------------------------------------------------------------------------------

def v1_legacy():
    """V1 layers, legacy input and blob dims; the caffemodel is the V1 training net."""
    w = Weights(101)
    C, H, W = 3, 10, 11
    net = pb.NetParameter(name="v1_legacy")
    net.input.append("data")
    net.input_dim.extend([BATCH, C, H, W])
    Conv, Pool, LRN, ReLU = pb.ConvolutionParameter, pb.PoolingParameter, pb.LRNParameter, pb.ReLUParameter
    l = v1_layer(net, "conv1", V1.CONVOLUTION, ["data"], ["conv1"],
                 convolution_param=Conv(num_output=6, pad=[1], kernel_size=[3], stride=[1]))
    l.blobs.extend([legacy_blob(w.filters(6, (C, 3, 3))), legacy_blob(w.bias(6))])
    # ReLU with a negative slope, in place.
    v1_layer(net, "relu1", V1.RELU, ["conv1"], ["conv1"], relu_param=ReLU(negative_slope=0.1))
    # 10x11, kernel 2 stride 2: Caffe's ceil gives 5x6, floor would give 5x5.
    v1_layer(net, "pool1", V1.POOLING, ["conv1"], ["pool1"],
             pooling_param=Pool(pool=Pool.MAX, kernel_size=2, stride=2))
    # No `k`: OpenCV 4.x reads it under the name "bias" and so ignores Caffe's field (k = 1).
    v1_layer(net, "norm1", V1.LRN, ["pool1"], ["norm1"], lrn_param=LRN(local_size=3, alpha=0.3, beta=0.75))
    l = v1_layer(net, "conv2", V1.CONVOLUTION, ["norm1"], ["conv2"],
                 convolution_param=Conv(num_output=8, pad=[1], kernel_size=[3], group=2))
    l.blobs.extend([legacy_blob(w.filters(8, (3, 3, 3))), legacy_blob(w.bias(8))])
    # 5x6, kernel 3 stride 2, AVE: ceil gives 2x3, floor 2x2.
    v1_layer(net, "pool2", V1.POOLING, ["conv2"], ["pool2"],
             pooling_param=Pool(pool=Pool.AVE, kernel_size=3, stride=2))
    v1_layer(net, "sig", V1.SIGMOID, ["pool2"], ["sig"])
    v1_layer(net, "tanh", V1.TANH, ["pool2"], ["tanh"])
    v1_layer(net, "mix", V1.ELTWISE, ["sig", "tanh"], ["mix"],
             eltwise_param=pb.EltwiseParameter(operation=pb.EltwiseParameter.SUM, coeff=[1.5, -0.5]))
    v1_layer(net, "cat", V1.CONCAT, ["mix", "pool2"], ["cat"], concat_param=pb.ConcatParameter(concat_dim=1))
    v1_layer(net, "flat", V1.FLATTEN, ["cat"], ["flat"])
    l = v1_layer(net, "ip1", V1.INNER_PRODUCT, ["flat"], ["ip1"], inner_product_param=pb.InnerProductParameter(num_output=10))
    l.blobs.extend([legacy_blob(w.filters(10, (16 * 2 * 3,))), legacy_blob(w.bias(10))])
    v1_layer(net, "relu2", V1.RELU, ["ip1"], ["ip1"])
    v1_layer(net, "drop", V1.DROPOUT, ["ip1"], ["ip1"], dropout_param=pb.DropoutParameter(dropout_ratio=0.5))
    l = v1_layer(net, "ip2", V1.INNER_PRODUCT, ["ip1"], ["ip2"], inner_product_param=pb.InnerProductParameter(num_output=5))
    l.blobs.extend([legacy_blob(w.filters(5, (10,))), legacy_blob(w.bias(5))])
    deploy = deploy_copy(net)
    v1_layer(deploy, "prob", V1.SOFTMAX, ["ip2"], ["prob"])

    # The caffemodel: the training net Caffe 2014 saved, DATA source first, loss and accuracy
    # last, learning-rate multipliers on the learned layers.
    train = pb.NetParameter(name="v1_legacy")
    data = train.layers.add(name="mnist", type=V1.DATA, top=["data", "label"])
    data.data_param.source = "train_lmdb"
    data.data_param.backend = pb.DataParameter.LMDB
    data.data_param.batch_size = 64
    data.transform_param.scale = 1 / 256
    for l in net.layers:
        copy = train.layers.add()
        copy.CopyFrom(l)
        if l.blobs:
            copy.blobs_lr.extend([1, 2])
            copy.weight_decay.extend([1, 0])
    v1_layer(train, "loss", V1.SOFTMAX_LOSS, ["ip2", "label"], ["loss"])
    acc = v1_layer(train, "accuracy", V1.ACCURACY, ["ip2", "label"], ["accuracy"])
    acc.include.add(phase=pb.TEST)
    return deploy, train, "prob", (BATCH, C, H, W)


def v2_conv_pool():
    """Convolution and pooling geometry, LRN in both regions."""
    w = Weights(202)
    C, H, W = 3, 13, 11
    net = pb.NetParameter(name="v2_conv_pool")
    layer(net, "data", "Input", [], ["data"], input_param=pb.InputParameter(shape=[pb.BlobShape(dim=[BATCH, C, H, W])]))
    Conv, Pool, LRN = pb.ConvolutionParameter, pb.PoolingParameter, pb.LRNParameter
    # Dilation 2, pad 2: 13x11 stays 13x11.
    l = layer(net, "conv_dil", "Convolution", ["data"], ["conv_dil"],
              convolution_param=Conv(num_output=6, kernel_size=[3], pad=[2], dilation=[2]))
    l.blobs.extend([blob(w.filters(6, (C, 3, 3))), blob(w.bias(6))])
    layer(net, "relu_dil", "ReLU", ["conv_dil"], ["relu_dil"])
    # Rectangular kernel, stride and pad, 3 groups, no bias: 13x11 -> 7x10.
    l = layer(net, "conv_rect", "Convolution", ["relu_dil"], ["conv_rect"],
              convolution_param=Conv(num_output=6, kernel_h=3, kernel_w=2, stride_h=2, stride_w=1, pad_h=1, pad_w=0,
                                     group=3, bias_term=False))
    l.blobs.extend([blob(w.filters(6, (2, 3, 2)))])
    # Depthwise (group = channels), stride 1, pad 1.
    l = layer(net, "conv_dw", "Convolution", ["conv_rect"], ["conv_dw"],
              convolution_param=Conv(num_output=6, kernel_size=[3], pad=[1], group=6))
    l.blobs.extend([blob(w.filters(6, (1, 3, 3))), blob(w.bias(6))])
    layer(net, "lrn_within", "LRN", ["conv_dw"], ["lrn_within"],
          lrn_param=LRN(local_size=3, alpha=0.5, beta=0.75, norm_region=LRN.WITHIN_CHANNEL))
    # MAX 2/2 pad 1 on 7x10: ceil gives 5x6 but the last row would start in the padding, so
    # Caffe drops it: 4x6.
    layer(net, "pool_max_pad", "Pooling", ["lrn_within"], ["pool_max_pad"],
          pooling_param=Pool(pool=Pool.MAX, kernel_size=2, stride=2, pad=1))
    # AVE 3/2 pad 1 on 4x6: ceil gives 3x4 (floor 2x3); the divisor counts the padding but not
    # what lies past it.
    layer(net, "pool_ave_pad", "Pooling", ["pool_max_pad"], ["pool_ave_pad"],
          pooling_param=Pool(pool=Pool.AVE, kernel_size=3, stride=2, pad=1))
    l = layer(net, "ip_a", "InnerProduct", ["pool_ave_pad"], ["ip_a"],
              inner_product_param=pb.InnerProductParameter(num_output=7))
    l.blobs.extend([blob(w.filters(7, (6 * 3 * 4,))), blob(w.bias(7))])
    # Second branch: MAX 2/2 without padding on 13x11: ceil 7x6, floor 6x5.
    layer(net, "pool_max_ceil", "Pooling", ["relu_dil"], ["pool_max_ceil"],
          pooling_param=Pool(pool=Pool.MAX, kernel_size=2, stride=2))
    layer(net, "lrn_across", "LRN", ["pool_max_ceil"], ["lrn_across"],
          lrn_param=LRN(local_size=5, alpha=0.2, beta=0.6))
    layer(net, "pool_global", "Pooling", ["lrn_across"], ["pool_global"],
          pooling_param=Pool(pool=Pool.AVE, global_pooling=True))
    layer(net, "flat_b", "Flatten", ["pool_global"], ["flat_b"])
    layer(net, "cat", "Concat", ["ip_a", "flat_b"], ["cat"], concat_param=pb.ConcatParameter(axis=1))
    l = layer(net, "ip_out", "InnerProduct", ["cat"], ["ip_out"],
              inner_product_param=pb.InnerProductParameter(num_output=4))
    l.blobs.extend([blob(w.filters(4, (13,))), blob(w.bias(4))])
    return deploy_copy(net), net, "ip_out", (BATCH, C, H, W)


def v2_bn_eltwise():
    """In-place chains, BatchNorm + Scale, every Eltwise operation."""
    w = Weights(303)
    C, H, W = 4, 9, 7
    net = pb.NetParameter(name="v2_bn_eltwise")
    net.input.append("data")
    net.input_shape.add(dim=[BATCH, C, H, W])
    Conv = pb.ConvolutionParameter

    def batch_norm(name, blob_name, channels, factor, **params):
        l = layer(net, name, "BatchNorm", [blob_name], [blob_name], **params)
        mean, var = w.uniform(-0.5, 0.5, channels), w.uniform(0.5, 1.5, channels)
        # Caffe stores running sums and the factor that divides them.
        l.blobs.extend([blob(mean * factor), blob(var * factor), blob([factor])])

    def scale(name, blob_name, channels, bias):
        l = layer(net, name, "Scale", [blob_name], [blob_name], scale_param=pb.ScaleParameter(bias_term=bias))
        l.blobs.append(blob(w.uniform(0.5, 1.5, channels)))
        if bias:
            l.blobs.append(blob(w.bias(channels)))

    l = layer(net, "conv1", "Convolution", ["data"], ["conv1"], convolution_param=Conv(num_output=8, kernel_size=[3], pad=[1]))
    l.blobs.extend([blob(w.filters(8, (C, 3, 3))), blob(w.bias(8))])
    batch_norm("bn1", "conv1", 8, 2.5,
               batch_norm_param=pb.BatchNormParameter(use_global_stats=True, eps=1e-3))
    scale("scale1", "conv1", 8, True)
    layer(net, "relu1", "ReLU", ["conv1"], ["conv1"], relu_param=pb.ReLUParameter(negative_slope=0.2))
    # Branch a: 1x1 conv, BatchNorm with no batch_norm_param (TEST phase: global statistics,
    # eps 1e-5), Scale without bias, Sigmoid in place.
    l = layer(net, "conv_a", "Convolution", ["conv1"], ["branch_a"], convolution_param=Conv(num_output=8, kernel_size=[1]))
    l.blobs.extend([blob(w.filters(8, (8, 1, 1))), blob(w.bias(8))])
    batch_norm("bn_a", "branch_a", 8, 999.982)
    scale("scale_a", "branch_a", 8, False)
    layer(net, "sig_a", "Sigmoid", ["branch_a"], ["branch_a"])
    # Branch b: 3x3 conv, TanH in place.
    l = layer(net, "conv_b", "Convolution", ["conv1"], ["branch_b"],
              convolution_param=Conv(num_output=8, kernel_size=[3], pad=[1]))
    l.blobs.extend([blob(w.filters(8, (8, 3, 3))), blob(w.bias(8))])
    layer(net, "tanh_b", "TanH", ["branch_b"], ["branch_b"])
    E = pb.EltwiseParameter
    layer(net, "sum", "Eltwise", ["conv1", "branch_a", "branch_b"], ["sum"],
          eltwise_param=E(operation=E.SUM, coeff=[1.0, -0.5, 2.0]))
    layer(net, "prod", "Eltwise", ["branch_a", "branch_b"], ["prod"], eltwise_param=E(operation=E.PROD))
    layer(net, "max", "Eltwise", ["sum", "prod", "conv1"], ["max"], eltwise_param=E(operation=E.MAX))
    layer(net, "cat", "Concat", ["sum", "prod", "max"], ["cat"])
    layer(net, "drop", "Dropout", ["cat"], ["cat"], dropout_param=pb.DropoutParameter(dropout_ratio=0.3))
    # MAX 3/3 on 9x7: ceil 3x3 (floor 3x2).
    layer(net, "pool", "Pooling", ["cat"], ["pool"],
          pooling_param=pb.PoolingParameter(pool=pb.PoolingParameter.MAX, kernel_size=3, stride=3))
    layer(net, "prob_map", "Softmax", ["pool"], ["prob_map"])
    l = layer(net, "score", "InnerProduct", ["prob_map"], ["score"],
              inner_product_param=pb.InnerProductParameter(num_output=5))
    l.blobs.extend([blob(w.filters(5, (24 * 3 * 3,)) * 4), blob(w.bias(5))])

    # The caffemodel: the V2 training net (Data first, loss and test-only accuracy last); Caffe
    # writes each layer's phase and its param multipliers.
    train = pb.NetParameter(name="v2_bn_eltwise")
    data = layer(train, "data", "Data", [], ["data", "label"])
    data.phase = pb.TRAIN
    data.data_param.source = "train_lmdb"
    data.data_param.backend = pb.DataParameter.LMDB
    data.data_param.batch_size = 32
    for l in net.layer:
        copy = train.layer.add()
        copy.CopyFrom(l)
        copy.phase = pb.TRAIN
        if l.type in ("Convolution", "InnerProduct"):
            copy.param.add(lr_mult=1, decay_mult=1)
            copy.param.add(lr_mult=2, decay_mult=0)
        elif l.type == "BatchNorm":
            for _ in range(3):
                copy.param.add(lr_mult=0, decay_mult=0)
    loss = layer(train, "loss", "SoftmaxWithLoss", ["score", "label"], ["loss"])
    loss.phase = pb.TRAIN
    acc = layer(train, "accuracy", "Accuracy", ["score", "label"], ["accuracy"])
    acc.include.add(phase=pb.TEST)
    return deploy_copy(net), train, "score", (BATCH, C, H, W)


# --- writing ------------------------------------------------------------------------------------

def write(name, deploy, weights, output, input_shape, seed):
    import cv2
    prototxt = os.path.join(OUT, name + ".prototxt")
    caffemodel = os.path.join(OUT, name + ".caffemodel")
    with open(prototxt, "w") as f:
        f.write(text_format.MessageToString(deploy))
    with open(caffemodel, "wb") as f:
        f.write(weights.SerializeToString(deterministic=True))
    # Round trip: the caffemodel parses back to the message written.
    check = pb.NetParameter()
    with open(caffemodel, "rb") as f:
        check.ParseFromString(f.read())
    assert check == weights, name
    x = f32(np.random.default_rng(seed).uniform(-1, 1, input_shape))
    model = cv2.dnn.readNetFromCaffe(prototxt, caffemodel)
    model.setInput(x)
    y = f32(model.forward(output))
    np.save(os.path.join(OUT, name + "_input.npy"), x)
    np.save(os.path.join(OUT, name + "_output.npy"), y)
    for path in (prototxt, caffemodel, os.path.join(OUT, name + "_input.npy"), os.path.join(OUT, name + "_output.npy")):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        print(f"  {os.path.relpath(path, ROOT) if path.startswith(ROOT) else path}  {os.path.getsize(path)} bytes  sha256 {digest}")
    print(f"{name}: input {x.shape} -> {output} {y.shape}, |y| max {np.abs(y).max():.4g}")


def main():
    import cv2
    import google.protobuf
    os.makedirs(OUT, exist_ok=True)
    print(f"protobuf {google.protobuf.__version__}, OpenCV {cv2.__version__}, numpy {np.__version__}; writing to {OUT}")
    for seed, make in enumerate((v1_legacy, v2_conv_pool, v2_bn_eltwise), start=1):
        deploy, weights, output, input_shape = make()
        write(make.__name__, deploy, weights, output, input_shape, seed)


if __name__ == "__main__":
    main()
