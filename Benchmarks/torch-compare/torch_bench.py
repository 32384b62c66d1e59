"""The same cases as `graft bench`, in PyTorch on the CPU: prints one JSON line.

usage: python torch_bench.py CASE BATCH STEPS THREADS
cases: caffenet-train, caffenet-train-fc, caffenet-infer, quick-train, and caffenet-infer-ort: the
same CaffeNet exported by torch.onnx.export (opset 17, TorchScript exporter, this batch size) and
run by ONNX Runtime (CPU, intra-op threads THREADS, every graph optimisation on).
resnet50-infer, mobilenetv2-infer, efficientnetb0-infer, mobilenetv3-infer (and -ort): torchvision's
architectures (MobileNetV3: its Large), written out here (the CPU torch wheel has no matching
torchvision), random weights and BatchNorm statistics (seed 0), inputs in [0, 1); EfficientNet-B0's
SiLU reaches ONNX (opset 17) as a Sigmoid and a Mul.
resnet18-train: torchvision's resnet18 with 2 classes at 224x224, every layer trained, BatchNorm on
batch statistics (model.train()), SGD with momentum as in the CaffeNet cases.
  python torch_bench.py export NAME BATCH PATH   writes NAME's ONNX file for `graft convert`
  (resnet18 with its BatchNorm layers kept, not folded into the convolutions, for training).
(PyTorch has no frozen-prefix cache: caffenet-train-fc runs conv1-pool5 forward every step, under
torch.no_grad(), which is what a PyTorch user would write.)"""
import json, sys, time
import torch, torch.nn as nn

if sys.argv[1] == "export":
    case, name, batch, path, steps, threads = "export", sys.argv[2], int(sys.argv[3]), sys.argv[4], 1, 1
else:
    case, batch, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)

class CaffeNet(nn.Module):
    """BVLC CaffeNet: grouped convolutions, LRN after pooling, Caffe's ceil pooling."""
    def __init__(s, classes=2):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 96, 11, 4); s.conv2 = nn.Conv2d(96, 256, 5, padding=2, groups=2)
        s.conv3 = nn.Conv2d(256, 384, 3, padding=1); s.conv4 = nn.Conv2d(384, 384, 3, padding=1, groups=2)
        s.conv5 = nn.Conv2d(384, 256, 3, padding=1, groups=2)
        s.fc6 = nn.Linear(9216, 4096); s.fc7 = nn.Linear(4096, 4096); s.fc8 = nn.Linear(4096, classes)
        s.pool = nn.MaxPool2d(3, 2, ceil_mode=True); s.lrn = nn.LocalResponseNorm(5, 1e-4, 0.75); s.drop = nn.Dropout(0.5)
    def features(s, x):
        r = torch.relu
        x = s.lrn(s.pool(r(s.conv1(x)))); x = s.lrn(s.pool(r(s.conv2(x))))
        x = r(s.conv3(x)); x = r(s.conv4(x)); return s.pool(r(s.conv5(x))).flatten(1)
    def classifier(s, x):
        r = torch.relu
        return s.fc8(s.drop(r(s.fc7(s.drop(r(s.fc6(x)))))))
    def forward(s, x):
        return s.classifier(s.features(x))

class Quick(nn.Module):
    """Caffe's CIFAR-10 quick net (ceil pooling)."""
    def __init__(s, classes=10):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 32, 5, padding=2); s.conv2 = nn.Conv2d(32, 32, 5, padding=2); s.conv3 = nn.Conv2d(32, 64, 5, padding=2)
        s.ip1 = nn.Linear(64 * 4 * 4, 64); s.ip2 = nn.Linear(64, classes)
        s.maxpool = nn.MaxPool2d(3, 2, ceil_mode=True); s.avgpool = nn.AvgPool2d(3, 2, ceil_mode=True)
    def forward(s, x):
        r = torch.relu
        x = r(s.maxpool(s.conv1(x))); x = s.avgpool(r(s.conv2(x))); x = s.avgpool(r(s.conv3(x)))
        return s.ip2(s.ip1(x.flatten(1)))

def conv_bn(i, o, k=1, s=1, groups=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*layers, *([nn.ReLU(inplace=True)] if act else []))

class Bottleneck(nn.Module):
    def __init__(s, i, width, stride):
        super().__init__()
        o = width * 4
        s.body = nn.Sequential(conv_bn(i, width), conv_bn(width, width, 3, stride), conv_bn(width, o, act=False))
        s.down = conv_bn(i, o, 1, stride, act=False) if stride != 1 or i != o else None
    def forward(s, x):
        return torch.relu(s.body(x) + (x if s.down is None else s.down(x)))

class BasicBlock(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.body = nn.Sequential(conv_bn(i, o, 3, stride), conv_bn(o, o, 3, act=False))
        s.down = conv_bn(i, o, 1, stride, act=False) if stride != 1 or i != o else None
    def forward(s, x):
        return torch.relu(s.body(x) + (x if s.down is None else s.down(x)))

class ResNet18(nn.Module):
    """torchvision's resnet18."""
    def __init__(s, classes=2):
        super().__init__()
        layers, i = [conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)], 64
        for width, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(i, width, stride), BasicBlock(width, width, 1)]; i = width
        s.features = nn.Sequential(*layers); s.fc = nn.Linear(512, classes)
    def forward(s, x):
        return s.fc(s.features(x).mean((2, 3)))

