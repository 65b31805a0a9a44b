#!/usr/bin/env bash
# The main job on its built-in default: ResNet-50 (torchvision, opset 13) converted to Saturn and run,
# its output checked against PyTorch's, and timed.
# (To come: calibration on real data, INT8 conversion, and the FP32-vs-INT8 benchmark.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
THREADS="${SATURN_THREADS:-2}"
"$ROOT/scripts/setup.sh"
/usr/bin/python3 "$ROOT/scripts/export_torchvision.py" --models resnet50 --out "$ROOT/models"

BIN="$ROOT/build"
DEMO="$ROOT/build/demo"
mkdir -p "$DEMO"
echo "== convert"
"$BIN/tools/saturn-convert" "$ROOT/models/resnet50.onnx" -o "$DEMO/resnet50.saturn" --input-shape input=1,3,224,224
"$BIN/tools/saturn-inspect" "$DEMO/resnet50.saturn" | grep -E "^(model:|nodes|total weight|execution steps|total macs|arena)"
echo "== run (1 image) and check against PyTorch"
"$BIN/tools/saturn-run" "$DEMO/resnet50.saturn" --input "$ROOT/models/resnet50.input.npy" --output-dir "$DEMO/out" \
  --threads "$THREADS"
"$BIN/tests/models/saturn_npy_compare" "$DEMO/out/output.npy" "$ROOT/models/resnet50.ref.npy" 1e-3
echo "== timing (16 images, batch 1, $THREADS threads)"
/usr/bin/python3 -c "import numpy as np, sys; x = np.load(sys.argv[1]); np.save(sys.argv[2], np.repeat(x, 16, axis=0))" \
  "$ROOT/models/resnet50.input.npy" "$DEMO/input16.npy"
"$BIN/tools/saturn-run" "$DEMO/resnet50.saturn" --input "$DEMO/input16.npy" --output-dir "$DEMO/out16" --threads "$THREADS"
