#!/usr/bin/python3
"""Exports torchvision ResNet-50, MobileNetV2 and ConvNeXt-T (GELU, LayerNorm) to ONNX with a fixed
input and PyTorch's output.

For each model NAME this writes, into --out (default models/):
  NAME.onnx        opset 13, input 'input' [1, 3, 224, 224], output 'output' [1, 1000]
  NAME.input.npy   a fixed random input (float32, standard normal, seeded)
  NAME.ref.npy     PyTorch's output on that input (float32): the reference for Saturn's FP32 run

The weights are torchvision's random initialisation under a fixed torch.manual_seed (no pretrained
weights are reachable here). Freshly initialised BatchNorm statistics (mean 0, var 1) let the
activations shrink or grow layer by layer (MobileNetV2's logits come out near 1e-9), so the BatchNorm
running statistics are first estimated on seeded random batches, as training would; then the model
is put in eval mode. Existing files are kept unless --force.
Run with the system interpreter (/usr/bin/python3), which sees Debian's torch and torchvision.
"""
import argparse
import os

import numpy as np
import torch
import torchvision

MODELS = {
    "resnet50": torchvision.models.resnet50,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "convnext_tiny": torchvision.models.convnext_tiny,
}
SEED = 20240601
SHAPE = (1, 3, 224, 224)


def estimate_batchnorm_stats(model, batches=2, batch_size=8):
    """Sets every BatchNorm's running mean/var to the cumulative average over seeded random batches."""
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative moving average
    model.train()
    gen = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn((batch_size,) + SHAPE[1:], generator=gen))


def export(name, out_dir, force):
    paths = {k: os.path.join(out_dir, f"{name}.{k}") for k in ("onnx", "input.npy", "ref.npy")}
    if not force and all(os.path.exists(p) for p in paths.values()):
        print(f"export_torchvision: {name}: up to date")
        return
    torch.manual_seed(SEED)
    model = MODELS[name](weights=None)
    estimate_batchnorm_stats(model)
    model.eval()
    x = np.random.default_rng(SEED).standard_normal(SHAPE).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy().astype(np.float32)
        torch.onnx.export(model, torch.from_numpy(x), paths["onnx"], opset_version=13,
                          input_names=["input"], output_names=["output"], do_constant_folding=True)
    np.save(paths["input.npy"], x)
    np.save(paths["ref.npy"], ref)
    print(f"export_torchvision: {name}: {paths['onnx']} (output {list(ref.shape)}, max|ref| {np.abs(ref).max():.6g})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--force", action="store_true", help="re-export even when the files exist")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for name in args.models:
        export(name, args.out, args.force)


if __name__ == "__main__":
    main()
