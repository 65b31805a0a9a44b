#!/usr/bin/env bash
# Reproduces every accuracy figure in the README: trains the Fashion-MNIST models (if missing),
# renders the OCR sets (if missing), then runs both evaluations. Results: build/accuracy/*/results.md.
#   SATURN_BIN=DIR   tools folder (default build/tools)
#   OCR_METHODS=...  calibration methods for the OCR models (default entropy; e.g. entropy,percentile,max,mse)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
status=0
/usr/bin/python3 "$HERE/fashion_mnist_eval.py" || status=1
/usr/bin/python3 "$HERE/ocr_eval.py" --methods "${OCR_METHODS:-entropy}" || status=1
exit $status
