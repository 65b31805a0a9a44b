#!/usr/bin/python3
"""PyTorch INT8 peer for benchmarks/peers: quantizes torchvision's quantizable models, and times them.

  torch_bench.py quantize --model resnet50|mobilenet_v2 --calib CALIB.npy --out M.pt [--engine E]
  torch_bench.py time M.pt --shape 1,3,224,224 [--threads 2] [--min-time S] [--engine E]

quantize: torchvision.models.quantization.<model>(weights=None, quantize=False), eval mode,
fuse_model(), qconfig = get_default_qconfig(engine), torch.ao.quantization.prepare, calibration on
every sample of CALIB.npy (N, C, H, W float32, the same seeded samples Saturn calibrates on), convert;
then traced with torch.jit.trace and saved with torch.jit.save. The weights are untrained (latency
only). time: loads M.pt under the same quantized engine, runs it under torch.inference_mode() on an
input filled with ort_bench.js's fixed pattern, 3 warmup runs, then timed runs for at least S seconds
(and 5 runs). Both print one JSON line; time's is {"model","engine","threads","iters","median_ms",
"p90_ms","torch"}, like ort_bench.js.

The engine defaults to 'onednn'; where this torch build lacks it, 'x86', then 'fbgemm' (the JSON
names the one used). Run with /usr/bin/python3 (Debian's torch 1.13 and torchvision 0.14).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision.models.quantization as tvq

BUILDERS = {"resnet50": tvq.resnet50, "mobilenet_v2": tvq.mobilenet_v2}
SEED = 20240601  # scripts/export_torchvision.py's; the weights only matter for latency here


def pick_engine(requested):
    supported = torch.backends.quantized.supported_engines
    if requested:
        if requested not in supported:
            sys.exit(f"torch_bench: quantized engine '{requested}' is not in this torch build ({supported})")
        return requested
    for engine in ("onednn", "x86", "fbgemm"):
        if engine in supported:
            return engine
    sys.exit(f"torch_bench: none of onednn, x86, fbgemm in this torch build ({supported})")


def fixed_input(shape):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return torch.from_numpy((((i * 7919) % 255) / 255.0 - 0.5).astype(np.float32).reshape(shape))


def quantize(args):
    engine = pick_engine(args.engine)
    torch.backends.quantized.engine = engine
    torch.manual_seed(SEED)
    model = BUILDERS[args.model](weights=None, quantize=False)
    model.eval()
    model.fuse_model(is_qat=False)
    model.qconfig = torch.ao.quantization.get_default_qconfig(engine)
    torch.ao.quantization.prepare(model, inplace=True)
    calib = np.load(args.calib).astype(np.float32)
    with torch.inference_mode():
        for k in range(0, len(calib), 4):
            model(torch.from_numpy(calib[k:k + 4]))
    torch.ao.quantization.convert(model, inplace=True)
    example = fixed_input((1,) + calib.shape[1:])
    with torch.inference_mode():
        traced = torch.jit.trace(model, example)
    tmp = args.out + ".tmp"
    torch.jit.save(traced, tmp)
    os.replace(tmp, args.out)
    print(json.dumps({"model": args.model, "engine": engine, "out": args.out, "calib_samples": len(calib)}))


def time_model(args):
    engine = pick_engine(args.engine)
    torch.backends.quantized.engine = engine
    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.model)
    model.eval()
    shape = tuple(int(d) for d in args.shape.split(","))
    x = fixed_input(shape)
    times = []
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        start = time.perf_counter()
        while time.perf_counter() - start < args.min_time or len(times) < 5:
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
    print(json.dumps({"model": os.path.basename(args.model), "engine": engine, "threads": args.threads,
                      "iters": len(times), "median_ms": q(0.5), "p90_ms": q(0.9), "torch": torch.__version__}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pq = sub.add_parser("quantize")
    pq.add_argument("--model", required=True, choices=sorted(BUILDERS))
    pq.add_argument("--calib", required=True)
    pq.add_argument("--out", required=True)
    pq.add_argument("--engine", default="")
    pt = sub.add_parser("time")
    pt.add_argument("model")
    pt.add_argument("--shape", default="1,3,224,224")
    pt.add_argument("--threads", type=int, default=2)
    pt.add_argument("--min-time", type=float, default=2.0)
    pt.add_argument("--engine", default="")
    args = p.parse_args()
    quantize(args) if args.cmd == "quantize" else time_model(args)


if __name__ == "__main__":
    main()
