#!/usr/bin/env bash
# The main job on its built-in default: ResNet-50 (torchvision, opset 13) converted to Saturn and run,
# its output checked against PyTorch's, and timed.
# Then calibrated, converted to INT8 and benchmarked against FP32. The weights are untrained and the
# calibration data synthetic: the accuracy figures on real data are scripts/accuracy's.
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
echo "== INT8: calibrate on 16 seeded samples (entropy), convert"
/usr/bin/python3 -c "import numpy as np, sys; rng = np.random.default_rng(7); \
np.save(sys.argv[1], rng.standard_normal((16, 3, 224, 224)).astype(np.float32))" "$DEMO/calib.npy"
"$BIN/tools/saturn-convert" "$ROOT/models/resnet50.onnx" -o "$DEMO/resnet50.int8.saturn" \
  --input-shape input=1,3,224,224 --int8 --calib "$DEMO/calib.npy" --threads "$THREADS"
ls -l "$DEMO/resnet50.saturn" "$DEMO/resnet50.int8.saturn" | awk '{print $5, $9}'
"$BIN/tools/saturn-run" "$DEMO/resnet50.int8.saturn" --input "$ROOT/models/resnet50.input.npy" \
  --output-dir "$DEMO/out_int8" --threads "$THREADS"
/usr/bin/python3 -c "import numpy as np, sys; a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); \
print('INT8 vs FP32: SQNR %.1f dB, top-1 %s' % (10 * np.log10((b ** 2).sum() / ((a - b) ** 2).sum()), \
'agrees' if a.argmax() == b.argmax() else 'differs'))" "$DEMO/out_int8/output.npy" "$DEMO/out/output.npy"
echo "== INT8 vs FP32 latency (saturn-bench, interleaved, batch 1, $THREADS threads)"
"$BIN/tools/saturn-bench" "$DEMO/resnet50.int8.saturn" --vs "$DEMO/resnet50.saturn" --threads "$THREADS" \
  --min-time 5 --json "$DEMO/bench.json"
