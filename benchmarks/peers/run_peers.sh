#!/usr/bin/env bash
# Saturn FP32/INT8 against ONNX Runtime FP32/INT8 and PyTorch INT8, side by side (issue 4 item 4).
#   benchmarks/peers/run_peers.sh [--threads 2] [--rounds 5] [--min-time 2] [--models resnet50,mobilenet_v2,ppocr_rec]
#                                 [--out DIR] [--work DIR] [--bin DIR] [--models-dir DIR] [--omp-wait-policy P]
# Needs the built tools (build/tools/saturn-convert, saturn-bench), the models (scripts/export_torchvision.py;
# ppocr_rec from scripts/fetch_models.sh), and onnxruntime-node (scripts/npm_deps.sh). Writes DIR/results.md,
# DIR/chart.svg and DIR/results.json (default DIR: benchmarks/peers). Options: benchmarks/peers/peers.py --help.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[[ -d "$ROOT/third_party/npm/node_modules/onnxruntime-node" ]] || "$ROOT/scripts/npm_deps.sh"
exec /usr/bin/python3 "$HERE/peers.py" "$@"
