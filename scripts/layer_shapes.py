#!/usr/bin/python3
"""Extracts the distinct Conv, Gemm and MatMul layer shapes of the benchmark models into
benchmarks/layer_shapes.h (the list the layer benchmarks run, benchmarks/layer_bench.cc).

    /usr/bin/python3 scripts/layer_shapes.py [--models DIR] [--out benchmarks/layer_shapes.h]

Each model in DIR/{resnet50,mobilenet_v2,ppocr_rec}.onnx is run once on its checked-in sample input
(DIR/<model>.input.npy; PP-OCR rec at 1x3x48x320) by a small numpy/torch evaluator, which gives
every tensor's real shape (ONNX shape inference cannot resolve PP-OCR rec's computed Reshapes) and
its real value range. A layer's input is marked unsigned (U8 in the INT8 form) when it is >= 0 on
that sample, as the converter marks a tensor with a calibrated min >= 0; otherwise signed (S8). The
activation that follows a layer (Relu, or Clip 0..6) is recorded as its fused activation. Layers
are deduplicated per model on (op, dims, attributes, input sign, activation); a name that
repeats within a model gets the input sign and activation appended.
"""
import argparse
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

MODELS = ["resnet50", "mobilenet_v2", "ppocr_rec"]


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def conv(x, w, b, a):
    k = len(w.shape) - 2
    pads = a.get("pads", [0] * 2 * k)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    if any(pads):
        xt = F.pad(xt, [p for i in reversed(range(k)) for p in (pads[i], pads[i + k])])
    return F.conv2d(xt, torch.from_numpy(np.array(w)), None if b is None else torch.from_numpy(np.array(b)), a.get("strides", 1),
                    0, a.get("dilations", 1), a.get("group", 1)).numpy()


def pool(x, a, kind):
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise ValueError("asymmetric pool pads")
    xt = torch.from_numpy(x)
    if kind == "max":
        return F.max_pool2d(xt, a["kernel_shape"], a.get("strides"), pads[:2], ceil_mode=bool(a.get("ceil_mode", 0))).numpy()
    return F.avg_pool2d(xt, a["kernel_shape"], a.get("strides"), pads[:2], ceil_mode=bool(a.get("ceil_mode", 0)),
                        count_include_pad=bool(a.get("count_include_pad", 0))).numpy()


def slice_(x, starts, ends, axes, steps):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(e), int(st))
    return x[tuple(idx)]


