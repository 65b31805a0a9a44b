#!/usr/bin/python3
"""Fashion-MNIST top-1 of Saturn FP32 and INT8 (each calibration method) on the 10k test images.

  fashion_mnist_eval.py [--data DIR] [--models cnn,depthwise] [--methods entropy,percentile,max,mse]
                        [--batch B] [--threads T] [--no-ort]

DIR (default build/accuracy/fashion_mnist) holds what fashion_mnist_train.py writes; it is trained
first when cnn.onnx is missing. For each model: saturn-convert FP32 with --input-shape
image=B,1,28,28, then INT8 with --int8 --calib calib.npy --calib-method M for each method; saturn-run
over test.npy (10000/B batches); top-1 against test_labels.npy. FP32 is also cross-checked against
ONNX Runtime (scripts/reference_ort.js) on the first 1000 test images. If saturn-convert has no
--int8 flag, the INT8 rows say so and only FP32 is measured. When saturn-convert advertises
--per-tensor-weights, an extra row shows the default method with per-tensor weight scales.
Prints a markdown table and writes DIR/results.md. Exit status 1 if any conversion or run failed.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saturn_cli import METHODS, ROOT, Saturn, ToolError, markdown_table, only_output, run_ort  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "accuracy", "fashion_mnist"))
    ap.add_argument("--models", default="cnn,depthwise")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--batch", type=int, default=100, help="model batch fixed at conversion (divides 10000)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-ort", action="store_true", help="skip the ONNX Runtime cross-check")
    ap.add_argument("--reuse", action="store_true",
                    help="keep converted models and outputs already in DIR/work (to resume a run)")
    args = ap.parse_args()
    d = args.data
    if not os.path.exists(os.path.join(d, "cnn.onnx")):
        print(f"fashion_mnist_eval: no models in {d}; training them first")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "fashion_mnist_train.py"),
                        "--out", d, "--threads", str(args.threads)], check=True)
    sat = Saturn(threads=args.threads, reuse=args.reuse)
    test_x = os.path.join(d, "test.npy")
    calib = os.path.join(d, "calib.npy")
    labels = np.load(os.path.join(d, "test_labels.npy"))
    if 10000 % args.batch or 1000 % args.batch:
        sys.exit("fashion_mnist_eval: --batch must divide 1000 (calibration) and 10000 (test)")
    shape = f"image={args.batch},1,28,28"
    int8 = sat.int8_available()
    variants = [(m, [m, []]) for m in args.methods.split(",")]
    if int8 and sat.supports("--per-tensor-weights"):
        variants.append((f"{METHODS[0]}, per-tensor weights", [METHODS[0], ["--per-tensor-weights"]]))
    rows, failed = [], False
    work = os.path.join(d, "work")
    os.makedirs(work, exist_ok=True)

    for model in args.models.split(","):
        onnx_path = os.path.join(d, f"{model}.onnx")
        print(f"== {model}")
        fp32_path = os.path.join(work, f"{model}.fp32.saturn")
        try:
            sat.convert(onnx_path, fp32_path, input_shape=shape)
            outs, dt = sat.run(fp32_path, test_x, os.path.join(work, f"{model}.fp32.out"))
            fp32_logits = only_output(outs)
        except ToolError as e:
            print(f"fashion_mnist_eval: {model} FP32: {e}", file=sys.stderr)
            rows.append([model, "FP32", "-", "FAILED", "", "", ""])
            failed = True
            continue
        fp32_pred = fp32_logits.argmax(1)
        fp32_top1 = 100.0 * (fp32_pred == labels).mean()
        ort_note = "not checked"
        if not args.no_ort:
            try:
                np.save(os.path.join(work, "ort_in.npy"), np.load(test_x)[:1000])
                ref = run_ort(onnx_path, os.path.join(work, "ort_in.npy"), os.path.join(work, f"{model}.ort.npy"))
                diff = np.abs(ref - fp32_logits[:1000]).max()
                agree = 100.0 * (ref.argmax(1) == fp32_pred[:1000]).mean()
                ort_note = f"ORT max abs diff {diff:.2e}, argmax agree {agree:.1f}%"
            except ToolError as e:
                ort_note = "ORT check failed"
                print(f"fashion_mnist_eval: {model}: {e}", file=sys.stderr)
        print(f"  FP32 top-1 {fp32_top1:.2f}% ({ort_note}) [{dt:.1f}s for 10k]")
        rows.append([model, "FP32", "-", f"{fp32_top1:.2f}", "-", "-", ort_note])

        for label, (method, extra) in variants:
            if not int8:
                rows.append([model, "INT8", label, "n/a", "", "", "saturn-convert has no --int8 yet"])
                continue
            tag = label.replace(", ", "_").replace(" ", "-")
            path = os.path.join(work, f"{model}.int8.{tag}.saturn")
            try:
                sat.convert(onnx_path, path, input_shape=shape, int8=True, calib=calib, method=method,
                            extra=extra)
                outs, dt = sat.run(path, test_x, os.path.join(work, f"{model}.int8.{tag}.out"))
                logits = only_output(outs)
            except ToolError as e:
                print(f"fashion_mnist_eval: {model} INT8 {label}: {e}", file=sys.stderr)
                first = str(e).splitlines()[-1][:80].replace("|", "/")
                rows.append([model, "INT8", label, "FAILED", "", "", first])
                failed = True
                continue
            pred = logits.argmax(1)
            top1 = 100.0 * (pred == labels).mean()
            agree = 100.0 * (pred == fp32_pred).mean()
            fsize = os.path.getsize(path) / os.path.getsize(fp32_path)
            print(f"  INT8 {label}: top-1 {top1:.2f}% (delta {top1 - fp32_top1:+.2f}) [{dt:.1f}s for 10k]")
            rows.append([model, "INT8", label, f"{top1:.2f}", f"{top1 - fp32_top1:+.2f}", f"{agree:.2f}",
                         f"file {fsize:.2f}x FP32"])

    table = markdown_table(["model", "precision", "calibration", "top-1 (%)", "delta (points)",
                            "argmax = FP32 (%)", "notes"], rows)
    head = (f"Fashion-MNIST, 10000 test images, calibration: 1000 training images, model batch "
            f"{args.batch}, {args.threads} threads.")
    if not int8:
        head += "\nINT8: saturn-convert in " + sat.bin_dir + " has no --int8 flag yet; only FP32 was measured."
    print("\n" + head + "\n\n" + table)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(head + "\n\n" + table + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
