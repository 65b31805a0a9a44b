"""Tables, targets and the bar chart of benchmarks/peers (peers.py's results dict -> files).

write(result, out_dir) writes results.md, chart.svg (drawn here, no plotting library) and
results.json. Latencies are medians over rounds of per-round medians, in ms; "A vs B" is
median(B) / median(A), i.e. how many times faster A is than B.
"""
import json
import os
from statistics import median
from xml.sax.saxutils import escape

LABELS = {"saturn_fp32": "Saturn FP32", "saturn_int8": "Saturn INT8", "ort_fp32": "ORT FP32",
          "ort_int8": "ORT INT8 (QDQ)", "torch_int8": "PyTorch INT8"}
COLORS = {"saturn_fp32": "#9ecae1", "saturn_int8": "#08519c", "ort_fp32": "#fdae6b", "ort_int8": "#d94801",
          "torch_int8": "#74c476"}
COMPARISONS = [("saturn_int8", "saturn_fp32"), ("saturn_int8", "ort_int8"), ("saturn_int8", "torch_int8"),
               ("saturn_fp32", "ort_fp32"), ("saturn_int8", "ort_fp32")]
# Issue 4, "Performance targets" (2 threads, batch 1): (model, faster, slower) -> minimum ratio.
TARGETS = {
    ("resnet50", "saturn_int8", "saturn_fp32"): 3.0,
    ("resnet50", "saturn_int8", "ort_int8"): 1.7,
    ("resnet50", "saturn_int8", "torch_int8"): 1.6,
    ("resnet50", "saturn_fp32", "ort_fp32"): 1.05,
    ("mobilenet_v2", "saturn_int8", "saturn_fp32"): 2.0,
    ("mobilenet_v2", "saturn_int8", "ort_fp32"): 1.5,
    ("ppocr_rec", "saturn_int8", "saturn_fp32"): 2.0,
}
MODEL_LABELS = {"resnet50": "ResNet-50", "mobilenet_v2": "MobileNetV2", "ppocr_rec": "PP-OCR rec 1×3×48×320"}


def summarize(samples):
    """samples[model][runtime] = per-round ms (None: failed) -> (medians, ranges, comparisons)."""
    med, rng, comps = {}, {}, []
    for m, per_rt in samples.items():
        for r, xs in per_rt.items():
            ok = [x for x in xs if x is not None]
            if ok:
                med[(m, r)] = median(ok)
                rng[(m, r)] = (min(ok), max(ok))
        for a, b in COMPARISONS:
            target = TARGETS.get((m, a, b))
            if a not in per_rt or b not in per_rt:
                continue
            ratio = med[(m, b)] / med[(m, a)] if (m, a) in med and (m, b) in med else None
            pairs = [y / x for x, y in zip(per_rt[a], per_rt[b]) if x is not None and y is not None]
            status = "" if target is None else ("n/a" if ratio is None else ("met" if ratio >= target else "missed"))
            comps.append({"model": m, "faster": a, "slower": b, "ratio": ratio, "target": target, "status": status,
                          "round_min": min(pairs) if pairs else None, "round_max": max(pairs) if pairs else None})
    return med, rng, comps


