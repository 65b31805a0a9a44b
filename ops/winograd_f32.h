// FP32 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3) for AVX2 CPUs, behind the Conv
// kernel (ops/conv.cc).
//
// Why: a 3x3 stride-1 convolution over many channels is one large multiply per tap; F(2x2, 3x3)
// computes each 2x2 block of outputs from a 4x4 block of inputs with 16 element-wise products per
// channel pair instead of 36, so 2.25x fewer multiply-adds, and those run as 16 matrix products that
// oneDNN's sgemm takes at the FP32 peak. oneDNN 2.6 has Winograd convolutions for AVX-512 only, and only on blocked (nChw16c) data.
//
// Arithmetic (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), per input
// channel c, output channel m and tile of 2x2 outputs whose 4x4 input block is d:
//   U = G g G^T (the 3x3 weights g, once), V = B^T d B, Y = A^T [sum over c of U (.) V] A,
//   with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1] and
//   A^T = [1 1 1 0; 0 1 -1 -1]. The sum over c is, for each of the 16 positions of U (.) V, a matrix
//   product [tiles x C] x [C x M]. Then the bias and the activation. The result equals
//   the direct convolution up to float rounding (relative differences near 1e-6).
//
// Scope: X [N, C, H, W] and Y [N, M, oh, ow] F32 in Nhwc, W [M, C, 3, 3] F32, group 1, stride 1,
// dilation 1, any pads, C and M multiples of 8, 16 * C * M floats of transformed weights at most
// kMaxWeightBytes (ResNet-50's 512-channel layer 4 on 7 x 7 pixels ran 1.5x slower: 16 MiB of
// weights from memory for 16 tiles), no residual; activations None, Relu and Clip without an
// affine tail (supports()); a CPU with AVX2 and FMA where oneDNN runs at AVX2 or above
// (avx2::available_at_avx2_or_above(): on AMD Zen 5 with AVX-512, ResNet-50's 3x3 convolutions of
// layers 1 to 3 ran 1.3-1.7x faster than oneDNN's brgconv:avx512_core). The Conv kernel
// (ops/conv.cc) checks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ops/winograd_tiles.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::winograd_f32 {

constexpr int64_t kMaxWeightBytes = 4 * 1024 * 1024;

using Geometry = winograd::Geometry;

// True for the activations listed above (null: none).
bool supports(const fb::Activation* activation);

class WinogradF32 {
 public:
  // `weights` [M, C, 3, 3] row-major; `bias` M values or null. Runs on up to `threads` threads.
  WinogradF32(const Geometry& g, const float* weights, const float* bias, const fb::Activation* activation,
              int threads);

  // Scratch run() needs: per thread, the transformed inputs and the products of one chunk of tiles.
  size_t scratch_bytes() const;

  // x and y in Nhwc; `scratch` scratch_bytes(), 64-byte aligned. Runs on the calling thread's
  // OpenMP team (at most `threads` of it).
  void run(const float* x, float* y, void* scratch) const;

 private:
  // Tiles [t0, t0 + count): their 16 transformed input matrices [count x C] into v.
  void transform_input(const float* x, int64_t t0, int64_t count, float* v) const;
  // The same tiles' 16 products [count x M] in p: bias, activation, the 2x2 outputs into y.
  void transform_output(const float* p, int64_t t0, int64_t count, float* y) const;

  Geometry g_;
  winograd::Tiles tiles_;
  int64_t chunk_ = 0;  // tiles per matrix product
  int threads_ = 1;
  std::vector<float> u_;     // 16 matrices [C x M]: position (i, j) of G g G^T
  std::vector<float> bias_;  // M values (zeros without a bias)
  fb::ActivationKind kind_ = fb::ActivationKind::None;
  float lo_ = 0.f, hi_ = 0.f;  // the activation's bounds (None: +-inf)
};

}  // namespace saturn::winograd_f32
