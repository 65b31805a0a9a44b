#!/usr/bin/env bash
# The whole test suite from a fresh clone: setup (packages, npm, build), the real models and their
# references, then every ctest (unit tests, ONNX conformance, real-model equivalence).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fetch_models.sh"
cd "$ROOT/build"
ctest --output-on-failure --timeout 300 -j"${SATURN_JOBS:-$(nproc)}"
# The op tests again with oneDNN held to lower ISAs, so that every CPU runs every kernel family: at
# AVX512_CORE_VNNI an AMX CPU runs the VNNI INT8 kernels of other AVX-512 CPUs (elsewhere the run
# repeats the default); at AVX2 Saturn's own kernels take their layers (ops/avx2.h: available(); on
# an AVX-512 CPU they step aside) and oneDNN's INT8 kernels run without VNNI (ops/conv_int8.h); at
# SSE4.1 Saturn's kernels step aside and oneDNN's must meet the same references.
for isa in AVX512_CORE_VNNI AVX2 SSE41; do
  DNNL_MAX_CPU_ISA=$isa "$ROOT/build/tests/saturn_ops_tests" --gtest_brief=1
done
