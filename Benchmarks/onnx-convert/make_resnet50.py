"""Writes torchvision's ResNet-50 (random weights, seed 0) as ONNX opset 17 with torch.onnx's
TorchScript exporter: a ~100 MB model of the size people convert."""
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")  # CPU torch: see make-onnx-venv.sh
import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet50(weights=None).eval()
torch.onnx.export(model, (torch.randn(1, 3, 224, 224),), sys.argv[1], opset_version=17, dynamo=False,
                  input_names=["input"], output_names=["logits"])
