#!/usr/bin/env bash
# The whole test suite from a fresh clone: setup (packages, npm, build), the real models and their
# references, then every ctest (unit tests, ONNX conformance, real-model equivalence).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fetch_models.sh"
cd "$ROOT/build"
ctest --output-on-failure --timeout 300 -j"${SATURN_JOBS:-$(nproc)}"
