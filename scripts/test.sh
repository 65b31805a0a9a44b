#!/usr/bin/env bash
# The whole test suite from a fresh clone: setup (packages, npm, build), the real models and their
# references, then every ctest (unit tests, ONNX conformance, real-model equivalence).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fetch_models.sh"
cd "$ROOT/build"
ctest --output-on-failure --timeout 300 -j"${SATURN_JOBS:-$(nproc)}"
# The op tests again with oneDNN held to SSE4.1, as on a CPU without AVX2: Saturn's own AVX2 kernels
# step aside (ops/avx2.h: available()) and oneDNN's kernels must meet the same references.
DNNL_MAX_CPU_ISA=SSE41 "$ROOT/build/tests/saturn_ops_tests" --gtest_brief=1
