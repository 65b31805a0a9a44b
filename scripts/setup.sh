#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12, fetches the npm packages and builds Saturn
# (Release, Ninja) into build/. Idempotent: apt-get runs only when a package is missing, npm only
# when a package is missing or has another version, and the build is incremental.
#   SATURN_JOBS=N   build parallelism (default: all cores)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PACKAGES=(
  build-essential cmake ninja-build g++ git                       # toolchain
  libdnnl-dev                                                     # oneDNN 2.6.3 (kernels)
  libflatbuffers-dev flatbuffers-compiler                         # model format
  libonnx-dev libprotobuf-dev protobuf-compiler                   # converter (ONNX import)
  libstb-dev                                                      # calibration images (stb_image)
  libgtest-dev libgmock-dev libbenchmark-dev                      # tests, benchmarks
  libonnx-testdata                                                # ONNX conformance tests
  python3-onnx python3-numpy python3-torch python3-torchvision   # export and input scripts
  python3-pil dataset-fashion-mnist fonts-dejavu-core fonts-noto-cjk  # accuracy (scripts/accuracy)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js drives ONNX Runtime (the reference). Any install that provides node and npm will do
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

"$ROOT/scripts/npm_deps.sh"

cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$ROOT/build" -j"${SATURN_JOBS:-$(nproc)}"
echo "setup: built into $ROOT/build"