def evaluate(node, v, a):
    """Returns the node's outputs (a list) from its input values `v` and attributes `a`."""
    op = node.op_type
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])]
    if op == "Conv":
        return [conv(v[0], v[1], v[2] if len(v) > 2 else None, a)]
    if op == "Gemm":
        A = v[0].T if a.get("transA", 0) else v[0]
        B = v[1].T if a.get("transB", 0) else v[1]
        y = a.get("alpha", 1.0) * (A @ B)
        return [y + a.get("beta", 1.0) * v[2] if len(v) > 2 else y]
    if op == "MatMul":
        return [np.matmul(v[0], v[1])]
    if op == "BatchNormalization":
        x, s, b, m, var = v
        sh = (1, -1) + (1,) * (x.ndim - 2)
        return [((x - m.reshape(sh)) / np.sqrt(var.reshape(sh) + a.get("epsilon", 1e-5)) * s.reshape(sh)
                 + b.reshape(sh)).astype(np.float32)]
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power}
    if op in binary:
        return [binary[op](v[0], v[1]).astype(v[0].dtype)]
    if op == "Relu":
        return [np.maximum(v[0], 0)]
    if op == "Clip":
        lo = a.get("min", v[1] if len(v) > 1 and v[1] is not None else -np.inf)
        hi = a.get("max", v[2] if len(v) > 2 and v[2] is not None else np.inf)
        return [np.clip(v[0], lo, hi)]
    if op == "Sigmoid":
        return [(1 / (1 + np.exp(-v[0]))).astype(np.float32)]
    if op == "HardSigmoid":
        return [np.clip(a.get("alpha", 0.2) * v[0] + a.get("beta", 0.5), 0, 1).astype(np.float32)]
    if op == "Sqrt":
        return [np.sqrt(v[0])]
    if op == "MaxPool":
        return [pool(v[0], a, "max")]
    if op == "AveragePool":
        return [pool(v[0], a, "avg")]
    if op == "GlobalAveragePool":
        return [v[0].mean(axis=(2, 3), keepdims=True)]
    if op == "Flatten":
        ax = a.get("axis", 1)
        return [v[0].reshape(int(np.prod(v[0].shape[:ax])), -1)]
    if op == "Shape":
        return [np.array(v[0].shape, dtype=np.int64)]
    if op == "Cast":
        return [v[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])]
    if op == "Slice":
        if "starts" in a:
            return [slice_(v[0], a["starts"], a["ends"], a.get("axes"), None)]
        return [slice_(v[0], v[1], v[2], v[3] if len(v) > 3 else None, v[4] if len(v) > 4 else None)]
    if op == "Concat":
        return [np.concatenate(v, axis=a["axis"])]
    if op == "Reshape":
        shape = [d if d != 0 else v[0].shape[i] for i, d in enumerate(v[1].astype(np.int64))]
        return [v[0].reshape(shape)]
    if op == "Transpose":
        return [np.transpose(v[0], a.get("perm"))]
    if op == "ReduceMean":
        return [v[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))]
    if op == "Squeeze":
        return [np.squeeze(v[0], axis=tuple(a["axes"]))]
    if op == "Softmax":
        e = np.exp(v[0] - v[0].max(axis=a["axis"], keepdims=True))
        return [e / e.sum(axis=a["axis"], keepdims=True)]
    raise ValueError(f"unsupported op {op} ({node.name})")


def activation_after(node, consumers, values):
    """The activation a converter fuses into `node`: its only consumer when that is Relu or Clip(0, x)."""
    users = consumers.get(node.output[0], [])
    if len(users) != 1:
        return "None", 0.0, 0.0
    user = users[0]
    if user.op_type == "Relu":
        return "Relu", 0.0, 0.0
    if user.op_type == "Clip":
        a = attrs(user)
        lo = a.get("min", values.get(user.input[1]) if len(user.input) > 1 else None)
        hi = a.get("max", values.get(user.input[2]) if len(user.input) > 2 else None)
        if lo is not None and hi is not None and float(lo) == 0.0:
            return "Clip", 0.0, float(hi)
    return "None", 0.0, 0.0


def layers_of(model_path, x):
    model = onnx.load(model_path)
    g = model.graph
    values = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    constants = set(values)
    runtime_inputs = [i.name for i in g.input if i.name not in constants]
    values[runtime_inputs[0]] = x.astype(np.float32)
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for n in g.node:
        outs = evaluate(n, [values[i] if i else None for i in n.input], attrs(n))
        for name, val in zip(n.output, outs):
            values[name] = val
        if n.op_type == "Constant":
            constants.update(n.output)
    found = []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        a = attrs(n)
        v = [values[i] if i else None for i in n.input]
        unsigned = bool(v[0].min() >= 0)
        act = activation_after(n, consumers, values)
        if n.op_type == "Conv":
            xs, ws = v[0].shape, v[1].shape
            k = list(ws[2:])
            key = ("Conv", xs[1], ws[0], xs[2], xs[3], k[0], k[1], *a.get("strides", [1, 1]), *a.get("pads", [0] * 4),
                   *a.get("dilations", [1, 1]), a.get("group", 1))
        elif n.op_type == "Gemm":
            if a.get("transA", 0):
                raise ValueError("Gemm with transA")
            K, N = (v[1].shape[1], v[1].shape[0]) if a.get("transB", 0) else v[1].shape
            key = ("Gemm", v[0].shape[0], K, N, a.get("transB", 0), len(v) > 2)
        else:
            a_dims, b_dims = v[0].shape, v[1].shape
            key = ("MatMul", tuple(a_dims), tuple(b_dims), n.input[1] in constants)
        found.append((key, unsigned, act))
    distinct = []
    for item in found:
        if item not in distinct:
            distinct.append(item)
    return distinct