class ResNet50(nn.Module):
    """torchvision's resnet50 (v1.5: the stride on the 3x3 convolution)."""
    def __init__(s, classes=1000):
        super().__init__()
        layers, i = [conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)], 64
        for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for b in range(blocks):
                layers.append(Bottleneck(i, width, stride if b == 0 else 1)); i = width * 4
        s.features = nn.Sequential(*layers); s.fc = nn.Linear(2048, classes)
    def forward(s, x):
        return s.fc(s.features(x).mean((2, 3)))

class InvertedResidual(nn.Module):
    def __init__(s, i, o, stride, expand):
        super().__init__()
        h = i * expand
        s.residual = stride == 1 and i == o
        relu6 = lambda m: nn.Sequential(*m[:2], nn.ReLU6(inplace=True))
        s.body = nn.Sequential(*([relu6(conv_bn(i, h, act=False))] if expand != 1 else []),
                               relu6(conv_bn(h, h, 3, stride, groups=h, act=False)), conv_bn(h, o, act=False))
    def forward(s, x):
        return x + s.body(x) if s.residual else s.body(x)

class MobileNetV2(nn.Module):
    """torchvision's mobilenet_v2 (width 1.0)."""
    def __init__(s, classes=1000):
        super().__init__()
        layers, i = [nn.Sequential(*conv_bn(3, 32, 3, 2, act=False)[:2], nn.ReLU6(inplace=True))], 32
        for t, c, n, stride in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
            for b in range(n):
                layers.append(InvertedResidual(i, c, stride if b == 0 else 1, t)); i = c
        layers.append(nn.Sequential(*conv_bn(i, 1280, act=False)[:2], nn.ReLU6(inplace=True)))
        s.features = nn.Sequential(*layers); s.classifier = nn.Linear(1280, classes)
    def forward(s, x):
        return s.classifier(s.features(x).mean((2, 3)))

class SqueezeExcitation(nn.Module):
    def __init__(s, c, squeeze, act=nn.SiLU, gate=nn.Sigmoid):
        super().__init__()
        s.fc1 = nn.Conv2d(c, squeeze, 1); s.fc2 = nn.Conv2d(squeeze, c, 1); s.act = act(); s.gate = gate()
    def forward(s, x):
        return x * s.gate(s.fc2(s.act(s.fc1(x.mean((2, 3), keepdim=True)))))

