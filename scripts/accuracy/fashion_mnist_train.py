#!/usr/bin/python3
"""Trains two small Fashion-MNIST classifiers with a fixed seed and exports them to ONNX.

  fashion_mnist_train.py [--out DIR] [--epochs N] [--threads T]

Data: Debian dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz, IDX format).
Models (both: input "image" float32 [N, 1, 28, 28], output "logits" float32 [N, 10]):
  cnn        conv-BN-ReLU stem, max pool, two residual blocks (conv-BN-ReLU-conv-BN + skip, then
             ReLU; the first with an identity skip, the second strided with a 1x1 conv-BN
             projection on the skip), global average pool, FC.
  depthwise  MobileNet-style: strided conv-BN-ReLU6 stem, depthwise-separable blocks (3x3 depthwise
             conv-BN-ReLU6, 1x1 pointwise conv-BN-ReLU6), one inverted-residual add, global
             average pool, FC. Depthwise weights have very uneven per-channel ranges after BN
             folding: the classic case where per-tensor weight INT8 falls apart.
The batch dim is exported as dynamic ("N"); the evaluation fixes it at conversion time with
saturn-convert --input-shape image=B,1,28,28.

Outputs in DIR (default build/accuracy/fashion_mnist):
  cnn.onnx, depthwise.onnx        opset 13, BatchNorm left in the graph (the converter folds it)
  calib.npy                       float32 [1000, 1, 28, 28]: the first 1000 training images
  test.npy, test_labels.npy       float32 [10000, 1, 28, 28] and int64 [10000]
  train_log.txt                   per-epoch loss and PyTorch's own test top-1 for both models
Normalization (training and all .npy files): x = (pixel / 255 - 0.2860) / 0.3530.
Runs in about 2.5 minutes on 2 idle cores (both models, 3 epochs each; measured about 19 s per
epoch for cnn and 28 s for depthwise); far longer when other jobs share the cores. Results are
reproducible for a given thread count (--threads changes the float summation order).
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
SEED = 20240611
CALIB_COUNT = 1000


def read_idx(path):
    """Reads a gzipped IDX file (ubyte images or labels) into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        sys.exit(f"fashion_mnist_train: {path}: expected an unsigned-byte IDX file, magic {magic:#x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, f"{prefix}-labels-idx1-ubyte.gz"))
    x = ((images.astype(np.float32) / 255.0 - MEAN) / STD)[:, None, :, :]
    return np.ascontiguousarray(x), labels.astype(np.int64)


def conv_bn(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3)
        self.skip = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else nn.Identity()

    def forward(self, x):
        return F.relu(self.b(F.relu(self.a(x))) + self.skip(x))


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16)                 # 28x28
        self.pool = nn.MaxPool2d(2)                # 28 -> 14
        self.block1 = ResBlock(16, 16, 1)          # identity skip
        self.block2 = ResBlock(16, 32, 2)          # 14 -> 7, 1x1 projection skip
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.stem(x)))
        x = self.block2(self.block1(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class DwSep(nn.Module):
    """Depthwise 3x3 conv-BN-ReLU6, then pointwise 1x1 conv-BN (ReLU6 unless linear)."""

    def __init__(self, cin, cout, stride, linear=False):
        super().__init__()
        self.dw = conv_bn(cin, cin, 3, stride, groups=cin)
        self.pw = conv_bn(cin, cout, 1)
        self.linear = linear

    def forward(self, x):
        x = self.pw(F.relu6(self.dw(x)))
        return x if self.linear else F.relu6(x)


class InvertedResidual(nn.Module):
    """MobileNetV2 block with stride 1 and equal widths: expand 1x1, depthwise, linear project, add."""

    def __init__(self, c, expand):
        super().__init__()
        self.expand = conv_bn(c, c * expand, 1)
        self.body = DwSep(c * expand, c, 1, linear=True)

    def forward(self, x):
        return x + self.body(F.relu6(self.expand(x)))


class DepthwiseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3, 2)   # 28 -> 14
        self.features = nn.Sequential(
            DwSep(16, 32, 1),
            DwSep(32, 32, 1),
            DwSep(32, 64, 2),              # 14 -> 7
            InvertedResidual(64, 2),
            DwSep(64, 96, 1),
        )
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = self.features(F.relu6(self.stem(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(torch.from_numpy(x[i:i + 1000])).argmax(1).numpy() == y[i:i + 1000]).sum()
    return 100.0 * correct / len(x)


def train(name, model, data, epochs, log):
    (xtr, ytr), (xte, yte) = data
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * (len(xtr) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.2)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for i in range(len(xtr) // 128):
            idx = perm[i * 128:(i + 1) * 128]
            xb = xt[idx]
            if epoch < epochs - 1:  # light augmentation: random horizontal flip (not in the last epoch)
                flip = torch.rand(len(idx), generator=g) < 0.5
                xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if (i + 1) % 100 == 0:
                print(f"{name}: epoch {epoch + 1} step {i + 1}/{len(xtr) // 128} [{time.time() - start:.0f}s]",
                      flush=True)
        acc = evaluate(model, xte, yte)
        line = (f"{name}: epoch {epoch + 1}/{epochs} loss {total / (len(xtr) // 128):.4f} "
                f"test top-1 (PyTorch) {acc:.2f}% [{time.time() - start:.0f}s]")
        print(line, flush=True)
        log.write(line + "\n")
    return model


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    import onnx
    onnx.checker.check_model(onnx.load(path))
    print(f"fashion_mnist_train: wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "accuracy", "fashion_mnist"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="cnn,depthwise")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    train_data, test_data = load("train"), load("test")
    np.save(os.path.join(args.out, "calib.npy"), train_data[0][:CALIB_COUNT])
    np.save(os.path.join(args.out, "test.npy"), test_data[0])
    np.save(os.path.join(args.out, "test_labels.npy"), test_data[1])
    print(f"fashion_mnist_train: wrote calib.npy {train_data[0][:CALIB_COUNT].shape}, "
          f"test.npy {test_data[0].shape}, test_labels.npy {test_data[1].shape}")

    builders = {"cnn": SmallCnn, "depthwise": DepthwiseNet}
    with open(os.path.join(args.out, "train_log.txt"), "w") as log:
        for name in args.models.split(","):
            torch.manual_seed(SEED)
            model = train(name, builders[name](), (train_data, test_data), args.epochs, log)
            export(model, os.path.join(args.out, f"{name}.onnx"))


if __name__ == "__main__":
    main()
