#!/usr/bin/env bash
# One QDQ-export agreement test (registered by tests/models/CMakeLists.txt, issue 4 item 3):
#   qdq_ort_test.sh CONVERT RUN MODELS_DIR WORK_DIR NAME INPUT_NAME DIMS
# calibrates MODELS_DIR/NAME.onnx on 8 seeded samples (NAME.input.npy plus N(0, 0.05) noise each),
# converts it to INT8 with --emit-qdq, runs the INT8 .saturn with saturn-run and the QDQ .onnx in
# ONNX Runtime (onnxruntime-node from third_party/npm, scripts/npm_deps.sh) on NAME.input.npy, and
# requires output SQNR(ORT QDQ vs Saturn INT8) >= 30 dB (qdq_ort_compare.js).
set -euo pipefail
convert="$1" run="$2" models="$3" work="$4" name="$5" input="$6" dims="$7"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for f in "$name.onnx" "$name.input.npy"; do
  if [[ ! -f "$models/$f" ]]; then
    echo "missing $models/$f: run scripts/fetch_models.sh first" >&2
    exit 1
  fi
done
if [[ ! -d "$here/../../third_party/npm/node_modules/onnxruntime-node" ]]; then
  echo "missing onnxruntime-node: run scripts/npm_deps.sh first" >&2
  exit 1
fi
rm -rf "$work" && mkdir -p "$work/out"
/usr/bin/python3 -c "import numpy as np, sys; x = np.load(sys.argv[1]).astype(np.float32); \
rng = np.random.default_rng(7); \
np.save(sys.argv[2], np.concatenate([x + 0.05 * rng.standard_normal(x.shape).astype(np.float32) for _ in range(8)]))" \
  "$models/$name.input.npy" "$work/calib.npy"
"$convert" "$models/$name.onnx" -o "$work/$name.int8.saturn" --input-shape "$input=$dims" --int8 \
  --calib "$input=$work/calib.npy" --emit-qdq "$work/$name.qdq.onnx" --threads 2
"$run" "$work/$name.int8.saturn" --input "$input=$models/$name.input.npy" --output-dir "$work/out" --threads 2
outputs=("$work"/out/*.npy)
if [[ ${#outputs[@]} -ne 1 ]]; then
  echo "expected one output, found ${#outputs[@]}: ${outputs[*]}" >&2
  exit 1
fi
ref=()
[[ -f "$models/$name.ref.npy" ]] && ref=(--ref "$models/$name.ref.npy")
node "$here/qdq_ort_compare.js" "$work/$name.qdq.onnx" --input "$input=$models/$name.input.npy" \
  --saturn "${outputs[0]}" --min-sqnr 30 "${ref[@]}" --threads 2