def markdown(result, med, rng, comps):
    v, info = result["versions"], result["runtime_info"]
    engine = info.get("torch_int8", {}).get("engine", "?")
    isa = info.get("saturn_int8", info.get("saturn_fp32", {})).get("isa", "?")
    vnni = info.get("saturn_int8", info.get("saturn_fp32", {})).get("vnni")
    runtimes = [r for r in LABELS if any(r in per_rt for per_rt in result["samples_ms"].values())]
    lines = [
        f"Batch 1, {result['threads']} threads, {result['rounds']} interleaved rounds of {result['min_time_s']:g} s "
        f"per runtime; {result['date']}. CPU: {v.get('cpu', '?')} (oneDNN ISA {isa}, VNNI {'yes' if vnni else 'no'}). "
        f"onnxruntime-node {v.get('onnxruntime-node', '?')} (Node {v.get('node', '?')}), PyTorch "
        f"{info.get('torch_int8', {}).get('torch', '?')} with the `{engine}` "
        f"quantized engine. Environment of every run: "
        f"{', '.join(f'{k}={x}' for k, x in result['env'].items()) or 'as inherited'}.",
        "",
        "Median latency in ms (median over rounds; min–max of the rounds in brackets):",
        "",
        "| Model | " + " | ".join(LABELS[r] for r in runtimes) + " |",
        "|---|" + "---:|" * len(runtimes),
    ]
    for m, per_rt in result["samples_ms"].items():
        cells = []
        for r in runtimes:
            if r not in per_rt:
                cells.append("—")
            elif (m, r) not in med:
                cells.append("failed")
            else:
                lo, hi = rng[(m, r)]
                cells.append(f"{med[(m, r)]:.2f} ({lo:.2f}–{hi:.2f})")
        lines.append(f"| {MODEL_LABELS.get(m, m)} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios (A vs B = how many times faster A is; spread: min–max of the per-round ratios):", "",
              "| Model | A vs B | Measured | Rounds | Target | |", "|---|---|---:|---:|---:|---|"]
    for c in comps:
        ratio = "failed" if c["ratio"] is None else f"{c['ratio']:.2f}×"
        spread = "" if c["round_min"] is None else f"{c['round_min']:.2f}–{c['round_max']:.2f}"
        target = "" if c["target"] is None else f"≥ {c['target']:g}×"
        lines.append(f"| {MODEL_LABELS.get(c['model'], c['model'])} | {LABELS[c['faster']]} vs {LABELS[c['slower']]} "
                     f"| {ratio} | {spread} | {target} | {c['status']} |")
    notes = [f"- {m}: preparation failed: {e}" for m, e in result["prepare_errors"].items()]
    notes += [f"- {f}" for f in result["failures"]]
    if notes:
        lines += ["", "Failures:", ""] + notes
    return "\n".join(lines) + "\n"


def svg(result, med):
    width, left, right, bar, gap, head = 760, 150, 110, 18, 4, 26
    plot_w = width - left - right
    parts, y = [], 34
    for m, per_rt in result["samples_ms"].items():
        rts = [r for r in LABELS if r in per_rt]
        top = max([med[(m, r)] for r in rts if (m, r) in med] or [1.0])
        parts.append(f'<text x="10" y="{y + 16}" font-weight="bold">{escape(MODEL_LABELS.get(m, m))}</text>')
        y += head
        for r in rts:
            parts.append(f'<text x="{left - 8}" y="{y + bar - 4}" text-anchor="end">{escape(LABELS[r])}</text>')
            if (m, r) in med:
                w = max(1.0, plot_w * med[(m, r)] / top)
                parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{COLORS[r]}"/>')
                parts.append(f'<text x="{left + w + 6:.1f}" y="{y + bar - 4}">{med[(m, r)]:.2f} ms</text>')
            else:
                parts.append(f'<text x="{left + 6}" y="{y + bar - 4}" fill="#a00">failed</text>')
            y += bar + gap
        y += 12
    title = (f"Median latency, batch 1, {result['threads']} threads, {result['rounds']} interleaved rounds "
             f"(shorter is faster; each model on its own scale)")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 4}" '
            f'font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="10" y="18" font-size="13">{escape(title)}</text>\n' + "\n".join(parts) + "\n</svg>\n")


def write(result, out_dir):
    med, rng, comps = summarize(result["samples_ms"])
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(markdown(result, med, rng, comps))
    with open(os.path.join(out_dir, "chart.svg"), "w") as f:
        f.write(svg(result, med))
    result = dict(result, medians_ms={f"{m}/{r}": x for (m, r), x in med.items()}, comparisons=comps)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
