// Saturn's own INT8 depthwise convolution for AVX2 CPUs, behind the Conv kernel (ops/conv.cc).
//
// Why: oneDNN 2.6's AVX2 INT8 depthwise kernels multiply in 32 bits (vpmulld) and ran slower than
// its FP32 ones (MobileNetV2, PP-OCR rec). This kernel widens X to 16 bits and multiplies two taps
// of 16 channels at once with vpmaddwd, exactly for any s8 weights and a U8 or S8 X (no 16-bit
// saturation, no halved weights), so it needs nothing of the converter's reduced weight range.
//
// Scope: X [N, C, H, W] in Nhwc, group == C == M (one input and one output channel
// per group), dilation 1, at most kMaxTaps kernel taps (a 1x1 one, a per-channel scale, only over
// whole blocks of 16 channels: with one tap the partial block dominates, and PP-OCR det's
// standalone BatchNormalization over 24 channels ran 5x faster on oneDNN), any strides and pads; no
// residual; Y U8, S8 or F32 in Nhwc; activations None, Relu, Clip, LeakyRelu, HardSigmoid,
// HardSwish and Swish with their affine tail (avx2::supports(); Sigmoid and Tanh stay on oneDNN);
// a CPU where avx2::available(). The Conv kernel (ops/conv.cc) checks this scope.
//
// The contract of DESIGN section 2 (scalar reference: ops/reference/conv.h):
//   acc = bias_q[c] + sum over the window of x_q * w_q, in int32 (padding reads zeros);
//   real = acc * (alpha_x * alpha_w[c]) in float; y = scale * f(real) + shift (the activation);
//   a U8/S8 Y is sat(round_half_even(y / alpha_y)) within [0, 255] / [-127, 127]; an F32 Y is y.
//   Float rounding may differ from the double reference by 1 LSB near a tie.
#pragma once

#include <cstdint>
#include <vector>

#include "ops/avx2_requantize.h"
#include "saturn/dtype.h"
#include "saturn/schema/saturn_generated.h"

namespace saturn::depthwise_int8 {

constexpr int kMaxTaps = 64;

struct Geometry {
  int64_t n = 1, c = 1, h = 1, w = 1;  // X
  int64_t kh = 1, kw = 1;              // kernel
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the bottom and right pads follow from oh and ow
  int64_t oh = 1, ow = 1;              // Y [N, C, oh, ow]
};

class DepthwiseInt8 {
 public:
  // `weights` [C, 1, kh, kw] s8 row-major; `bias` C values or null; `scales` C values
  // alpha_x * alpha_w[c]; `alpha_y` is Y's scale (unused for an F32 Y). Requires avx2::supports(activation)
  // and kh * kw <= kMaxTaps.
  DepthwiseInt8(const Geometry& g, const int8_t* weights, const int32_t* bias, const std::vector<float>& scales,
                const fb::Activation* activation, DType x_type, DType y_type, float alpha_y);

  // x and y in Nhwc; runs on the calling thread's OpenMP team. Call only when avx2::available().
  void run(const void* x, void* y) const;

 private:
  // Output row oh of image n, channel blocks [first_block, end_block).
  void run_row(const uint8_t* x, uint8_t* y, int64_t n, int64_t oh, int64_t first_block, int64_t end_block) const;

  Geometry g_;
  int64_t blocks_ = 0;  // channel blocks of 16
  int pairs_ = 0;       // tap pairs: ceil(kh * kw / 2)
  // Per block and tap pair: two vectors of 16 int16 weights, interleaved as vpunpck{l,h}wd pairs
  // the taps (see depthwise_int8.cc); per block: bias and scales in the accumulators' lane order.
  std::vector<int16_t> weights_;
  std::vector<int32_t> bias_;
  std::vector<float> scales_;
  std::vector<int64_t> tap_offsets_;  // byte offset of tap t from the window's top-left pixel
  std::vector<uint8_t> zeros_;        // one padding pixel (all blocks)
  avx2::Requantization requantization_;
  DType x_type_ = DType::kU8, y_type_ = DType::kU8;
};

}  // namespace saturn::depthwise_int8