def conv_name(key, unsigned):
    _, c, m, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group = key
    name = f"conv_{kh}x{kw}_{c}x{m}_{h}x{w}"
    if group == c and group == m:
        name = f"dwconv_{kh}x{kw}_{c}_{h}x{w}"
    elif group != 1:
        name += f"_g{group}"
    if (sh, sw) != (1, 1):
        name += f"_s{sh}" if sh == sw else f"_s{sh}x{sw}"
    if (dh, dw) != (1, 1):
        name += f"_d{dh}"
    return name


def entry(model, key, unsigned, act):
    kind, lo, hi = act
    x = "kU8" if unsigned else "kS8"
    if key[0] == "Conv":
        _, c, m, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group = key
        return (conv_name(key, unsigned),
                f"LayerOp::kConv, {{1, {c}, {h}, {w}}}, {{{m}, {c // group}, {kh}, {kw}}}, "
                f"{{{sh}, {sw}}}, {{{pt}, {pl}, {pb}, {pr}}}, {{{dh}, {dw}}}, {group}, false, false")
    if key[0] == "Gemm":
        _, M, K, N, trans_b, bias = key
        b = f"{{{N}, {K}}}" if trans_b else f"{{{K}, {N}}}"
        return (f"gemm_{M}x{K}x{N}",
                f"LayerOp::kGemm, {{{M}, {K}}}, {b}, {{}}, {{}}, {{}}, 1, {str(bool(trans_b)).lower()}, false")
    _, a_dims, b_dims, b_const = key
    name = "matmul_" + "x".join(map(str, a_dims)) + "_" + "x".join(map(str, b_dims))
    if not b_const:
        name += "_act"
    return (name, f"LayerOp::kMatMul, {{{', '.join(map(str, a_dims))}}}, {{{', '.join(map(str, b_dims))}}}, "
                  f"{{}}, {{}}, {{}}, 1, false, {str(not b_const).lower()}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=os.path.join(root, "models"))
    p.add_argument("--out", default=os.path.join(root, "benchmarks", "layer_shapes.h"))
    args = p.parse_args()
    rows = []
    for model in MODELS:
        x = np.load(os.path.join(args.models, model + ".input.npy"))
        if model == "ppocr_rec":
            x = x[:, :, :48, :320]
            assert x.shape == (1, 3, 48, 320), x.shape
        names = set()
        for key, unsigned, act in layers_of(os.path.join(args.models, model + ".onnx"), x):
            name, fields = entry(model, key, unsigned, act)
            if name in names:  # the same shape with another input sign or activation
                name += ("_u8in" if unsigned else "_s8in") + ("_" + act[0].lower() if act[0] != "None" else "")
            base, n = name, 2
            while name in names:
                name, n = f"{base}_{n}", n + 1
            names.add(name)
            x_type = "DType::kU8" if unsigned else "DType::kS8"
            rows.append(f'    {{"{model}", "{name}", {fields}, {x_type}, '
                        f'fb::ActivationKind::{act[0]}, {act[1]:.1f}f, {act[2]:.1f}f}},')
    with open(args.out, "w") as f:
        f.write("// GENERATED by scripts/layer_shapes.py from models/{resnet50,mobilenet_v2,ppocr_rec}.onnx: do not edit.\n")
        f.write("// The distinct Conv, Gemm and MatMul layers of each model (see layer_spec.h for the fields).\n")
        f.write("#pragma once\n\n#include <vector>\n\n#include \"benchmarks/layer_spec.h\"\n\n")
        f.write("namespace saturn::bench {\n\ninline const std::vector<LayerSpec>& model_layers() {\n")
        f.write("  static const std::vector<LayerSpec> kLayers = {\n")
        f.write("\n".join(rows) + "\n  };\n  return kLayers;\n}\n\n}  // namespace saturn::bench\n")
    print(f"wrote {args.out}: {len(rows)} layers")


if __name__ == "__main__":
    main()
