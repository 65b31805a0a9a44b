#!/usr/bin/python3
"""Saturn against ONNX Runtime and PyTorch, side by side (issue 4 item 4). Entry point: run_peers.sh.

  run_peers.sh [--threads 2] [--rounds 5] [--min-time 2] [--models resnet50,mobilenet_v2,ppocr_rec]
               [--out DIR] [--work DIR] [--bin DIR] [--models-dir DIR] [--omp-wait-policy P]

Per model (batch 1, the same thread count everywhere):
  saturn_fp32   saturn-bench on saturn-convert's FP32 model
  saturn_int8   saturn-bench on the INT8 model, calibrated on 16 seeded N(0,1) samples (entropy)
  ort_fp32      onnxruntime-node 1.30 (ort_bench.js) on the original ONNX model
  ort_int8      onnxruntime-node on Saturn's --emit-qdq export of that same INT8 quantization
  torch_int8    PyTorch 1.13 (torch_bench.py): torchvision's quantizable model, post-training static
                quantization on the same 16 samples, 'onednn' engine (else x86/fbgemm, named)
Each (runtime, model) run is its own process: load, warm up, then time runs for --min-time seconds
and report the median. Runs are interleaved: round r runs every runtime of a model once, in an
order rotated by r, then the next model. The figure per runtime is the median over rounds of the
per-round medians; ratios are ratios of those figures, with the min-max over rounds of the paired
per-round ratios as the spread.

Every process inherits OMP_WAIT_POLICY unless --omp-wait-policy sets it (see RUN_ENV).
Writes DIR/results.md (tables, targets of issue 4 met/missed), DIR/chart.svg and DIR/results.json
(every per-round figure). Prepared files (converted models, calibration data, the PyTorch model) go
to --work and are rebuilt when missing or older than their inputs.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import peers_report  # noqa: E402

CALIB_SEED = 7  # scripts/demo.sh's
CALIB_SAMPLES = 16
RUNTIMES = ["saturn_fp32", "saturn_int8", "ort_fp32", "ort_int8", "torch_int8"]
MODELS = {
    # name: (input name, input shape, has a torchvision quantizable twin)
    "resnet50": ("input", (1, 3, 224, 224), True),
    "mobilenet_v2": ("input", (1, 3, 224, 224), True),
    "ppocr_rec": ("x", (1, 3, 48, 320), False),
}
# Environment of every timed and preparing process (--omp-wait-policy). On the 2-core machine this
# was written on, with other work running, libgomp's default spin-then-sleep waiting sometimes made
# every oneDNN primitive take ~8 ms (MobileNetV2 INT8: ~440 ms instead of ~7 ms), in Saturn and
# PyTorch alike, for a whole process; OMP_WAIT_POLICY=PASSIVE did not show it. ORT has its own pool.
# On a quiet machine PASSIVE costs Saturn and PyTorch a futex wake-up per parallel region (measured:
# Saturn MobileNetV2 FP32 7.6 ms against 4.8 ms), so the default leaves the policy as inherited.
RUN_ENV = {}


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def stale(target, *sources):
    if not os.path.exists(target):
        return True
    t = os.path.getmtime(target)
    return any(os.path.getmtime(s) > t for s in sources if os.path.exists(s))


def run(cmd, timeout):
    full_env = dict(os.environ, **RUN_ENV)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                       env=full_env)
    if p.returncode != 0:
        tail = (p.stderr.strip() or p.stdout.strip()).splitlines()[-3:]
        raise RuntimeError(f"{os.path.basename(cmd[0])} exited with {p.returncode}: {' | '.join(tail)}")
    return p.stdout


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line in output: {text.strip()[-200:]}")


def prepare(model, args):
    """Converts / quantizes MODEL; returns {runtime: path} for the runtimes it can run in."""
    input_name, shape, has_torch = MODELS[model]
    onnx = os.path.join(args.models_dir, f"{model}.onnx")
    if not os.path.exists(onnx):
        raise RuntimeError(f"{onnx} is missing (scripts/export_torchvision.py, scripts/fetch_models.sh)")
    convert = os.path.join(args.bin, "saturn-convert")
    w = args.work
    calib = os.path.join(w, f"{model}.calib.npy")
    if not os.path.exists(calib):
        rng = np.random.default_rng(CALIB_SEED)
        np.save(calib, rng.standard_normal((CALIB_SAMPLES,) + shape[1:]).astype(np.float32))
    files = {"ort_fp32": onnx, "saturn_fp32": os.path.join(w, f"{model}.saturn"),
             "saturn_int8": os.path.join(w, f"{model}.int8.saturn"), "ort_int8": os.path.join(w, f"{model}.qdq.onnx")}
    shape_arg = f"{input_name}={','.join(map(str, shape))}"
    if stale(files["saturn_fp32"], onnx, convert):
        log(f"{model}: converting to FP32")
        run([convert, onnx, "-o", files["saturn_fp32"], "--input-shape", shape_arg], 1800)
    if stale(files["saturn_int8"], onnx, convert, calib) or stale(files["ort_int8"], onnx, convert, calib):
        log(f"{model}: calibrating on {CALIB_SAMPLES} samples, converting to INT8 and QDQ ONNX")
        run([convert, onnx, "-o", files["saturn_int8"], "--input-shape", shape_arg, "--int8", "--calib", calib,
             "--threads", str(args.threads), "--emit-qdq", files["ort_int8"]], 3600)
    if has_torch:
        pt = os.path.join(w, f"{model}.torch_int8.pt")
        script = os.path.join(HERE, "torch_bench.py")
        if stale(pt, calib, script):
            log(f"{model}: PyTorch post-training static quantization")
            run([sys.executable, script, "quantize", "--model", model, "--calib", calib, "--out", pt], 3600)
        files["torch_int8"] = pt
    return files


def measure(runtime, path, model, args):
    """One timed process; returns (median_ms, extra info dict)."""
    shape = ",".join(map(str, MODELS[model][1]))
    timeout = args.min_time * 5 + 300
    if runtime.startswith("saturn"):
        out = os.path.join(args.work, f"bench.{runtime}.{model}.json")
        run([os.path.join(args.bin, "saturn-bench"), path, "--threads", str(args.threads), "--min-time",
             str(args.min_time), "--json", out], timeout)
        with open(out) as f:
            j = json.load(f)
        m = j["models"][0]
        return m["p50_ms"], {"iters": m["iterations"], "isa": j["isa"], "vnni": j["vnni"], "load_ms": m["load_ms"]}
    if runtime.startswith("ort"):
        j = last_json_line(run(["node", os.path.join(HERE, "ort_bench.js"), path, "--shape", shape, "--threads",
                                str(args.threads), "--min-time", str(args.min_time)], timeout))
        return j["median_ms"], {"iters": j["iters"]}
    j = last_json_line(run([sys.executable, os.path.join(HERE, "torch_bench.py"), "time", path, "--shape", shape,
                            "--threads", str(args.threads), "--min-time", str(args.min_time)], timeout))
    return j["median_ms"], {"iters": j["iters"], "engine": j["engine"], "torch": j["torch"]}


def versions():
    v = {"python": platform.python_version()}
    try:
        with open(os.path.join(ROOT, "third_party/npm/node_modules/onnxruntime-node/package.json")) as f:
            v["onnxruntime-node"] = json.load(f)["version"]
    except OSError:
        v["onnxruntime-node"] = "missing (scripts/npm_deps.sh)"
    try:
        v["node"] = subprocess.run(["node", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        v["node"] = "missing"
    try:
        with open("/proc/cpuinfo") as f:
            v["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        v["cpu"] = platform.processor()
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--min-time", type=float, default=2.0, help="seconds of timed runs per process")
    p.add_argument("--models", default="resnet50,mobilenet_v2,ppocr_rec")
    p.add_argument("--out", default=HERE, help="where results.md, chart.svg, results.json go")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "peers"))
    p.add_argument("--bin", default=os.environ.get("SATURN_BIN", os.path.join(ROOT, "build", "tools")))
    p.add_argument("--models-dir", default=os.path.join(ROOT, "models"))
    p.add_argument("--omp-wait-policy", default="unset",
                   help="OMP_WAIT_POLICY of every run (PASSIVE, ACTIVE), or 'unset' to leave it as it is")
    args = p.parse_args()
    if args.omp_wait_policy != "unset":
        RUN_ENV["OMP_WAIT_POLICY"] = args.omp_wait_policy
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            p.error(f"unknown model '{m}' (known: {', '.join(MODELS)})")
    if args.threads < 1 or args.rounds < 1 or args.min_time <= 0:
        p.error("--threads and --rounds must be >= 1, --min-time > 0")
    for tool in ("saturn-convert", "saturn-bench"):
        if not os.access(os.path.join(args.bin, tool), os.X_OK):
            p.error(f"{os.path.join(args.bin, tool)} is missing (build the tools, or pass --bin)")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)

    files, errors = {}, {}
    for m in models:
        try:
            files[m] = prepare(m, args)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            errors[m] = str(e)
            log(f"{m}: preparation failed: {e}")
    # samples[model][runtime] = [per-round median or None]
    samples = {m: {r: [] for r in files[m]} for m in files}
    info, failures = {}, []
    for rnd in range(args.rounds):
        for m in files:
            order = [r for r in RUNTIMES if r in files[m]]
            k = rnd % len(order)
            for r in order[k:] + order[:k]:
                try:
                    ms, extra = measure(r, files[m][r], m, args)
                    info.setdefault(r, extra)
                    log(f"round {rnd + 1}/{args.rounds} {m} {r}: {ms:.3f} ms ({extra['iters']} runs)")
                except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as e:
                    ms = None
                    failures.append(f"round {rnd + 1} {m} {r}: {e}")
                    log(failures[-1])
                samples[m][r].append(ms)
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "threads": args.threads, "batch": 1, "rounds": args.rounds,
              "min_time_s": args.min_time, "versions": versions(), "runtime_info": info, "env": RUN_ENV,
              "samples_ms": samples, "prepare_errors": errors, "failures": failures}
    peers_report.write(result, args.out)
    log(f"wrote {os.path.join(args.out, 'results.md')}, chart.svg, results.json")
    print(open(os.path.join(args.out, "results.md")).read())


if __name__ == "__main__":
    main()
