"""Exports torchvision networks with random weights to ONNX, with ONNX Runtime's outputs.

export_torchvision.py OUT_DIR [SIZE]

For ResNet-18, MobileNetV2, SqueezeNet 1.1, EfficientNet-B0 (SiLU: a Sigmoid and a Mul),
MobileNetV3-Small (hard swish: HardSigmoid and Mul before opset 14, HardSwish after) and a small
module of assorted operators (seeded random weights, BatchNorm statistics
randomised so they matter) at opsets 11 and 17 with the TorchScript exporter (dynamo=False,
symbolic batch), and at opset 18 with the dynamo exporter when onnxscript imports, writes
<name>.onnx, <name>_input.npy and <name>_output.npy (ONNX Runtime's result) and prints each
<name>. Nothing is committed: Graft's tests run this into a temporary folder.
"""
import os
import sys
import types

# torch's compile cache would otherwise be left in the system temporary folder: keep it in the
# output folder, which the calling test removes.
if len(sys.argv) > 1:
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.join(sys.argv[1], ".torchinductor"))

# torchvision's compiled operators do not load with the CPU-only torch wheel; the models do not
# need them.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import numpy as np
import onnxruntime as ort
import torch
import torchvision

try:
    import onnxscript  # noqa: F401  (the dynamo exporter needs it)
    dynamo = True
except ImportError:
    dynamo = False

F = torch.nn.functional


class Blocks(torch.nn.Module):
    """Operators as PyTorch exports them beyond the torchvision nets: GELU (an Erf chain before
    opset 20), hard swish, SiLU, nearest upsampling, a channel slice, leaky ReLU, a transposed
    convolution, asymmetric padding, ceil-mode average pooling without padding counted, ELU,
    a spatial mean, clamp, softmax."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.up = torch.nn.Upsample(scale_factor=2, mode="nearest")
        self.deconv = torch.nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
        self.pool = torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
        self.fc = torch.nn.Linear(4, 10)

    def forward(self, x):
        x = F.gelu(self.bn(self.conv(x)))
        y = self.up(F.hardswish(self.dw(x)))
        x = torch.cat([x, F.silu(y)], 1)[:, 2:10]
        x = F.leaky_relu(x, 0.1) * torch.sigmoid(x)
        x = F.pad(self.deconv(x), (1, 0, 0, 1))
        x = self.pool(F.elu(x)).mean(dim=(2, 3))
        return F.softmax(torch.clamp(self.fc(x), -3, 3), dim=1)


out_dir = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 112
builders = {
    "resnet18": torchvision.models.resnet18,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "squeezenet1_1": torchvision.models.squeezenet1_1,
    "efficientnet_b0": torchvision.models.efficientnet_b0,
    "mobilenet_v3_small": torchvision.models.mobilenet_v3_small,
    "blocks": Blocks,
}
for name, build in builders.items():
    torch.manual_seed(0)
    model = (build() if build is Blocks else build(weights=None)).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(1))
    variants = [(f"{name}_opset{opset}", opset, False) for opset in (11, 17)]
    if dynamo:
        variants.append((f"{name}_dynamo_opset18", 18, True))
    for stem_name, opset, use_dynamo in variants:
        stem = os.path.join(out_dir, stem_name)
        if use_dynamo:
            torch.onnx.export(model, (x,), stem + ".onnx", dynamo=True, opset_version=opset,
                              input_names=["input"], output_names=["logits"])
        else:
            torch.onnx.export(model, (x,), stem + ".onnx", dynamo=False, opset_version=opset,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        session = ort.InferenceSession(stem + ".onnx", providers=["CPUExecutionProvider"])
        (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
        np.save(stem + "_input.npy", x.numpy())
        np.save(stem + "_output.npy", y.astype(np.float32))
        print(stem_name, flush=True)
