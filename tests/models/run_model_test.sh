#!/usr/bin/env bash
# One real-model FP32 equivalence test (registered by tests/models/CMakeLists.txt):
#   run_model_test.sh CONVERT RUN COMPARE MODELS_DIR WORK_DIR NAME INPUT_NAME DIMS
# converts MODELS_DIR/NAME.onnx with --input-shape INPUT_NAME=DIMS, runs it on NAME.input.npy and
# compares the single output with NAME.ref.npy: max|saturn - ref| <= 1e-3 * max|ref|.
# The data comes from scripts/fetch_models.sh (run by scripts/test.sh before ctest).
set -euo pipefail
convert="$1" run="$2" compare="$3" models="$4" work="$5" name="$6" input="$7" dims="$8"
for f in "$name.onnx" "$name.input.npy" "$name.ref.npy"; do
  if [[ ! -f "$models/$f" ]]; then
    echo "missing $models/$f: run scripts/fetch_models.sh first" >&2
    exit 1
  fi
done
rm -rf "$work" && mkdir -p "$work/out"
"$convert" "$models/$name.onnx" -o "$work/$name.saturn" --input-shape "$input=$dims"
"$run" "$work/$name.saturn" --input "$input=$models/$name.input.npy" --output-dir "$work/out" --threads 2
outputs=("$work"/out/*.npy)
if [[ ${#outputs[@]} -ne 1 ]]; then
  echo "expected one output, found ${#outputs[@]}: ${outputs[*]}" >&2
  exit 1
fi
"$compare" "${outputs[0]}" "$models/$name.ref.npy" 1e-3
