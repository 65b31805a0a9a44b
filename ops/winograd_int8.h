// INT8 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3) in exact integer arithmetic, for
// AVX2 CPUs, behind the Conv kernel (ops/conv.cc).
//
// Why: without VNNI a u8 x s8 product costs vpmaddubsw + vpmaddwd per 32 multiply-adds, and oneDNN's
// 3x3 convolutions run at that ceiling. F(2x2, 3x3) computes each 2x2 block of outputs from a 4x4
// block of inputs with 16 products per channel pair instead of 36; as int16 x int16 products
// (vpmaddwd, 16 per instruction) they cost what direct ones do, so the multiplies take 2.25x less
// time, and the transforms are additions.
//
// Arithmetic (Lavin and Gray 2016, as in winograd_f32.h, with G doubled so that U is integer), per
// input channel c, output channel m and tile of 2x2 outputs whose 4x4 input block is d:
//   V = B^T d B      |V| <= 4 * 255 = 1020 (int16), B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   U = G2 g G2^T    |U| <= 9 * 127 = 1143 (int16), G2 = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]
//   4 * (acc + bias) = A^T [4 bias at (1, 1) + sum over c of U (.) V] A,  A^T = [1 1 1 0; 0 1 -1 -1]
// (position (1, 1) reaches every output with coefficient 1). The sums over c are, per position,
// int32 matrix products [tiles x C] x [C x M] (vpmaddwd over channel pairs). int32 additions wrap
// modulo 2^32, so the result is exact whenever 4 * (acc + bias) fits in int32: C <= kMaxChannels
// and |bias| <= kMaxBias. acc is the contract's sum(x_q * w_q) (DESIGN section 2) for any s8 weights
// (no reduced range needed); the epilogue is avx2_requantize.h's, with the scales quartered (exact
// in float). Scalar reference: ops/reference/conv.h.
//
// Scope: X [N, C, H, W] U8 or S8 in Nhwc, W [M, C, 3, 3] s8, group 1, stride 1, dilation 1, any pads,
// C and M multiples of 16, C <= kMaxChannels, 16 * C * M int16 transformed weights at most
// kMaxWeightBytes, |bias| <= kMaxBias; Y U8, S8 or F32 in Nhwc; optionally a residual R with Y's
// dims in Nhwc (U8 or S8 with its scale, F32 for an F32 Y), added before the activation (ResNet's
// basic blocks); activations as avx2::supports(); a CPU where avx2::available(). The Conv kernel
// (ops/conv.cc) checks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ops/avx2_requantize.h"
#include "ops/winograd_tiles.h"
#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::winograd_int8 {

constexpr int64_t kMaxChannels = 1024;
constexpr int64_t kMaxBias = int64_t{1} << 27;
constexpr int64_t kMaxWeightBytes = 2 * 1024 * 1024;

using Geometry = winograd::Geometry;

// True when C, M, the weights' size and the `bias` (M values or null) are in the scope above.
bool in_scope(const Geometry& g, const int32_t* bias);

// A residual's type and scale alpha_r (1 for F32).
struct Residual {
  DType type = DType::kU8;
  float alpha = 1.f;
};

class WinogradInt8 {
 public:
  // `weights` [M, C, 3, 3] s8 row-major; `bias` M values or null; `scales` M values
  // alpha_x * alpha_w[m]; `alpha_y` is Y's scale (unused for an F32 Y); `residual` null without one.
  // Requires in_scope() and avx2::supports(activation). Runs on up to `threads` threads.
  WinogradInt8(const Geometry& g, const int8_t* weights, const int32_t* bias, const std::vector<float>& scales,
               const fb::Activation* activation, DType x_type, DType y_type, float alpha_y, int threads,
               const Residual* residual = nullptr);

  // Scratch run() needs: per thread, the transformed inputs of one chunk of tiles and the products
  // of one block of 16 output channels.
  size_t scratch_bytes() const;

  // x, r (the residual, with one; may be y itself) and y in Nhwc; `scratch` scratch_bytes(),
  // 64-byte aligned. Runs on the calling thread's OpenMP team (at most `threads` of it). Call only
  // when avx2::available().
  void run(const void* x, const void* r, void* y, void* scratch) const;

 private:
  // One thread's scratch: v (16 * chunk_ * C int16), then p (16 * chunk_ * 16 int32), 64-byte multiple.
  int64_t thread_scratch_bytes() const;
  // Tiles [t0, t0 + count): their 16 transformed input matrices [count x C] (int16) into v.
  void transform_input(const uint8_t* x, int64_t t0, int64_t count, int16_t* v) const;
  // Output channel block b of tiles [t0, t0 + count): the 16 products [count x 16] (int32) into p.
  void multiply(const int16_t* v, int64_t count, int64_t b, int32_t* p) const;
  // The same block's 2x2 outputs from p, with the residual r (or null), requantized into y.
  void transform_output(const int32_t* p, int64_t t0, int64_t count, int64_t b, const uint8_t* r,
                        uint8_t* y) const;

  Geometry g_;
  winograd::Tiles tiles_;
  int64_t chunk_ = 0;   // tiles per chunk
  int64_t blocks_ = 0;  // output channel blocks of 16
  int threads_ = 1;
  bool signed_x_ = false;
  DType y_type_ = DType::kU8;
  std::optional<DType> r_type_;  // none: no residual
  // Per position, block and input channel pair: two vectors of 8 output channels x 2 input channels
  // of U, in avx2::kChannel's lane order; per block, 4 * bias and the quartered scales in that order.
  std::vector<int16_t> u_;
  std::vector<int32_t> bias4_;
  std::vector<float> scales_;
  avx2::Requantization requantization_;
};

}  // namespace saturn::winograd_int8