class MBConv(nn.Module):
    def __init__(s, i, o, k, stride, expand):
        super().__init__()
        h = i * expand
        s.residual = stride == 1 and i == o
        silu = lambda m: nn.Sequential(*m[:2], nn.SiLU(inplace=True))
        s.body = nn.Sequential(*([silu(conv_bn(i, h, act=False))] if expand != 1 else []),
                               silu(nn.Sequential(nn.Conv2d(h, h, k, stride, k // 2, groups=h, bias=False), nn.BatchNorm2d(h))),
                               SqueezeExcitation(h, max(1, i // 4)), conv_bn(h, o, act=False))
    def forward(s, x):
        return x + s.body(x) if s.residual else s.body(x)

class EfficientNetB0(nn.Module):
    """torchvision's efficientnet_b0 (SiLU, squeeze-and-excitation; stochastic depth is off at inference)."""
    def __init__(s, classes=1000):
        super().__init__()
        layers, i = [nn.Sequential(*conv_bn(3, 32, 3, 2, act=False)[:2], nn.SiLU(inplace=True))], 32
        for t, k, stride, c, n in [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
                                   (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]:
            for b in range(n):
                layers.append(MBConv(i, c, k, stride if b == 0 else 1, t)); i = c
        layers.append(nn.Sequential(*conv_bn(i, 1280, act=False)[:2], nn.SiLU(inplace=True)))
        s.features = nn.Sequential(*layers); s.classifier = nn.Linear(1280, classes)
    def forward(s, x):
        return s.classifier(s.features(x).mean((2, 3)))

def make_divisible(v, divisor=8):
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new

class MobileNetV3Block(nn.Module):
    def __init__(s, i, k, h, o, se, hs, stride):
        super().__init__()
        act = nn.Hardswish if hs else nn.ReLU
        s.residual = stride == 1 and i == o
        layers = [nn.Sequential(*conv_bn(i, h, act=False)[:2], act())] if h != i else []
        layers.append(nn.Sequential(nn.Conv2d(h, h, k, stride, k // 2, groups=h, bias=False), nn.BatchNorm2d(h), act()))
        if se:
            layers.append(SqueezeExcitation(h, make_divisible(h // 4), act=nn.ReLU, gate=nn.Hardsigmoid))
        layers.append(conv_bn(h, o, act=False))
        s.body = nn.Sequential(*layers)
    def forward(s, x):
        return x + s.body(x) if s.residual else s.body(x)

class MobileNetV3Large(nn.Module):
    """torchvision's mobilenet_v3_large (hard-swish, squeeze-and-excitation with a hard-sigmoid gate)."""
    def __init__(s, classes=1000):
        super().__init__()
        layers, i = [nn.Sequential(*conv_bn(3, 16, 3, 2, act=False)[:2], nn.Hardswish())], 16
        for k, h, o, se, hs, stride in [(3, 16, 16, 0, 0, 1), (3, 64, 24, 0, 0, 2), (3, 72, 24, 0, 0, 1), (5, 72, 40, 1, 0, 2),
                                        (5, 120, 40, 1, 0, 1), (5, 120, 40, 1, 0, 1), (3, 240, 80, 0, 1, 2), (3, 200, 80, 0, 1, 1),
                                        (3, 184, 80, 0, 1, 1), (3, 184, 80, 0, 1, 1), (3, 480, 112, 1, 1, 1), (3, 672, 112, 1, 1, 1),
                                        (5, 672, 160, 1, 1, 2), (5, 960, 160, 1, 1, 1), (5, 960, 160, 1, 1, 1)]:
            layers.append(MobileNetV3Block(i, k, h, o, se, hs, stride)); i = o
        layers.append(nn.Sequential(*conv_bn(i, 960, act=False)[:2], nn.Hardswish()))
        s.features = nn.Sequential(*layers)
        s.classifier = nn.Sequential(nn.Linear(960, 1280), nn.Hardswish(), nn.Linear(1280, classes))
    def forward(s, x):
        return s.classifier(s.features(x).mean((2, 3)))

def randomise_statistics(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5); m.bias.data.uniform_(-0.1, 0.1)
    return model.eval()

def ort_step(model, x, output):
    """ONNX Runtime on `model` exported by PyTorch (opset 17, TorchScript exporter): one step."""
    import os, tempfile
    import onnxruntime as ort
    path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["data"], output_names=[output])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {"data": x.numpy()}
    return lambda: session.run(None, feed)

def report(step):
    """Two warm-up steps, then the median of STEPS timed ones as one JSON line."""
    for _ in range(2):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    median = sorted(times)[len(times) // 2]
    print(json.dumps({"case": case, "batch": batch, "threads": torch.get_num_threads(), "median_step_seconds": round(median, 5),
                      "images_per_second": round(batch / median, 2), "torch": torch.__version__}
                     | ({"onnxruntime": __import__("onnxruntime").__version__} if case.endswith("-ort") else {})))

zoo = {"resnet50": ResNet50, "mobilenetv2": MobileNetV2, "resnet18": ResNet18, "efficientnetb0": EfficientNetB0, "mobilenetv3": MobileNetV3Large}
if case == "export":  # python torch_bench.py export NAME BATCH PATH
    model = randomise_statistics(zoo[name]())
    # Without constant folding the exporter keeps BatchNormalization nodes (what training needs).
    torch.onnx.export(model, (torch.rand(batch, 3, 224, 224),), path, opset_version=17, dynamo=False,
                      input_names=["data"], output_names=["logits"], do_constant_folding=name != "resnet18")
    sys.exit(0)
if case == "resnet18-train":
    model = ResNet18().train()
    x, y = torch.rand(batch, 3, 224, 224), torch.randint(0, 2, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    loss = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad()
        loss(model(x), y).backward()
        opt.step()
    report(step)
    sys.exit(0)
if case.split("-")[0] in zoo:  # resnet50-infer, mobilenetv2-infer-ort
    model = randomise_statistics(zoo[case.split("-")[0]]())
    x = torch.rand(batch, 3, 224, 224)
    if case.endswith("-ort"):
        step = ort_step(model, x, "logits")
    else:
        def step():
            with torch.no_grad():
                model(x)
    report(step)
    sys.exit(0)

quick = case == "quick-train"
model = Quick() if quick else CaffeNet()
size = 32 if quick else 227
x = torch.rand(batch, 3, size, size) * 255
y = torch.randint(0, 10 if quick else 2, (batch,))
loss = nn.CrossEntropyLoss()

if case == "caffenet-infer-ort":
    model.eval()
    step = ort_step(model, x, "prob")
elif case == "caffenet-infer":
    model.eval()
    def step():
        with torch.no_grad():
            model(x)
else:
    params = list(model.parameters())
    if case == "caffenet-train-fc":
        params = list(model.fc6.parameters()) + list(model.fc7.parameters()) + list(model.fc8.parameters())
        for p in model.parameters():
            p.requires_grad_(False)
        for p in params:
            p.requires_grad_(True)
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9, weight_decay=5e-4)
    def step():
        opt.zero_grad()
        if case == "caffenet-train-fc":
            with torch.no_grad():
                f = model.features(x)
            out = model.classifier(f)
        else:
            out = model(x)
        loss(out, y).backward()
        opt.step()

report(step)
